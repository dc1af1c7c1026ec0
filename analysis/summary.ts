/**
 * gmat-sweep's `sweep_summary`: statistics across runs at each time step (or across time
 * steps within each run). Same options, same validation, same statistics as pandas computes
 * them: NaN skipped, sample std (ddof 1), quantiles by linear interpolation.
 */
import { AnalysisError, formatTime, type SweepTable } from './table';

export type SummaryStat = 'mean' | 'std' | 'min' | 'max' | 'count_ok';
const VALID_INCLUDE: readonly SummaryStat[] = ['mean', 'std', 'min', 'max', 'count_ok'];

export interface SummaryOptions {
  by?: 'time' | 'run_id';
  q?: number[];
  include?: string[];
  dropna?: boolean;
  /** Restrict to these columns (default: every numeric column). */
  columns?: string[];
}

export interface Summary {
  by: 'time' | 'run_id';
  /** `include` entries then `q<value>` labels, gmat-sweep's column-level "statistic" index. */
  statistics: string[];
  fields: string[];
  /** Group keys: ISO time strings (null for failed runs' marker rows when dropna=false) or run ids. */
  index: (string | number | null)[];
  /** values[statistic][field][group] */
  values: Record<string, Record<string, (number | null)[]>>;
}

/** Python's `str(float)` for the quantile label (`q0.05`, `q0.5`). */
function qLabel(q: number): string {
  return `q${Number.isInteger(q) ? `${q}.0` : String(q)}`;
}

/** numpy/pandas linear-interpolation quantile of sorted finite values. */
function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const frac = h - lo;
  return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

function describe(values: number[], stat: SummaryStat): number {
  const n = values.length;
  switch (stat) {
    case 'count_ok':
      return n;
    case 'mean':
      return n === 0 ? NaN : values.reduce((a, b) => a + b, 0) / n;
    case 'std': {
      if (n < 2) return NaN;
      const mean = values.reduce((a, b) => a + b, 0) / n;
      return Math.sqrt(values.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1));
    }
    case 'min':
      // A loop, not Math.min(...values): a time step of a million runs would overflow the call.
      return values.reduce((a, b) => (b < a ? b : a), n === 0 ? NaN : Infinity);
    case 'max':
      return values.reduce((a, b) => (b > a ? b : a), n === 0 ? NaN : -Infinity);
  }
}

function validateSummaryOptions(o: SummaryOptions): Required<Omit<SummaryOptions, 'columns'>> {
  const by = o.by ?? 'time';
  const q = o.q ?? [0.05, 0.5, 0.95];
  const include = o.include ?? ['mean', 'std'];
  if (by !== 'time' && by !== 'run_id') throw new AnalysisError(`summary: by=${JSON.stringify(by)} is not supported; pass one of time, run_id`);
  const badQ = q.filter((v) => !(v > 0 && v < 1));
  if (badQ.length) throw new AnalysisError(`summary: q values must lie in the open interval (0, 1); got ${badQ.join(', ')}`);
  const badInclude = include.filter((s) => !VALID_INCLUDE.includes(s as SummaryStat));
  if (badInclude.length) throw new AnalysisError(`summary: unknown statistic(s) ${badInclude.join(', ')}; allowed: ${VALID_INCLUDE.join(', ')}`);
  const dupQ = [...new Set(q.filter((v, i) => q.indexOf(v) !== i))];
  if (dupQ.length) throw new AnalysisError(`summary: q must not contain duplicates; got duplicate(s) ${dupQ.join(', ')}`);
  const dupInclude = [...new Set(include.filter((v, i) => include.indexOf(v) !== i))];
  if (dupInclude.length) throw new AnalysisError(`summary: include must not contain duplicates; got duplicate(s) ${dupInclude.join(', ')}`);
  return { by, q, include, dropna: o.dropna ?? true };
}

/** Summarise a sweep table across runs at each `by` key (gmat-sweep `sweep_summary`). */
export function sweepSummary(table: SweepTable, options: SummaryOptions = {}): Summary {
  const { by, q, include, dropna } = validateSummaryOptions(options);
  const fields = options.columns ?? table.columns.map((c) => c.name);
  const cols = fields.map((name) => {
    const c = table.columns.find((x) => x.name === name);
    if (!c) throw new AnalysisError(`summary: column ${JSON.stringify(name)} is not a numeric column; numeric columns: ${table.columns.map((x) => x.name).join(', ')}`);
    return c;
  });

  // Group rows by key; pandas sorts group keys and puts a NaT group last (dropna=False).
  const groups = new Map<string, { key: bigint | number | null; rows: number[] }>();
  for (let i = 0; i < table.rowCount; i++) {
    if (dropna && table.status[i] !== 'ok') continue;
    const key = by === 'time' ? table.time[i] : table.runId[i];
    if (key === null && dropna) continue;
    const id = key === null ? 'null' : String(key);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, rows: [] }));
    g.rows.push(i);
  }
  const ordered = [...groups.values()].sort((a, b) => {
    if (a.key === null) return b.key === null ? 0 : 1;
    if (b.key === null) return -1;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });

  const statistics = [...include, ...q.map(qLabel)];
  const values: Summary['values'] = {};
  for (const s of statistics) values[s] = Object.fromEntries(fields.map((f) => [f, [] as (number | null)[]]));
  for (const g of ordered) {
    cols.forEach((c) => {
      const present = g.rows.map((r) => c.values[r]).filter((v) => !Number.isNaN(v));
      const sorted = Float64Array.from(present).sort();
      const put = (label: string, v: number) => values[label][c.name].push(Number.isNaN(v) ? null : v);
      for (const s of include) put(s, describe(present, s as SummaryStat));
      q.forEach((qv) => put(qLabel(qv), quantileSorted(sorted, qv)));
    });
  }
  const index = ordered.map((g) => (g.key === null ? null : by === 'time' ? formatTime(g.key as bigint) : (g.key as number)));
  return { by, statistics, fields, index, values };
}
