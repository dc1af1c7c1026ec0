/**
 * Class 6 of docs/security.md: the aggregate survives a corrupt or missing per-run file. Each damaged
 * run becomes one failed row with the reason, the others aggregate normally, and the
 * manifest is always written. Read back with DuckDB (an independent reader).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateRuns } from '../../../output/aggregate';
import { encodeValueTable, InputTables } from '../../../output/input-tables';
import { DirStore } from '../../../output/store';
import { writeInputTable } from '../../helpers/input-tables';
import { runDir } from '../../../output/layout';
import { inputsDir, runTablePath } from '../../helpers/out-paths';
import { parseManifest } from '../../../output/manifest';
import { Workspace } from '../../../output/workspace';
import { writeOutcome, type RunOutcome } from '../../../output/outcome';
import { columnSpecsOf, writeParquetTable } from '../../../tables/parquet/writer';
import type { Table } from '../../../tables/table';
import type { AggregateInput, AggregateSummary } from '../../../sweep/types';
import { readParquetWithDuckDb, type ParquetReadBack } from '../../helpers/duckdb';
import { tempDir } from '../../helpers/temporal';

const RUNS = 7;
const KEY = 'report__Track';
let out: string;
let summary: AggregateSummary;
let table: ParquetReadBack;
let entries: Map<number, Record<string, any>>;
let header: Record<string, any>;

function track(runId: number): Table {
  return {
    rowCount: 3,
    columns: [
      { name: 'Sat.ElapsedSecs', type: 'double', values: [0, 60, 120] },
      { name: 'Sat.Earth.SMA', type: 'double', values: [7000 + runId, 7000 + runId, 7000 + runId] },
    ],
  };
}

function okRun(runId: number): void {
  const dir = runDir(out, runId);
  fs.mkdirSync(dir, { recursive: true });
  const t = track(runId);
  const file = runTablePath(out, runId, KEY);
  writeParquetTable(file, t);
  const outcome: RunOutcome = {
    run_id: runId,
    status: 'ok',
    overrides: { 'Sat.SMA': 7000 + runId },
    started_at: '2026-11-25T10:00:00.000+00:00',
    ended_at: '2026-11-25T10:00:00.500+00:00',
    duration_s: 0.5,
    output_paths: { [KEY]: file },
    tables: { [KEY]: { rows: t.rowCount, columns: columnSpecsOf(t) } },
    log_path: path.join(dir, 'GmatLog.txt'),
    stderr: null,
    attempt: 1,
    worker: 'test:1',
    engine: { kind: 'stand-in', root: '/x', version: null },
  };
  writeOutcome(dir, outcome);
}

beforeAll(async () => {
  out = fs.realpathSync(tempDir('gsweep-damage-'));
  for (let id = 0; id < RUNS; id++) okRun(id);
  const parquet = (id: number) => runTablePath(out, id, KEY);
  const outcomeFile = (id: number) => path.join(runDir(out, id), 'outcome.json');
  fs.writeFileSync(outcomeFile(1), '{"run_id": 1, "status": "ok", ');                           // outcome.json not JSON
  fs.writeFileSync(parquet(2), fs.readFileSync(parquet(2)).subarray(0, 40));                        // truncated Parquet
  const whole = fs.readFileSync(parquet(3));                                                        // magic intact, body garbage
  fs.writeFileSync(parquet(3), Buffer.concat([whole.subarray(0, 4), Buffer.alloc(whole.length - 8, 0x5a), whole.subarray(whole.length - 4)]));
  fs.rmSync(parquet(4));                                                                            // missing Parquet
  const o5 = JSON.parse(fs.readFileSync(outcomeFile(5), 'utf8'));                                   // wrong shape
  o5.status = 'great';
  fs.writeFileSync(outcomeFile(5), JSON.stringify(o5));
  const samples = encodeValueTable('samples', Array.from({ length: RUNS }, (_, id) => [7000 + id]));
  await writeInputTable(out, samples);
  fs.appendFileSync(path.join(inputsDir(out), 'samples.jsonl'), '[1]\n');                          // sample rows changed (hash no longer matches)

  const input: AggregateInput = {
    context: {
      sweepId: 'damage',
      outDir: out,
      scriptPath: '/unused',
      scriptName: 'x.script',
      scriptSha256: '0'.repeat(64),
      engine: { kind: 'stand-in' },
      runTimeoutMs: 60_000,
    },
    runSet: { kind: 'samples', columns: ['Sat.SMA'], rowCount: RUNS, rows: samples.ref },
    runCount: RUNS,
  };
  const tables = new InputTables(new DirStore(out));
  try {
    await tables.fetchAll([samples.ref]);
    summary = await aggregateRuns(input, (id: number) => ({ 'Sat.SMA': 7000 + id }), null, await Workspace.open(out).aggregateIO(), {}, tables.valueAt);
  } finally {
    tables.close();
  }
  table = await readParquetWithDuckDb(summary.tables[KEY]);
  const manifest = parseManifest(fs.readFileSync(summary.manifestPath, 'utf8'));
  entries = manifest.entries as Map<number, Record<string, any>>;
  header = manifest.header as Record<string, any>;
});
afterAll(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe('a damaged per-run file fails that run, not the aggregate', () => {
  it('writes the manifest and counts: 2 ok, 5 failed', () => {
    expect(fs.existsSync(summary.manifestPath)).toBe(true);
    // The changed sample table costs the header its rows, not the aggregate.
    expect(header.parameter_spec).toEqual({ _kind: 'explicit', columns: ['Sat.SMA'], rows: [] });
    expect({ ok: summary.ok, failed: summary.failed }).toEqual({ ok: 2, failed: 5 });
    expect([...entries.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('ok runs aggregate their rows; damaged runs are one failed marker row each', () => {
    const byRun = new Map<number, Record<string, unknown>[]>();
    for (const row of table.rows) byRun.set(Number(row.run_id), [...(byRun.get(Number(row.run_id)) ?? []), row]);
    for (const id of [0, 6]) {
      expect(byRun.get(id)!.map((r) => r['Sat.Earth.SMA'])).toEqual([7000 + id, 7000 + id, 7000 + id]);
      expect(byRun.get(id)!.every((r) => r.__status === 'ok')).toBe(true);
    }
    for (const id of [1, 2, 3, 4, 5]) {
      expect(byRun.get(id)).toEqual([expect.objectContaining({ __status: 'failed', 'Sat.Earth.SMA': null })]);
    }
  });

  it.each([
    [1, /^run 1: .*outcome\.json is unreadable \(not JSON: .*\); `gsweep resume` re-runs it$/],
    [2, /^run 2 finished ok but its tables are damaged: .*report__Track\.parquet \(not a Parquet file\); `gsweep resume` re-runs it$/],
    [3, /^run 3 finished ok but a per-run table is unreadable \(.*\); delete .*run-3 and run `gsweep resume` to re-run it$/],
    [4, /^run 4 finished ok but its tables are gone: .*report__Track\.parquet; `gsweep resume` re-runs it$/],
    [5, /^run 5: .*outcome\.json is unreadable \(status: .*\); `gsweep resume` re-runs it$/],
  ])('run %i: the manifest gives the reason', (id, reason) => {
    const entry = entries.get(id)!;
    expect(entry.status).toBe('failed');
    expect(entry.stderr).toMatch(reason);
    expect(entry.output_paths).toEqual({});
    // Overrides come from the run set when the outcome itself is unreadable.
    expect(entry.overrides).toEqual({ 'Sat.SMA': 7000 + id });
  });
});
