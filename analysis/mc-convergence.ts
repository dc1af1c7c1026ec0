/**
 * gmat-sweep's `mc_convergence`: running mean, sample std (ddof 1) and standard error of
 * the mean over the first n = 1..N ok runs in run_id order, by Welford's recurrence (stable
 * for km-sized means with metre-sized spread). Per time step by default, or on each run's
 * final value (`terminalOnly`).
 */
import { AnalysisError, column, formatTime, lastValues, type SweepTable } from './table';

export interface ConvergenceRow {
  /** ISO time of the group; absent for terminal-only. */
  time?: string | null;
  n: number;
  running_mean: number | null;
  running_std: number | null;
  se_mean: number | null;
}

export interface Convergence {
  metric: string;
  terminalOnly: boolean;
  rows: ConvergenceRow[];
}

/** Welford running statistics of `values` in order. */
export function runningStats(values: ArrayLike<number>): { n: number; mean: number; std: number; se: number }[] {
  const out: { n: number; mean: number; std: number; se: number }[] = [];
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const n = i + 1;
    const delta = x - mean;
    mean += delta / n;
    m2 += delta * (x - mean);
    const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : NaN;
    out.push({ n, mean, std, se: std / Math.sqrt(n) });
  }
  return out;
}

const nullable = (v: number) => (Number.isNaN(v) ? null : v);

export function mcConvergence(table: SweepTable, metric: string, options: { terminalOnly?: boolean } = {}): Convergence {
  if (!metric) throw new AnalysisError('mc-convergence: give the metric column (--metric NAME)');
  const values = column(table, metric, 'mc-convergence: metric').values;
  const terminalOnly = options.terminalOnly ?? false;
  if (terminalOnly) {
    const per = lastValues(table, values, true).map((r) => r.value);
    return {
      metric,
      terminalOnly,
      rows: runningStats(per).map((s) => ({ n: s.n, running_mean: nullable(s.mean), running_std: nullable(s.std), se_mean: nullable(s.se) })),
    };
  }
  // Per time: ok rows grouped by time, each group in run_id order (the table's order).
  const groups = new Map<bigint, number[]>();
  for (let i = 0; i < table.rowCount; i++) {
    const t = table.time[i];
    if (table.status[i] !== 'ok' || t === null) continue;
    let g = groups.get(t);
    if (!g) groups.set(t, (g = []));
    g.push(values[i]);
  }
  const rows: ConvergenceRow[] = [];
  for (const t of [...groups.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
    const time = formatTime(t);
    for (const s of runningStats(groups.get(t)!)) {
      rows.push({ time, n: s.n, running_mean: nullable(s.mean), running_std: nullable(s.std), se_mean: nullable(s.se) });
    }
  }
  return { metric, terminalOnly, rows };
}
