/**
 * `aggregateRuns`: streams every run's per-run tables into one Parquet table per output
 * (`report__Track.parquet`, ...) in gmat-sweep's aggregate shape (README "Outputs"), and writes `manifest.jsonl`.
 *
 * Memory is bounded by one row group per output table plus one run's table (a store's: a
 * window of runs, run-source.ts), whatever the number of runs: pass 1 reads only
 * `outcome.json` files (schemas and statuses) and what is known of each table without its
 * bytes (its two ends, or a store's listing), pass 2 streams run by run into every table and
 * the manifest.
 */
import { postprocessLabel, type AggregateInput, type AggregateSummary } from '../sweep/types';
import { AtomicLineWriter } from './atomic';
import { readFailures } from './failures';
import { manifestHeader, pythonJsonDumps, type ManifestEntry, type ManifestStatus, type TableValueAt } from './manifest';
import { failedForLostTables, readCurrentOutcome, type RunOutcome } from './outcome';
import { relativeToRoot, runFileOf, type RunSource } from './run-source';
import type { Store } from './store';
import { readParquetBytes, type TypedColumn, type TypedTable } from '../tables/parquet/reader';
import { ParquetStreamWriter, type ColumnSpec, type ColumnVector } from '../tables/parquet/writer';
import type { Table } from '../tables/table';

export interface AggregateHooks {
  /** Called every few hundred runs so the activity can heartbeat. */
  progress?: (runsDone: number) => void;
  workflowId?: string;
  namespace?: string;
  /** One context for every run: written once in the header (`shared_context`), `{}` on each line. */
  sharedContext?: Record<string, unknown>;
}

/** What the aggregate reads and where it writes: its caller's (the Workspace's) choice. */
export interface AggregateIO {
  /** The out's Store: failures.jsonl is read from it. */
  store: Store;
  /** The runs' outcome.json files and tables. */
  runs: RunSource;
  /** The local file each aggregate table is written to. */
  tableFile: (key: string) => string;
  /** The local file the manifest is written to, last. */
  manifestFile: string;
}

interface RunState {
  status: ManifestStatus;
  outcome?: RunOutcome;
}

/** A run's state; with `tables`, its ok tables' bytes are read into it (the second pass). */
async function runStateOf(runs: RunSource, failures: Map<number, string>, runId: number, tables?: Map<string, Buffer>): Promise<RunState> {
  const outcome = await readCurrentOutcome(runs, runId, tables);
  if (outcome) return { status: outcome.status, outcome };
  if (failures.has(runId)) return { status: 'failed' };
  // No outcome and no failure note: the run never finished because the sweep was
  // cancelled (or terminated before it ran); resume re-runs it.
  return { status: 'cancelled' };
}

/** Union of each table's columns over all runs (`stateOf` 0, 1, ...), in first-seen order. */
async function collectSchemas(runCount: number, stateOf: (runId: number) => Promise<RunState>): Promise<Map<string, ColumnSpec[]>> {
  const schemas = new Map<string, Map<string, ColumnSpec>>();
  for (let id = 0; id < runCount; id++) {
    const { outcome } = await stateOf(id);
    if (outcome?.status !== 'ok') continue;
    for (const [key, table] of Object.entries(outcome.tables)) {
      const columns = schemas.get(key) ?? new Map<string, ColumnSpec>();
      for (const column of table.columns) {
        const seen = columns.get(column.name);
        if (!seen) columns.set(column.name, { name: column.name, type: column.type });
        else if (seen.type !== column.type) {
          // Runs disagree (e.g. a column numeric in one run, text in another): keep every
          // value readable as text rather than fail the whole sweep at the last step.
          seen.type = 'string';
        }
      }
      schemas.set(key, columns);
    }
  }
  return new Map([...schemas].map(([key, columns]) => [key, [...columns.values()]]));
}

/** A column read with one type, written under another: only "anything → string" happens (see collectSchemas). */
function asType(column: TypedColumn, type: ColumnSpec['type']): TypedColumn {
  if (column.spec.type === type) return column;
  if (type !== 'string') throw new Error(`cannot convert column "${column.spec.name}" from ${column.spec.type} to ${type}`);
  const { values, valid } = column;
  const strings = Array.from(values as ArrayLike<unknown>, (v, i) => (valid?.[i] === 0 || v === null ? null : String(v)));
  return { spec: { ...column.spec, type: 'string' }, values: strings };
}

/**
 * Row order within a run: by time, rows without a time last, otherwise as GMAT wrote them.
 * GMAT writes in time order, so the usual case is one linear check and no copy.
 */
function sortByTime(table: TypedTable): TypedTable {
  const time = table.columns.find((c) => c.spec.name === 'time');
  if (!time || time.spec.type !== 'timestamp') return table;
  const t = time.values as BigInt64Array;
  const valid = time.valid;
  const isNull = (i: number) => valid !== undefined && valid[i] === 0;
  let sorted = true;
  for (let i = 1; i < table.rowCount && sorted; i++) {
    if (isNull(i)) continue;
    if (isNull(i - 1) || t[i] < t[i - 1]) sorted = false;
  }
  if (sorted) return table;
  const order = Array.from({ length: table.rowCount }, (_, i) => i);
  order.sort((a, b) => {
    const na = isNull(a);
    const nb = isNull(b);
    if (na || nb) return na === nb ? a - b : na ? 1 : -1;
    return t[a] < t[b] ? -1 : t[a] > t[b] ? 1 : a - b;
  });
  return {
    rowCount: table.rowCount,
    columns: table.columns.map((c): TypedColumn => {
      const values = c.values;
      const permuted =
        values instanceof Float64Array
          ? Float64Array.from(order, (i) => values[i])
          : values instanceof BigInt64Array
            ? BigInt64Array.from(order, (i) => values[i])
            : order.map((i) => values[i]);
      const v = c.valid;
      return { spec: c.spec, values: permuted, ...(v ? { valid: Uint8Array.from(order, (i) => v[i]) } : {}) };
    }),
  };
}

let okColumn: string[] = [];
/** `__status = ok` for n rows (one shared array; the writer only reads it). */
function okStatus(n: number): string[] {
  if (okColumn.length < n) okColumn = new Array<string>(n).fill('ok');
  return okColumn;
}

function markerRow(runId: number, status: ManifestStatus): Table {
  return {
    rowCount: 1,
    columns: [
      { name: 'run_id', type: 'int64', values: [BigInt(runId)] },
      { name: '__status', type: 'string', values: [status] },
    ],
  };
}

/**
 * A path of the sweep as the manifest stores it: relative to `out` (`runs/run-3/report__Track.parquet`),
 * so a moved or copied directory's manifest still names its own files. gmat-sweep's readers
 * resolve a relative path against the manifest's directory.
 */
function relativeFiles(root: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, f]) => [k, relativeToRoot(root, f)]));
}

function manifestEntry(
  root: string,
  failures: Map<number, string>,
  runId: number,
  state: RunState,
  overrides: () => Record<string, unknown>,
  context: () => Record<string, unknown>,
  recordedAt: string,
  /** The sweep's context is shared (in the header): the outcome's copy is not repeated per line. */
  sharedContext = false,
): ManifestEntry {
  const o = state.outcome;
  if (o && o.overrides !== null) {
    const ok = o.status === 'ok';
    return {
      run_id: runId,
      overrides: o.overrides,
      context: sharedContext ? {} : (o.context ?? context()),
      status: o.status,
      output_paths: ok ? relativeFiles(root, o.output_paths) : {},
      extra_outputs: ok ? relativeFiles(root, o.extra_outputs ?? {}) : {},
      solver_paths: ok ? relativeFiles(root, o.solver_paths ?? {}) : {},
      converged: ok ? (o.converged ?? {}) : {},
      postprocess_status: o.postprocess_status ?? 'none',
      started_at: o.started_at,
      ended_at: o.ended_at,
      duration_s: o.duration_s,
      stderr: o.stderr,
      log_path: o.log_path === null ? null : relativeToRoot(root, o.log_path),
      ...(o.cached ? { cached: o.cached } : {}),
    };
  }
  // A run that never recorded an outcome has no times of its own; gmat-sweep's reader needs
  // ISO timestamps (datetime.fromisoformat), so both are when the aggregate recorded it.
  return {
    run_id: runId,
    overrides: overrides() as ManifestEntry['overrides'],
    context: context(),
    status: state.status,
    output_paths: {},
    extra_outputs: {},
    solver_paths: {},
    converged: {},
    postprocess_status: 'none',
    started_at: recordedAt,
    ended_at: recordedAt,
    duration_s: 0,
    stderr:
      o?.stderr ??
      failures.get(runId) ??
      (state.status === 'failed'
        ? `run ${runId} failed without recording an outcome or a reason; ` +
          `the worker's log and activity run-${runId} in the Temporal UI (when the server still has it) give the cause`
        : null),
    log_path: null,
  };
}

/** One aggregate table being written: its columns (run_id, time, data, __status) and its writer. */
interface OutputTable {
  key: string;
  target: string;
  columns: ColumnSpec[];
  position: Map<string, number>;
  writer: ParquetStreamWriter;
  written: number;
}

/** The columns of one aggregate table, from the union of its per-run schemas. */
function aggregateColumns(key: string, dataColumns: ColumnSpec[]): ColumnSpec[] {
  // Solver logs (and postprocess tables without a time column) are indexed by iteration /
  // row, not time, as gmat-sweep's lazy_solver_runs / lazy_extra_outputs index them.
  const timeIndexed = !(key.startsWith('solver__') || key.startsWith('extra__')) || dataColumns.some((c) => c.name === 'time');
  return [
    { name: 'run_id', type: 'int64', nullable: false },
    ...(timeIndexed ? [{ name: 'time', type: 'timestamp' } as ColumnSpec] : []),
    ...dataColumns.filter((c) => c.name !== 'time' && c.name !== 'run_id' && c.name !== '__status'),
    { name: '__status', type: 'string' },
  ];
}

/** Opens one streaming writer per output table; on failure, the ones already opened are aborted. */
function openOutputTables(schemas: Map<string, ColumnSpec[]>, tableFile: (key: string) => string, sweepId: string): OutputTable[] {
  const outputs: OutputTable[] = [];
  try {
    for (const [key, dataColumns] of schemas) {
      const target = tableFile(key);
      const columns = aggregateColumns(key, dataColumns);
      const writer = new ParquetStreamWriter(target, columns, { metadata: { 'gsweep.table': key, 'gsweep.sweep_id': sweepId } });
      outputs.push({ key, target, columns, position: new Map(columns.map((c, i) => [c.name, i])), writer, written: 0 });
    }
  } catch (err) {
    for (const o of outputs) o.writer.abort();
    throw err;
  }
  return outputs;
}

/** The manifest's header line. */
function manifestHeaderLine(input: AggregateInput, gmatInstallVersion: string | null, hooks: AggregateHooks, valueAt?: TableValueAt): Record<string, unknown> {
  const header = (at: TableValueAt | undefined) =>
    manifestHeader({
      postprocess: postprocessLabel(input.context.postprocess),
      scriptSha256: input.context.scriptSha256,
      runSet: input.runSet,
      runCount: input.runCount,
      gmatInstallVersion,
      valueAt: at,
      temporal: { namespace: hooks.namespace, workflowId: hooks.workflowId ?? input.context.sweepId },
      sharedContext: hooks.sharedContext,
    });
  try {
    return header(valueAt);
  } catch {
    // Damaged or missing input tables (<out>/inputs/) cost the manifest header its value
    // lists, not the aggregate: the runs' own outcome.json files still say what each ran.
    const line = header(() => null);
    const spec = line.parameter_spec as Record<string, unknown>;
    if (spec._kind === 'explicit') spec.rows = [];
    return line;
  }
}

/**
 * Typed columns straight from an ok run's table bytes; all of a run's tables are read before
 * any is written, so a damaged file turns the whole run into a failed row with the reason.
 */
async function readRunTables(
  outputs: OutputTable[],
  root: string,
  runId: number,
  state: RunState,
  bytes: Map<string, Buffer>,
): Promise<{ state: RunState; read: Map<string, TypedTable> }> {
  const read = new Map<string, TypedTable>();
  const outcome = state.outcome;
  if (state.status !== 'ok' || !outcome) return { state, read };
  try {
    for (const o of outputs) {
      const runTable = outcome.tables[o.key];
      if (!runTable) continue;
      const file = bytes.get(o.key);
      if (!file) throw new Error(`${o.key}: its file is missing`);
      const table = await readParquetBytes(file as Buffer<ArrayBuffer>, runTable.columns);
      if (table.rowCount !== runTable.rows) {
        throw new Error(`it has ${table.rowCount} rows, its outcome.json says ${runTable.rows}`);
      }
      read.set(o.key, sortByTime(table));
    }
  } catch (err) {
    read.clear();
    const failed = failedForLostTables(
      outcome,
      `run ${runId} finished ok but a per-run table is unreadable (${(err as Error).message}); delete ${runFileOf(root, runId)} and run \`gsweep resume\` to re-run it`,
    );
    return { state: { status: 'failed', outcome: failed }, read };
  }
  return { state, read };
}

/** A run's rows in every output table: its own rows where it has the table, else one marker row. */
function appendRun(outputs: OutputTable[], runId: number, status: ManifestStatus, read: Map<string, TypedTable>): void {
  for (const o of outputs) {
    const table = read.get(o.key);
    if (!table) {
      o.writer.append(markerRow(runId, status));
      o.written += 1;
      continue;
    }
    const n = table.rowCount;
    const vectors: (ColumnVector | undefined)[] = new Array(o.columns.length).fill(undefined);
    for (const column of table.columns) {
      const at = o.position.get(column.spec.name);
      if (at === undefined || column.spec.name === 'run_id' || column.spec.name === '__status') continue;
      vectors[at] = asType(column, o.columns[at].type);
    }
    vectors[0] = { values: new BigInt64Array(n).fill(BigInt(runId)) };
    vectors[o.columns.length - 1] = { values: okStatus(n) };
    o.writer.appendVectors(n, vectors);
    o.written += n;
  }
}

/** `valueAt` reads the run set's input tables (long grid axes, sample rows) for the manifest header. */
export async function aggregateRuns(
  input: AggregateInput,
  overridesOf: (runId: number) => Record<string, unknown>,
  gmatInstallVersion: string | null,
  io: AggregateIO,
  hooks: AggregateHooks = {},
  valueAt?: TableValueAt,
  contextOf: (runId: number) => Record<string, unknown> = () => ({}),
): Promise<AggregateSummary> {
  const recordedAt = new Date().toISOString().replace('Z', '+00:00');
  const { runs } = io;
  const root = runs.root;
  const failedRuns = await readFailures(io.store);

  // Pass 1: the output tables' schemas, from the outcome.json files (and what is known of the tables).
  const schemas = await collectSchemas(input.runCount, async (id) => {
    const state = await runStateOf(runs, failedRuns, id);
    if (id % 500 === 499) hooks.progress?.(id + 1);
    return state;
  });

  // Pass 2, one read of each run's outcome: every output table is streamed (one writer per
  // table, each bounded by one row group) and the manifest line is written in the same loop.
  const manifest = io.manifestFile;
  const counts = { ok: 0, failed: 0, cancelled: 0 };
  const outputs = openOutputTables(schemas, io.tableFile, input.context.sweepId);
  let out: AtomicLineWriter | undefined;
  try {
    out = new AtomicLineWriter(manifest);
    out.line(pythonJsonDumps(manifestHeaderLine(input, gmatInstallVersion, hooks, valueAt)));
    const contextOfLine = hooks.sharedContext ? () => ({}) : contextOf;
    for (let id = 0; id < input.runCount; id++) {
      const bytes = new Map<string, Buffer>();
      const { state, read } = await readRunTables(outputs, root, id, await runStateOf(runs, failedRuns, id, bytes), bytes);
      bytes.clear();
      appendRun(outputs, id, state.status, read);
      counts[state.status]++;
      runs.release?.(id);
      out.line(pythonJsonDumps(manifestEntry(root, failedRuns, id, state, () => overridesOf(id), () => contextOfLine(id), recordedAt, !!hooks.sharedContext)));
      if (id % 200 === 199) hooks.progress?.(id + 1);
    }
    for (const o of outputs) o.writer.close();
    // Manifest last: its presence means the aggregate is complete.
    out.commit();
  } catch (err) {
    for (const o of outputs) o.writer.abort();
    out?.abort();
    throw err;
  }
  const tables: Record<string, string> = {};
  const rows: Record<string, number> = {};
  for (const o of outputs) {
    tables[o.key] = o.target;
    rows[o.key] = o.written;
  }
  return { tables, rows, manifestPath: manifest, ...counts };
}
