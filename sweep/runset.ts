/** Run-set arithmetic shared by the client (validation, resume) and the workflow (expansion). */
import { gridOverrides, gridSize } from './grid';
import type { Overrides } from './overrides';
import { expandStochasticRun } from './stochastic';
import type { RunSet } from './sweep';

export function runSetSize(runSet: RunSet): number {
  switch (runSet.kind) {
    case 'grid':
      return gridSize(runSet.axes);
    case 'samples':
      return runSet.rowCount;
    case 'monteCarlo':
    case 'latinHypercube':
      return runSet.n;
  }
}

/**
 * Overrides of one run for the run sets the workflow can expand by itself. Explicit rows
 * are paged in from `samples.json` by an activity instead (returns undefined here).
 */
export function expandRun(runSet: RunSet, runId: number): Overrides | undefined {
  switch (runSet.kind) {
    case 'grid':
      return gridOverrides(runSet.axes, runId);
    case 'samples':
      return undefined;
    case 'monteCarlo':
    case 'latinHypercube':
      return expandStochasticRun(runSet, runId);
  }
}

/** One-line readable description of a run for the Temporal UI (`run 42 · Sat.SMA=7100`). */
export function runSummary(runId: number, overrides: Overrides): string {
  const parts = Object.entries(overrides).map(([k, v]) => `${k}=${typeof v === 'string' ? `'${v}'` : String(v)}`);
  const text = `run ${runId}${parts.length ? ` · ${parts.join(', ')}` : ''}`;
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
