/** Run-set arithmetic shared by the client (validation, resume), the workflow and the activities. */
import { gridIndices, gridOverrides, gridSize, sortedKeys } from './grid';
import type { OverrideValue, Overrides } from './overrides';
import { expandStochasticRun } from './stochastic';
import type { InputTableRef, RunSet } from './types';

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

/** The input tables a run set reads (long grid axes, sample rows). */
export function inputTables(runSet: RunSet): InputTableRef[] {
  if (runSet.kind === 'samples') return [runSet.rows];
  if (runSet.kind !== 'grid') return [];
  return sortedKeys(runSet.axes).flatMap((key) => {
    const axis = runSet.axes[key];
    return !Array.isArray(axis) && 'values' in axis ? [axis.values] : [];
  });
}

/** One explicit row as overrides, in column order. */
function rowOverrides(columns: string[], row: readonly unknown[]): Overrides {
  const overrides: Overrides = {};
  columns.forEach((column, i) => {
    overrides[column] = row[i] as OverrideValue;
  });
  return overrides;
}

/**
 * Where the values of run `runId` sit in the run set's input tables: `[ref, index]` for
 * every table value the run needs (none for linspace/inline grids and stochastic sets).
 */
export function tableCells(runSet: RunSet, runId: number): Array<[ref: InputTableRef, index: number]> {
  if (runSet.kind === 'samples') return [[runSet.rows, runId]];
  if (runSet.kind !== 'grid') return [];
  const cells: Array<[InputTableRef, number]> = [];
  for (const [key, index] of gridIndices(runSet.axes, runId)) {
    const axis = runSet.axes[key];
    if (!Array.isArray(axis) && 'values' in axis) cells.push([axis.values, index]);
  }
  return cells;
}

/**
 * Overrides of one run. `valueAt(ref, index)` supplies input-table values; the caller makes
 * sure the cells `tableCells` lists are available (the workflow pages them in by activity,
 * activities read them from the output directory).
 */
export function expandRun(runSet: RunSet, runId: number, valueAt: (ref: InputTableRef, index: number) => unknown = noTables): Overrides {
  switch (runSet.kind) {
    case 'grid':
      return gridOverrides(runSet.axes, runId, (_key, axis, index) => valueAt((axis as { values: InputTableRef }).values, index) as OverrideValue);
    case 'samples':
      return rowOverrides(runSet.columns, valueAt(runSet.rows, runId) as unknown[]);
    case 'monteCarlo':
    case 'latinHypercube':
      return expandStochasticRun(runSet, runId);
  }
}

function noTables(ref: InputTableRef): never {
  throw new Error(`input table ${ref.table} lives in the output directory; its values must be paged in`);
}


/** One-line readable description of a run for the Temporal UI (`run 42 · Sat.SMA=7100`). */
export function runSummary(runId: number, overrides: Overrides): string {
  const parts = Object.entries(overrides).map(([k, v]) => `${k}=${typeof v === 'string' ? `'${v}'` : String(v)}`);
  const text = `run ${runId}${parts.length ? ` · ${parts.join(', ')}` : ''}`;
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
