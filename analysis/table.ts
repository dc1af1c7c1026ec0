/**
 * The columnar view of one aggregate table that every analysis function takes: rows in
 * (run_id, time) order, numbers as Float64Array with NaN for null (pandas' view of a
 * nullable DOUBLE), timestamps as BigInt nanoseconds. Pure data, no I/O.
 */

export interface NumericColumn {
  name: string;
  values: Float64Array;
}

export interface SweepTable {
  rowCount: number;
  runId: Float64Array;
  /** Nanoseconds since 1970 in the table's own time scale; null for a failed run's marker row. */
  time: (bigint | null)[];
  status: string[];
  /** Every DOUBLE column except run_id / time / __status, in file order. */
  columns: NumericColumn[];
}

export class AnalysisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalysisError';
  }
}

export function column(table: SweepTable, name: string, what = 'column'): NumericColumn {
  const found = table.columns.find((c) => c.name === name);
  if (!found) {
    throw new AnalysisError(`${what} ${JSON.stringify(name)} is not a numeric column of the table; numeric columns: ${table.columns.map((c) => c.name).join(', ') || '(none)'}`);
  }
  return found;
}

/** Row ranges [start, end) of each run, in run_id order (the table is sorted by run_id, time). */
export function runRanges(table: SweepTable): { runId: number; start: number; end: number }[] {
  const out: { runId: number; start: number; end: number }[] = [];
  for (let i = 0; i < table.rowCount; ) {
    const id = table.runId[i];
    let j = i + 1;
    while (j < table.rowCount && table.runId[j] === id) j++;
    out.push({ runId: id, start: i, end: j });
    i = j;
  }
  return out;
}

/**
 * Row index of each run's final row (largest time; gmat-sweep's `groupby(run_id).last()`
 * after `sort_index()`), with the run's status.
 */
export function lastRows(table: SweepTable): { runId: number; row: number; status: string }[] {
  return runRanges(table).map(({ runId, start, end }) => ({ runId, row: end - 1, status: table.status[start] }));
}

/**
 * Per-run final value of a column, pandas `groupby(level="run_id")[col].last()`: the last
 * non-NaN value of the run (NaN when it has none).
 */
export function lastValues(table: SweepTable, values: Float64Array, onlyOk: boolean): { runId: number; value: number }[] {
  const out: { runId: number; value: number }[] = [];
  for (const { runId, start, end } of runRanges(table)) {
    if (onlyOk && table.status[start] !== 'ok') continue;
    let v = NaN;
    for (let i = end - 1; i >= start; i--) {
      if (!Number.isNaN(values[i])) {
        v = values[i];
        break;
      }
    }
    out.push({ runId, value: v });
  }
  return out;
}

/** ISO-8601 with nanoseconds (`2026-01-01T00:00:00.000000000`), the table's own scale. */
export function formatTime(ns: bigint | null): string | null {
  if (ns === null) return null;
  const ms = ns / 1_000_000n - (ns % 1_000_000n < 0n ? 1n : 0n);
  const rest = ns - ms * 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // ...T..:..:..mmmZ
  return `${iso.slice(0, 23)}${rest.toString().padStart(6, '0')}`;
}
