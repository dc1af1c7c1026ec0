/** `gsweep monte-carlo`: a Monte Carlo dispersion whose draws equal gmat-sweep's for the same seed. */
import type { Command } from 'commander';
import { parsePerturbArgs } from '../../request/grid-args';
import { baseRequest, runSweepCommand } from '../launch';
import { addSweepOptions, collect, type SweepCliOptions } from '../options';

export function register(program: Command): void {
  addSweepOptions(
    program
      .command('monte-carlo')
      .description('Monte Carlo dispersion, draws bit-identical to gmat-sweep for the same seed')
      .argument('<script>', 'GMAT mission .script')
      .requiredOption('--n <runs>', 'number of runs', Number)
      .requiredOption('--perturb <NAME=normal:MU:SIGMA|uniform:LO:HI|lognormal:MU:SIGMA>', 'perturbed parameter (repeatable)', collect)
      .requiredOption('--seed <int>', 'sweep seed', Number),
  ).action(async (script: string, o: SweepCliOptions & { n: number; perturb: string[]; seed: number }) => {
    const request = baseRequest(script, o);
    request.monteCarlo = { n: o.n, seed: o.seed, perturb: parsePerturbArgs(o.perturb) };
    process.exitCode = await runSweepCommand(request, o);
  });
}
