/** `gsweep lhs`: a Latin hypercube sample, one point per equal-probability stratum per parameter. */
import type { Command } from 'commander';
import { parsePerturbArgs } from '../../request/grid-args';
import { baseRequest, runSweepCommand } from '../launch';
import { addSweepOptions, collect, type SweepCliOptions } from '../options';

export function register(program: Command): void {
  addSweepOptions(
    program
      .command('lhs')
      .description('Latin hypercube sample: one point per equal-probability stratum per parameter')
      .argument('<script>', 'GMAT mission .script')
      .requiredOption('--n <runs>', 'number of runs', Number)
      .requiredOption('--perturb <NAME=normal:MU:SIGMA|uniform:LO:HI|lognormal:MU:SIGMA>', 'parameter (repeatable)', collect)
      .requiredOption('--seed <int>', 'sweep seed', Number),
  ).action(async (script: string, o: SweepCliOptions & { n: number; perturb: string[]; seed: number }) => {
    const request = baseRequest(script, o);
    request.latinHypercube = { n: o.n, seed: o.seed, perturb: parsePerturbArgs(o.perturb) };
    process.exitCode = await runSweepCommand(request, o);
  });
}
