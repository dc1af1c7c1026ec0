/**
 * gmat-sweep's `sweep_diff`: run-by-run differences of two sweeps of the same run set,
 * aligned on (run_id, time) (or on run_id alone, each run's final row), numeric columns
 * shared by both, `<col>__diff = b - a` and `<col>__rel = (b - a) / a`, plus the status pair.
 * `compareSweeps` adds the verdict the CLI's exit code needs: numpy `isclose` semantics,
 * |b - a| <= atol + rtol * |a|, NaN equal to NaN.
 */
import { AnalysisError, formatTime, lastRows, type SweepTable } from './table';

export interface DiffOptions {
  on?: 'run_id' | null;
  how?: 'absolute' | 'relative' | 'both';
  /** Diffs with |b - a| strictly below this become NaN (gmat-sweep `tolerance=`). */
  tolerance?: number;
  columns?: string[];
}

export interface SweepDiff {
  on: 'run_id' | null;
  /** Aligned keys: run ids, and ISO times unless on=run_id. */
  runId: number[];
  time?: (string | null)[];
  /** `<col>__diff` / `<col>__rel` columns, interleaved per source column for how=both. */
  columns: Record<string, (number | null)[]>;
  /** "ok" when both sides are ok, else "<a>/<b>". */
  statusDiff: string[];
  /** Keys present in only one of the two sweeps (gmat-sweep drops them silently). */
  onlyInA: number;
  onlyInB: number;
}

interface Keyed {
  key: string;
  runId: number;
  time: bigint | null;
  row: number;
}

function keyed(table: SweepTable, on: 'run_id' | null): Keyed[] {
  if (on === 'run_id') return lastRows(table).map(({ runId, row }) => ({ key: String(runId), runId, time: null, row }));
  const out: Keyed[] = [];
  for (let i = 0; i < table.rowCount; i++) out.push({ key: `${table.runId[i]}|${table.time[i] ?? 'NaT'}`, runId: table.runId[i], time: table.time[i], row: i });
  return out;
}

/** Last non-NaN value of a run's column (pandas `last()`), for on=run_id. */
function valueAt(table: SweepTable, values: Float64Array, k: Keyed, on: 'run_id' | null): number {
  if (on !== 'run_id') return values[k.row];
  for (let i = k.row; i >= 0 && table.runId[i] === k.runId; i--) if (!Number.isNaN(values[i])) return values[i];
  return NaN;
}

export function sweepDiff(a: SweepTable, b: SweepTable, options: DiffOptions = {}): SweepDiff {
  const on = options.on ?? null;
  const how = options.how ?? 'both';
  if (!['absolute', 'relative', 'both'].includes(how)) throw new AnalysisError(`diff: how=${JSON.stringify(how)} is not supported; pass one of absolute, relative, both`);
  if (on !== null && on !== 'run_id') throw new AnalysisError(`diff: on=${JSON.stringify(on)} is not supported; pass null or run_id`);
  const bNames = new Set(b.columns.map((c) => c.name));
  let shared = a.columns.filter((c) => bNames.has(c.name)).map((c) => c.name);
  if (options.columns) {
    const missing = options.columns.filter((c) => !shared.includes(c));
    if (missing.length) throw new AnalysisError(`diff: column(s) ${missing.map((m) => JSON.stringify(m)).join(', ')} are not numeric columns of both sweeps; shared: ${shared.join(', ')}`);
    shared = options.columns;
  }
  const ka = keyed(a, on);
  const kb = new Map(keyed(b, on).map((k) => [k.key, k]));
  const common = ka.filter((k) => kb.has(k.key));
  const aKeys = new Set(ka.map((k) => k.key));
  const onlyInB = [...kb.keys()].filter((k) => !aKeys.has(k)).length;

  const columns: SweepDiff['columns'] = {};
  for (const name of shared) {
    const va = a.columns.find((c) => c.name === name)!.values;
    const vb = b.columns.find((c) => c.name === name)!.values;
    const diffs: (number | null)[] = [];
    const rels: (number | null)[] = [];
    for (const k of common) {
      const x = valueAt(a, va, k, on);
      const y = valueAt(b, vb, kb.get(k.key)!, on);
      const d = y - x;
      let rel = d / x;
      if (!Number.isFinite(rel)) rel = NaN;
      const masked = options.tolerance !== undefined && Math.abs(d) < options.tolerance;
      diffs.push(masked || Number.isNaN(d) ? null : d);
      rels.push(masked || Number.isNaN(rel) ? null : rel);
    }
    if (how !== 'relative') columns[`${name}__diff`] = diffs;
    if (how !== 'absolute') columns[`${name}__rel`] = rels;
  }
  const statusDiff = common.map((k) => {
    const sa = a.status[k.row];
    const sb = b.status[kb.get(k.key)!.row];
    return sa === 'ok' && sb === 'ok' ? 'ok' : `${sa}/${sb}`;
  });
  return {
    on,
    runId: common.map((k) => k.runId),
    ...(on === 'run_id' ? {} : { time: common.map((k) => formatTime(k.time)) }),
    columns,
    statusDiff,
    onlyInA: ka.length - common.length,
    onlyInB,
  };
}

export interface CompareOptions {
  rtol?: number;
  atol?: number;
  on?: 'run_id' | null;
  columns?: string[];
}

export interface ColumnVerdict {
  column: string;
  compared: number;
  beyond: number;
  maxAbs: number;
  maxRel: number;
  /** First offending row: run, time, a, b. */
  first?: { runId: number; time: string | null; a: number | null; b: number | null };
}

export interface Comparison {
  same: boolean;
  rtol: number;
  atol: number;
  rows: number;
  statusMismatches: { runId: number; time: string | null; status: string }[];
  onlyInA: number;
  onlyInB: number;
  /** Numeric columns present in only one of the sweeps. */
  columnsOnlyInA: string[];
  columnsOnlyInB: string[];
  columns: ColumnVerdict[];
}

/** Whether two sweeps agree within rtol/atol, column by column (numpy isclose; NaN == NaN). */
export function compareSweeps(a: SweepTable, b: SweepTable, options: CompareOptions = {}): Comparison {
  const rtol = options.rtol ?? 1e-9;
  const atol = options.atol ?? 0;
  if (!(rtol >= 0) || !(atol >= 0)) throw new AnalysisError(`diff: --rtol and --atol must be non-negative numbers; got rtol=${rtol}, atol=${atol}`);
  const on = options.on ?? null;
  const d = sweepDiff(a, b, { on, how: 'absolute', columns: options.columns });
  const aNames = a.columns.map((c) => c.name);
  const bNames = b.columns.map((c) => c.name);
  const ka = keyed(a, on);
  const kb = new Map(keyed(b, on).map((k) => [k.key, k]));
  const common = ka.filter((k) => kb.has(k.key));
  const names = options.columns ?? aNames.filter((n) => bNames.includes(n));
  const verdicts = names.map((name): ColumnVerdict => {
    const va = a.columns.find((c) => c.name === name)!.values;
    const vb = b.columns.find((c) => c.name === name)!.values;
    const v: ColumnVerdict = { column: name, compared: 0, beyond: 0, maxAbs: 0, maxRel: 0 };
    for (const k of common) {
      const x = valueAt(a, va, k, on);
      const y = valueAt(b, vb, kb.get(k.key)!, on);
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      v.compared++;
      const diff = Math.abs(y - x);
      const close = !Number.isNaN(diff) && (diff <= atol + rtol * Math.abs(y) || x === y);
      if (!Number.isNaN(diff)) {
        v.maxAbs = Math.max(v.maxAbs, diff);
        if (x !== 0) v.maxRel = Math.max(v.maxRel, diff / Math.abs(x));
      }
      if (!close) {
        v.beyond++;
        v.first ??= { runId: k.runId, time: formatTime(k.time), a: Number.isNaN(x) ? null : x, b: Number.isNaN(y) ? null : y };
      }
    }
    return v;
  });
  const statusMismatches = d.statusDiff
    .map((s, i) => ({ runId: d.runId[i], time: d.time?.[i] ?? null, status: s }))
    .filter((s) => s.status !== 'ok' && s.status.split('/')[0] !== s.status.split('/')[1]);
  const columnsOnlyInA = aNames.filter((n) => !bNames.includes(n));
  const columnsOnlyInB = bNames.filter((n) => !aNames.includes(n));
  const same =
    verdicts.every((v) => v.beyond === 0) &&
    statusMismatches.length === 0 &&
    d.onlyInA === 0 &&
    d.onlyInB === 0 &&
    (options.columns !== undefined || (columnsOnlyInA.length === 0 && columnsOnlyInB.length === 0));
  return { same, rtol, atol, rows: common.length, statusMismatches, onlyInA: d.onlyInA, onlyInB: d.onlyInB, columnsOnlyInA, columnsOnlyInB, columns: verdicts };
}
