/**
 * whole sweeps on a real Temporal dev server, real worker processes,
 * the stand-in engine, and the aggregate read back with DuckDB.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseManifest } from '../../../output/manifest';
import { duckDbQuery, readParquetWithDuckDb } from '../../helpers/duckdb';
import { MISSIONS, runCli, spawnWorker, startLocalTemporal, tempDir, waitFor, type WorkerProcess } from '../../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');

describe('grid sweep end to end (2 worker processes)', () => {
  let env: TestWorkflowEnvironment;
  let address: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    env = await startLocalTemporal();
    address = env.address;
    for (let i = 0; i < 2; i++) workers.push(spawnWorker(address, ['--concurrency', '2']));
    // Both must be polling before a sweep starts, or one that starts late finds no work left.
    await waitFor(() => workers.every((w) => w.output().includes('gsweep worker polling')), 'both workers to poll', 60_000);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await env?.teardown();
  });

  it('runs a 16-run grid: 16 run_ids x 91 rows, right overrides, all ok, sorted by (run_id, time)', async () => {
    const out = path.join(tempDir(), 'sma');
    const result = await runCli(['run', LEO, '--grid', 'Sat.SMA=6800:7400:16', '--engine', 'stand-in', '--out', out, '--address', address, '--json']);
    expect(result.stderr).not.toContain('Error');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.status).toBe('completed');
    expect(summary.summary).toMatchObject({ total: 16, ok: 16, failed: 0 });

    const table = path.join(out, 'report__Track.parquet');
    expect(summary.summary.tables).toEqual({ report__Track: table });
    const back = await readParquetWithDuckDb(table);
    expect(back.types).toMatchObject({ run_id: 'BIGINT', time: 'TIMESTAMP_NS', 'Sat.EarthMJ2000Eq.X': 'DOUBLE', __status: 'VARCHAR' });
    expect(back.rows.length).toBe(16 * 91);
    // File order is the contract: (run_id, time) ascending without an ORDER BY.
    for (let i = 1; i < back.rows.length; i++) {
      const a = back.rows[i - 1];
      const b = back.rows[i];
      const ordered = (a.run_id as bigint) < (b.run_id as bigint) || (a.run_id === b.run_id && String(a.time) < String(b.time));
      expect(ordered, `row ${i} out of (run_id, time) order`).toBe(true);
    }
    const perRun = await duckDbQuery(
      `SELECT run_id, count(*) AS n, min("Sat.Earth.SMA") AS sma, bool_and(__status = 'ok') AS ok FROM read_parquet('${table}') GROUP BY run_id ORDER BY run_id`,
    );
    expect(perRun.length).toBe(16);
    perRun.forEach((row, i) => {
      const expected = 6800 + 40 * i;
      expect(row.n).toBe(91n);
      expect(row.ok).toBe(true);
      expect(Math.abs((row.sma as number) - expected) / expected).toBeLessThan(1e-9);
    });

    const manifest = parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8'));
    expect(manifest.header).toMatchObject({ schema_version: 1, run_count: 16, backend: 'temporal' });
    expect((manifest.header.parameter_spec as Record<string, unknown>)._kind).toBe('grid');
    expect([...manifest.entries.keys()]).toEqual([...Array(16).keys()]);
    for (const [id, entry] of manifest.entries) {
      expect(entry.overrides).toEqual({ 'Sat.SMA': 6800 + 40 * id });
      expect(entry.status).toBe('ok');
      expect(entry.output_paths.report__Track).toBe(`runs/run-${id}/report__Track.parquet`);
    }
    // Both workers took part: the sweep really fanned out over the task queue.
    const workersUsed = new Set(
      [...manifest.entries.keys()].map((id) => JSON.parse(fs.readFileSync(path.join(out, 'runs', `run-${id}`, 'outcome.json'), 'utf8')).worker),
    );
    expect(workersUsed.size).toBe(2);
  });

  it('records a run GMAT rejects (Sat.SMA = 0) as one failed row with the engine message; the others are ok', async () => {
    const out = path.join(tempDir(), 'with-zero');
    const result = await runCli(['run', LEO, '--grid', 'Sat.SMA=0,7000,7100', '--engine', 'stand-in', '--out', out, '--address', address]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('2/3 runs ok, 1 failed');

    const manifest = parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8'));
    const failed = manifest.entries.get(0)!;
    expect(failed.status).toBe('failed');
    expect(failed.stderr).toContain('The value of "0" for field "SMA" on object "Sat" is not an allowed value.');
    expect(failed.output_paths).toEqual({});
    expect(manifest.entries.get(1)!.status).toBe('ok');
    expect(manifest.entries.get(2)!.status).toBe('ok');

    const rows = await duckDbQuery(
      `SELECT run_id, time, "Sat.EarthMJ2000Eq.X" AS x, __status FROM read_parquet('${path.join(out, 'report__Track.parquet')}') WHERE run_id = 0`,
    );
    expect(rows).toEqual([{ run_id: 0n, time: null, x: null, __status: 'failed' }]);
  });
});
