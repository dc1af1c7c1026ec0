/**
 * `gsweep sobol`: samples a Saltelli design and runs it as one explicit-row sweep, keeping the
 * design in `<out>/sobol.json` for `gsweep sobol-analyze`.
 */
import type { Command } from 'commander';
import { parsePerturbArgs } from '../../request/grid-args';
import { prepareRequest, RequestError } from '../../request/request';
import { sobolSample, type SobolDesign } from '../../sensitivity/saltelli';
import { designRequestRows, writeSobolFile } from '../../api/sobol';
import { baseRequest, launchSweep } from '../launch';
import { log } from '../log';
import { addSweepOptions, collect, positiveInt, type SweepCliOptions } from '../options';

export function register(program: Command): void {
  addSweepOptions(
    program
      .command('sobol')
      .description('Sobol sensitivity: run a Saltelli design (SALib sobol.sample, gmat-sweep sobol_sample) as one sweep; then `gsweep sobol-analyze <out>`')
      .argument('<script>', 'GMAT mission .script')
      .requiredOption('--n <N>', 'Saltelli base sample size (runs: N(2D+2), or N(D+2) with --no-second-order; a power of two is best)', positiveInt)
      .requiredOption('--perturb <NAME=normal:MU:SIGMA|uniform:LO:HI|lognormal:MU:SIGMA>', 'parameter (repeatable)', collect)
      .requiredOption('--seed <int>', 'design seed (scrambling of the Sobol sequence)', Number)
      .option('--no-second-order', 'first-order and total indices only: N(D+2) runs'),
  ).action(async (script: string, o: SweepCliOptions & { n: number; perturb: string[]; seed: number; secondOrder: boolean }) => {
    let design: SobolDesign;
    try {
      design = sobolSample(parsePerturbArgs(o.perturb), { n: o.n, seed: o.seed, calcSecondOrder: o.secondOrder });
    } catch (err) {
      throw new RequestError('perturb', (err as Error).message);
    }
    const request = baseRequest(script, o);
    request.samples = designRequestRows(design);
    const prepared = await prepareRequest(request);
    await writeSobolFile(prepared.input.context.outDir, design);
    log(`gsweep: Sobol design of ${design.names.length} parameters, N=${design.n}: ${design.rows.length} runs`);
    process.exitCode = await launchSweep(prepared, o);
  });
}
