// aggregateRuns: per-run tables + outcome.json → one aggregate Parquet table per
// output and manifest.jsonl, read back with DuckDB (an independent reader).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateRuns } from '../../output/aggregate';
import { standInInstall } from '../../gmat/install';
import { runDir } from '../../output/layout';
import { failuresPath, runTablePath } from '../helpers/out-paths';
import { parseManifest } from '../../output/manifest';
import { writeOutcome, type RunOutcome } from '../../output/outcome';
import { columnSpecsOf, writeParquetTable } from '../../tables/parquet/writer';
import { runMission } from '../../gmat/run-mission';
import type { Table } from '../../tables/table';
import { gridOverrides } from '../../sweep/grid';
import type { AggregateInput, AggregateSummary, RunSet } from '../../sweep/types';
import { readParquetWithDuckDb, type ParquetReadBack } from '../helpers/duckdb';
import { MISSIONS, tempDir } from '../helpers/temporal';
import { appendFailures } from '../helpers/failures';
import { Workspace } from '../../output/workspace';

/** The aggregate of the directory out `out`, read and written in place. */
const dirIO = (out: string) => Workspace.open(out).aggregateIO();

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function outDir(): string {
  const d = tempDir('gsweep-aggregate-');
  roots.push(d);
  return d;
}

function aggregateInput(out: string, runSet: RunSet, runCount: number): AggregateInput {
  return {
    context: {
      sweepId: 'gsweep-test-sweep',
      outDir: out,
      scriptPath: path.join(MISSIONS, 'leo_point_mass.script'),
      scriptName: 'leo_point_mass.script',
      scriptSha256: '0123456789abcdef'.repeat(4),
      engine: { kind: 'stand-in' },
      runTimeoutMs: 60_000,
    },
    runSet,
    runCount,
  };
}

const T0 = BigInt(Date.parse('2026-03-20T06:00:00Z')) * 1_000_000n;
const MIN = 60_000_000_000n;
const nanos = (v: unknown) => (v === null ? null : (v as { nanos: bigint }).nanos);

function outcomeFor(out: string, runId: number, status: 'ok' | 'failed', tables: Record<string, Table>, extra: Partial<RunOutcome> = {}): RunOutcome {
  const dir = runDir(out, runId);
  fs.mkdirSync(dir, { recursive: true });
  const outputPaths: Record<string, string> = {};
  const tableInfo: RunOutcome['tables'] = {};
  for (const [key, table] of Object.entries(tables)) {
    const file = runTablePath(out, runId, key);
    writeParquetTable(file, table);
    outputPaths[key] = file;
    tableInfo[key] = { rows: table.rowCount, columns: columnSpecsOf(table) };
  }
  const outcome: RunOutcome = {
    run_id: runId,
    status,
    overrides: { 'Sat.SMA': 7000 + 100 * runId },
    started_at: `2026-11-25T10:00:0${runId}.000+00:00`,
    ended_at: `2026-11-25T10:00:0${runId}.500+00:00`,
    duration_s: 0.5,
    output_paths: outputPaths,
    tables: tableInfo,
    log_path: path.join(dir, 'GmatLog.txt'),
    stderr: null,
    attempt: 1,
    worker: 'test-host:1',
    engine: { kind: 'stand-in', root: '/x', version: null },
    ...extra,
  };
  writeOutcome(dir, outcome);
  return outcome;
}

describe('aggregateRuns on synthetic run directories', () => {
  const out = outDir();
  const runSet: RunSet = { kind: 'grid', axes: { 'Sat.SMA': [7000, 7100, 7200, 7300, 7400] } };
  const failureMessage = 'GMAT rejected the run (exit 1): **** ERROR **** SMA is not an allowed value (log: x)';
  const lostNote = 'run 4 failed: worker lost after 3 attempts';
  let summary: AggregateSummary;
  let track: ParquetReadBack;
  let final: ParquetReadBack;

  beforeAll(async () => {
    // run 0: ok, rows written out of time order (t+2, t+0, t+1).
    outcomeFor(out, 0, 'ok', {
      report__Track: {
        rowCount: 3,
        columns: [
          { name: 'Sat.UTCGregorian', type: 'timestamp', scale: 'UTC', values: [T0 + 2n * MIN, T0, T0 + MIN] },
          { name: 'Sat.EarthMJ2000Eq.X', type: 'double', values: [2.5, 0.5, 1.5] },
          { name: 'Sat.Label', type: 'string', values: ['c', 'a', 'b'] },
          { name: 'time', type: 'timestamp', scale: 'UTC', values: [T0 + 2n * MIN, T0, T0 + MIN] },
        ],
      },
    });
    // run 1: GMAT rejected it.
    outcomeFor(out, 1, 'failed', {}, { stderr: failureMessage });
    // run 2: no outcome, no note: never finished (cancelled).
    // run 3: ok, no X column but an extra one, and a second table only this run has.
    outcomeFor(out, 3, 'ok', {
      report__Track: {
        rowCount: 2,
        columns: [
          { name: 'Sat.UTCGregorian', type: 'timestamp', scale: 'UTC', values: [T0, T0 + MIN] },
          { name: 'Sat.Label', type: 'string', values: ['d', null] },
          { name: 'Sat.Earth.SMA', type: 'double', values: [7300, 7300.25] },
          { name: 'time', type: 'timestamp', scale: 'UTC', values: [T0, T0 + MIN] },
        ],
      },
      report__Final: {
        rowCount: 1,
        columns: [
          { name: 'Sat.Earth.RMAG', type: 'double', values: [7299.5] },
          { name: 'Sat.UTCGregorian', type: 'timestamp', scale: 'UTC', values: [T0 + 90n * MIN] },
          { name: 'time', type: 'timestamp', scale: 'UTC', values: [T0 + 90n * MIN] },
        ],
      },
    });
    // run 4: no outcome, but the workflow recorded its failure in failures.jsonl (twice:
    // a retried batch; the last line wins), after a torn line from an interrupted append.
    await appendFailures(out, [{ runId: 4, message: 'an earlier attempt' }]);
    fs.appendFileSync(failuresPath(out), '{"run_id": 2, "mess');
    fs.appendFileSync(failuresPath(out), '\n');
    await appendFailures(out, [{ runId: 4, type: 'GmatNotFound', message: lostNote }]);
    const input = aggregateInput(out, runSet, 5);
    summary = await aggregateRuns(input, (id) => gridOverrides(runSet.kind === 'grid' ? runSet.axes : {}, id), 'R2026a', await dirIO(out), { workflowId: 'gsweep-test-sweep', namespace: 'default' });
    track = await readParquetWithDuckDb(path.join(out, 'report__Track.parquet'));
    final = await readParquetWithDuckDb(path.join(out, 'report__Final.parquet'));
  });

  it('returns a summary of tables, rows and statuses', () => {
    expect(summary).toEqual({
      tables: { report__Track: path.join(out, 'report__Track.parquet'), report__Final: path.join(out, 'report__Final.parquet') },
      rows: { report__Track: 3 + 1 + 1 + 2 + 1, report__Final: 5 },
      manifestPath: path.join(out, 'manifest.jsonl'),
      ok: 2,
      failed: 2,
      cancelled: 1,
    });
  });

  it('has run_id, time, the union of GMAT columns and __status, with the right types', () => {
    expect(Object.keys(track.types)).toEqual(['run_id', 'time', 'Sat.UTCGregorian', 'Sat.EarthMJ2000Eq.X', 'Sat.Label', 'Sat.Earth.SMA', '__status']);
    expect(track.types).toEqual({
      run_id: 'BIGINT',
      time: 'TIMESTAMP_NS',
      'Sat.UTCGregorian': 'TIMESTAMP_NS',
      'Sat.EarthMJ2000Eq.X': 'DOUBLE',
      'Sat.Label': 'VARCHAR',
      'Sat.Earth.SMA': 'DOUBLE',
      __status: 'VARCHAR',
    });
  });

  it('is stored sorted by (run_id, time) with marker rows for failed and cancelled runs', () => {
    // Physical order, as written (no ORDER BY).
    const rows = track.rows.map((r) => ({
      run_id: r.run_id,
      time: nanos(r.time),
      gregorian: nanos(r['Sat.UTCGregorian']),
      x: r['Sat.EarthMJ2000Eq.X'],
      label: r['Sat.Label'],
      sma: r['Sat.Earth.SMA'],
      status: r.__status,
    }));
    expect(rows).toEqual([
      { run_id: 0n, time: T0, gregorian: T0, x: 0.5, label: 'a', sma: null, status: 'ok' },
      { run_id: 0n, time: T0 + MIN, gregorian: T0 + MIN, x: 1.5, label: 'b', sma: null, status: 'ok' },
      { run_id: 0n, time: T0 + 2n * MIN, gregorian: T0 + 2n * MIN, x: 2.5, label: 'c', sma: null, status: 'ok' },
      { run_id: 1n, time: null, gregorian: null, x: null, label: null, sma: null, status: 'failed' },
      { run_id: 2n, time: null, gregorian: null, x: null, label: null, sma: null, status: 'cancelled' },
      { run_id: 3n, time: T0, gregorian: T0, x: null, label: 'd', sma: 7300, status: 'ok' },
      { run_id: 3n, time: T0 + MIN, gregorian: T0 + MIN, x: null, label: null, sma: 7300.25, status: 'ok' },
      { run_id: 4n, time: null, gregorian: null, x: null, label: null, sma: null, status: 'failed' },
    ]);
  });

  it('lists every run in a table only some runs wrote', () => {
    expect(Object.keys(final.types)).toEqual(['run_id', 'time', 'Sat.Earth.RMAG', 'Sat.UTCGregorian', '__status']);
    expect(final.rows.map((r) => [r.run_id, nanos(r.time), r['Sat.Earth.RMAG'], r.__status])).toEqual([
      [0n, null, null, 'ok'],
      [1n, null, null, 'failed'],
      [2n, null, null, 'cancelled'],
      [3n, T0 + 90n * MIN, 7299.5, 'ok'],
      [4n, null, null, 'failed'],
    ]);
  });

  it('writes the manifest: header, then one line per run in run_id order with the failure messages', () => {
    const text = fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(6);
    expect(lines.slice(1).map((l) => JSON.parse(l).run_id)).toEqual([0, 1, 2, 3, 4]);
    // Python json.dumps(sort_keys=True) layout.
    for (const line of lines) {
      const keys = Object.keys(JSON.parse(line));
      expect(keys).toEqual([...keys].sort());
      expect(line).toContain('": ');
    }
    const { header, entries } = parseManifest(text);
    expect(header).toMatchObject({
      schema_version: 1,
      script_sha256: '0123456789abcdef'.repeat(4),
      gmat_install_version: 'R2026a',
      parameter_spec: { _kind: 'grid', 'Sat.SMA': [7000, 7100, 7200, 7300, 7400] },
      run_count: 5,
      backend: 'temporal',
      postprocess: null,
      sweep_seed: null,
      temporal: { namespace: 'default', workflowId: 'gsweep-test-sweep' },
    });
    expect(entries.get(0)).toEqual({
      run_id: 0,
      overrides: { 'Sat.SMA': 7000 },
      status: 'ok',
      output_paths: { report__Track: 'runs/run-0/report__Track.parquet' },
      started_at: '2026-11-25T10:00:00.000+00:00',
      ended_at: '2026-11-25T10:00:00.500+00:00',
      duration_s: 0.5,
      stderr: null,
      log_path: 'runs/run-0/GmatLog.txt',
      // gmat-sweep 0.6 fields, empty for a run without postprocess or solvers.
      context: {},
      extra_outputs: {},
      solver_paths: {},
      converged: {},
      postprocess_status: 'none',
    });
    expect(entries.get(1)).toMatchObject({ status: 'failed', stderr: failureMessage, output_paths: {} });
    expect(entries.get(2)).toEqual({
      run_id: 2,
      overrides: { 'Sat.SMA': 7200 },
      status: 'cancelled',
      output_paths: {},
      // No times of its own: gmat-sweep's reader needs ISO strings, so the aggregate's time.
      started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/),
      ended_at: entries.get(2)!.started_at,
      duration_s: 0,
      stderr: null,
      log_path: null,
      context: {},
      extra_outputs: {},
      solver_paths: {},
      converged: {},
      postprocess_status: 'none',
    });
    expect(entries.get(3)).toMatchObject({
      status: 'ok',
      output_paths: { report__Track: 'runs/run-3/report__Track.parquet', report__Final: 'runs/run-3/report__Final.parquet' },
    });
    expect(entries.get(4)).toMatchObject({ status: 'failed', stderr: lostNote, overrides: { 'Sat.SMA': 7400 }, duration_s: 0 });
  });

  it('leaves no temp files behind', () => {
    expect(fs.readdirSync(out).sort()).toEqual(['failures.jsonl', 'manifest.jsonl', 'report__Final.parquet', 'report__Track.parquet', 'runs']);
  });
});

describe('aggregateRuns when runs disagree on a column type', () => {
  it('keeps the column as text', async () => {
    const out = outDir();
    const runSet: RunSet = { kind: 'grid', axes: { 'Sat.SMA': [7000, 7100] } };
    outcomeFor(out, 0, 'ok', {
      report__R: { rowCount: 1, columns: [{ name: 'time', type: 'timestamp', scale: 'UTC', values: [T0] }, { name: 'v', type: 'double', values: [7000.5] }] },
    });
    outcomeFor(out, 1, 'ok', {
      report__R: { rowCount: 1, columns: [{ name: 'time', type: 'timestamp', scale: 'UTC', values: [T0] }, { name: 'v', type: 'string', values: ['n/a'] }] },
    });
    await aggregateRuns(aggregateInput(out, runSet, 2), (id) => gridOverrides({ 'Sat.SMA': [7000, 7100] }, id), null, await dirIO(out));
    const back = await readParquetWithDuckDb(path.join(out, 'report__R.parquet'));
    expect(back.types.v).toBe('VARCHAR');
    expect(back.rows.map((r) => r.v)).toEqual(['7000.5', 'n/a']);
    const { header } = parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8'));
    expect(header.gmat_install_version).toBe('unknown');
  });
});

describe('aggregateRuns when an ok run lost its table', () => {
  it('marks that run failed with a message naming the missing file, and resume would re-run it', async () => {
    const out = outDir();
    const runSet: RunSet = { kind: 'grid', axes: { 'Sat.SMA': [7000, 7100] } };
    const table = (v: number): Table => ({
      rowCount: 1,
      columns: [
        { name: 'time', type: 'timestamp', scale: 'UTC', values: [T0] },
        { name: 'v', type: 'double', values: [v] },
      ],
    });
    outcomeFor(out, 0, 'ok', { report__R: table(1) });
    const lost = outcomeFor(out, 1, 'ok', { report__R: table(2) });
    fs.rmSync(lost.output_paths.report__R);
    const summary = await aggregateRuns(aggregateInput(out, runSet, 2), (id) => gridOverrides({ 'Sat.SMA': [7000, 7100] }, id), null, await dirIO(out));
    expect(summary).toMatchObject({ ok: 1, failed: 1 });
    const back = await readParquetWithDuckDb(path.join(out, 'report__R.parquet'));
    expect(back.rows.map((r) => [r.run_id, r.v, r.__status])).toEqual([
      [0n, 1, 'ok'],
      [1n, null, 'failed'],
    ]);
    const { entries } = parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8'));
    expect(entries.get(1)!.status).toBe('failed');
    expect(entries.get(1)!.stderr).toBe(`run 1 finished ok but its tables are gone: ${lost.output_paths.report__R}; \`gsweep resume\` re-runs it`);
  });
});

describe('aggregateRuns over stand-in runs', () => {
  it('aggregates two ok runs and a rejected one', async () => {
    const out = outDir();
    const axes = { 'Sat.SMA': [7000, 0, 7100] };
    const runSet: RunSet = { kind: 'grid', axes };
    const scriptText = fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8');
    const install = standInInstall();
    for (let id = 0; id < 3; id++) {
      await runMission({ scriptText, overrides: gridOverrides(axes, id), runId: id, runDirectory: runDir(out, id), install, timeoutMs: 60_000 }).catch(() => undefined);
    }
    const summary = await aggregateRuns(aggregateInput(out, runSet, 3), (id) => gridOverrides(axes, id), install.version, await dirIO(out));
    expect(summary).toMatchObject({ ok: 2, failed: 1, cancelled: 0, rows: { report__Track: 91 + 1 + 91 } });
    const back = await readParquetWithDuckDb(path.join(out, 'report__Track.parquet'));
    expect(back.types.run_id).toBe('BIGINT');
    expect(back.types.time).toBe('TIMESTAMP_NS');
    expect(back.types['Sat.EarthMJ2000Eq.X']).toBe('DOUBLE');
    expect(back.types.__status).toBe('VARCHAR');
    expect(back.rows).toHaveLength(183);
    // Sorted by (run_id, time).
    for (let i = 1; i < back.rows.length; i++) {
      const [a, b] = [back.rows[i - 1], back.rows[i]];
      if (a.run_id === b.run_id && a.time !== null && b.time !== null) expect(nanos(a.time)! < nanos(b.time)!).toBe(true);
      else expect((a.run_id as bigint) <= (b.run_id as bigint)).toBe(true);
    }
    const marker = back.rows.filter((r) => r.run_id === 1n);
    expect(marker).toHaveLength(1);
    expect(marker[0]).toMatchObject({ time: null, 'Sat.EarthMJ2000Eq.X': null, 'Sat.Earth.SMA': null, __status: 'failed' });
    const sma = (id: bigint) => back.rows.filter((r) => r.run_id === id).map((r) => r['Sat.Earth.SMA'] as number);
    for (const v of sma(0n)) expect(v).toBeCloseTo(7000, 6);
    for (const v of sma(2n)) expect(v).toBeCloseTo(7100, 6);
    const { entries } = parseManifest(fs.readFileSync(summary.manifestPath, 'utf8'));
    expect([...entries.keys()]).toEqual([0, 1, 2]);
    expect(entries.get(1)?.stderr).toContain('**** ERROR **** Utility Exception: The value of "0" for field "SMA" on object "Sat"');
    expect(entries.get(1)?.overrides).toEqual({ 'Sat.SMA': 0 });
  });
});
