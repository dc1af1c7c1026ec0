/**
 * `writeAggregate`: streams every run's per-run tables into one Parquet table per output
 * (`report__Track.parquet`, ...) in the SPEC §5 shape, and writes `manifest.jsonl`.
 *
 * Memory is bounded by one row group plus one run's table, whatever the number of runs:
 * pass 1 reads only `outcome.json` files (schemas and statuses), pass 2 streams run by run.
 */
import * as fs from 'node:fs';
import { RunBitset } from '../spec/bitset';
import type { AggregateInput, AggregateSummary } from '../spec/sweep';
import { AtomicLineWriter } from './atomic';
import { aggregateTablePath, manifestPath, samplesPath } from './layout';
import { manifestHeader, pythonJsonDumps, type ManifestEntry, type ManifestStatus } from './manifest';
import { readCurrentOutcome, type RunOutcome } from './outcome';
import { readParquetTable } from './parquet/reader';
import { ParquetStreamWriter, type ColumnSpec } from './parquet/writer';
import type { Column, Table } from './table';

export interface AggregateHooks {
  /** Called every few hundred runs so the activity can heartbeat. */
  progress?: (runsDone: number) => void;
  workflowId?: string;
  namespace?: string;
}

interface RunState {
  status: ManifestStatus;
  outcome?: RunOutcome;
}

function runStateOf(input: AggregateInput, failed: RunBitset | undefined, runId: number): RunState {
  const outcome = readCurrentOutcome(input.context.outDir, runId);
  if (outcome) return { status: outcome.status, outcome };
  if (failed?.has(runId) || input.notes[String(runId)] !== undefined) return { status: 'failed' };
  // No outcome and no failure note: the run never finished because the sweep was
  // cancelled (or terminated before it ran); resume re-runs it.
  return { status: 'cancelled' };
}

/** Union of each table's columns over all runs, in first-seen order. */
function collectSchemas(states: Iterable<RunState>): Map<string, ColumnSpec[]> {
  const schemas = new Map<string, Map<string, ColumnSpec>>();
  for (const { outcome } of states) {
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

function asType(column: Column, type: ColumnSpec['type']): Column {
  if (column.type === type) return column;
  if (type !== 'string') throw new Error(`cannot convert column "${column.name}" from ${column.type} to ${type}`);
  return { name: column.name, type: 'string', values: column.values.map((v) => (v === null ? null : String(v))) };
}

/** Row order within a run: by time, rows without a time last, otherwise as GMAT wrote them. */
function sortByTime(table: Table): Table {
  const time = table.columns.find((c) => c.name === 'time');
  if (!time || time.type !== 'timestamp') return table;
  const order = Array.from({ length: table.rowCount }, (_, i) => i);
  const t = time.values;
  order.sort((a, b) => {
    const ta = t[a];
    const tb = t[b];
    if (ta === null || tb === null) return ta === tb ? a - b : ta === null ? 1 : -1;
    return ta < tb ? -1 : ta > tb ? 1 : a - b;
  });
  if (order.every((v, i) => v === i)) return table;
  return {
    rowCount: table.rowCount,
    columns: table.columns.map((c) => ({ ...c, values: order.map((i) => c.values[i]) }) as Column),
  };
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

function manifestEntry(input: AggregateInput, runId: number, state: RunState, overrides: () => Record<string, unknown>): ManifestEntry {
  const o = state.outcome;
  if (o) {
    return {
      run_id: runId,
      overrides: o.overrides,
      status: o.status,
      output_paths: o.status === 'ok' ? o.output_paths : {},
      started_at: o.started_at,
      ended_at: o.ended_at,
      duration_s: o.duration_s,
      stderr: o.stderr,
      log_path: o.log_path,
    };
  }
  return {
    run_id: runId,
    overrides: overrides() as ManifestEntry['overrides'],
    status: state.status,
    output_paths: {},
    started_at: null,
    ended_at: null,
    duration_s: 0,
    stderr:
      input.notes[String(runId)] ??
      (state.status === 'failed'
        ? `run ${runId} failed without recording an outcome (infrastructure error after all retries); see activity run-${runId} of the sweep in the Temporal UI`
        : null),
    log_path: null,
  };
}

export async function writeAggregate(
  input: AggregateInput,
  overridesOf: (runId: number) => Record<string, unknown>,
  gmatInstallVersion: string | null,
  hooks: AggregateHooks = {},
): Promise<AggregateSummary> {
  const { outDir } = input.context;
  const failedRuns = input.failed ? RunBitset.fromBase64(input.runCount, input.failed) : undefined;

  // Pass 1: statuses and schemas. Only a status byte per run stays in memory.
  const statusCodes = new Uint8Array(input.runCount);
  const codes: ManifestStatus[] = ['ok', 'failed', 'cancelled'];
  const states = (function* () {
    for (let id = 0; id < input.runCount; id++) {
      const state = runStateOf(input, failedRuns, id);
      statusCodes[id] = codes.indexOf(state.status);
      if (id % 500 === 499) hooks.progress?.(id + 1);
      yield state;
    }
  })();
  const schemas = collectSchemas(states);

  // Pass 2: one streaming writer per output table, runs in run_id order.
  const tables: Record<string, string> = {};
  const rows: Record<string, number> = {};
  for (const [key, dataColumns] of schemas) {
    const target = aggregateTablePath(outDir, key);
    const columns: ColumnSpec[] = [
      { name: 'run_id', type: 'int64', nullable: false },
      { name: 'time', type: 'timestamp' },
      ...dataColumns.filter((c) => c.name !== 'time' && c.name !== 'run_id' && c.name !== '__status'),
      { name: '__status', type: 'string' },
    ];
    const writer = new ParquetStreamWriter(target, columns, {
      metadata: { 'gsweep.table': key, 'gsweep.sweep_id': input.context.sweepId },
    });
    let written = 0;
    try {
      for (let id = 0; id < input.runCount; id++) {
        const status = codes[statusCodes[id]];
        const outcome = status === 'ok' ? readCurrentOutcome(outDir, id) : undefined;
        const runTable = outcome?.tables[key];
        if (!outcome || !runTable) {
          writer.append(markerRow(id, status));
          written += 1;
          continue;
        }
        const table = sortByTime(await readParquetTable(outcome.output_paths[key], runTable.columns));
        const wanted = new Map(columns.map((c) => [c.name, c.type]));
        writer.append({
          rowCount: table.rowCount,
          columns: [
            { name: 'run_id', type: 'int64', values: new Array(table.rowCount).fill(BigInt(id)) },
            ...table.columns
              .filter((c) => wanted.has(c.name) && c.name !== 'run_id' && c.name !== '__status')
              .map((c) => asType(c, wanted.get(c.name)!)),
            { name: '__status', type: 'string', values: new Array(table.rowCount).fill('ok') },
          ],
        });
        written += table.rowCount;
        if (id % 200 === 199) hooks.progress?.(id + 1);
      }
      writer.close();
    } catch (err) {
      writer.abort();
      throw err;
    }
    tables[key] = target;
    rows[key] = written;
  }

  // Manifest last: its presence means the aggregate is complete.
  let samples: { rows: unknown[][] } | undefined;
  if (input.runSet.kind === 'samples') {
    samples = JSON.parse(fs.readFileSync(samplesPath(outDir), 'utf8')) as { rows: unknown[][] };
  }
  const manifest = manifestPath(outDir);
  const out = new AtomicLineWriter(manifest);
  let ok = 0;
  let failed = 0;
  let cancelledCount = 0;
  try {
    out.line(
      pythonJsonDumps(
        manifestHeader({
          scriptSha256: input.context.scriptSha256,
          runSet: input.runSet,
          runCount: input.runCount,
          gmatInstallVersion,
          samples,
          temporal: { namespace: hooks.namespace, workflowId: hooks.workflowId ?? input.context.sweepId },
        }),
      ),
    );
    for (let id = 0; id < input.runCount; id++) {
      const state = runStateOf(input, failedRuns, id);
      if (state.status === 'ok') ok++;
      else if (state.status === 'failed') failed++;
      else cancelledCount++;
      const entry = manifestEntry(input, id, state, () => overridesOf(id));
      out.line(pythonJsonDumps(entry));
    }
    out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
  return { tables, rows, manifestPath: manifest, ok, failed, cancelled: cancelledCount };
}
