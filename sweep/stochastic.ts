/**
 * Overrides of one Monte Carlo or Latin-hypercube run, drawn lazily and deterministically
 * from (perturb, n, seed, run id) — sandbox-safe, so the workflow expands runs itself.
 */
import { drawRun, lhsRun } from './random';
import type { Overrides } from './overrides';
import type { RunSet } from './types';

export function expandStochasticRun(
  runSet: Extract<RunSet, { kind: 'monteCarlo' | 'latinHypercube' }>,
  runId: number,
): Overrides {
  if (runSet.kind === 'monteCarlo') return drawRun(runSet.perturb, runSet.seed, runId);
  return lhsRun(runSet.perturb, runSet.n, runSet.seed, runId);
}
