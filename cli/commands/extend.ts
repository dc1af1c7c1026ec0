/** `gsweep extend`: appends runs to a finished Monte Carlo sweep (api/resume.ts plans it). */
import type { Command } from 'commander';
import { checkCacheDir } from '../../request/request';
import { planExtend } from '../../api/resume';
import { launchSweep } from '../launch';
import { log } from '../log';
import { addRestartOptions, cacheOption, engineChoice, type SweepCliOptions } from '../options';
import { withStore } from '../store-out';

export function register(program: Command): void {
  addRestartOptions(
    program
      .command('extend')
      .description('append runs to a finished Monte Carlo sweep (draws equal a fresh sweep of the larger size)')
      .argument('<out-dir>')
      .requiredOption('--n <runs>', 'runs to add', Number),
  ).action(async (outDir: string, o: SweepCliOptions & { n: number }) => {
    const plan = await withStore(outDir, (store) => planExtend(store, o.n, engineChoice(o), { postprocess: o.postprocess, cache: checkCacheDir(cacheOption(o)) }), { fnChecksAccess: true });
    log(`gsweep: extending ${plan.input.context.outDir} from ${plan.alreadyOk} to ${plan.input.runCount} runs`);
    process.exitCode = await launchSweep({ input: plan.input, engine: plan.input.context.engine.kind, workflowId: plan.workflowId, inputTables: plan.inputTables }, { ...o, engine: plan.input.context.engine.kind });
  });
}
