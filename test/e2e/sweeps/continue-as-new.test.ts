/**
 * A 2 000-run sweep with maxInFlight 200 spans several workflow executions (continue-as-new
 * forced by a lowered server threshold and batches pinned at 2 runs, so history grows fast)
 * and its aggregate still holds every run exactly once.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { duckDbQuery } from '../../helpers/duckdb';
import { MISSIONS, runCli, spawnWorker, startLocalTemporal, tempDir, type WorkerProcess } from '../../helpers/temporal';

describe('continue-as-new on a 2 000-run sweep', () => {
  let env: TestWorkflowEnvironment;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    env = await startLocalTemporal({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 1000 } });
    for (let i = 0; i < 2; i++) workers.push(spawnWorker(env.address, ['--concurrency', '2']));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await env?.teardown();
  });

  it('completes with at least one continue-as-new and 2 000 run_ids in the aggregate', async () => {
    const dir = tempDir();
    // A one-minute coast fed to warm consoles: two rows per run, no process per run.
    const mission = path.join(dir, 'short_coast.script');
    fs.writeFileSync(
      mission,
      fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8').replace('{Sat.ElapsedSecs = 5400}', '{Sat.ElapsedSecs = 60}'),
    );
    const out = path.join(dir, 'out');
    const result = await runCli(
      ['run', mission, '--grid', 'Sat.SMA=7000:7400:40', '--grid', 'Sat.ECC=0.001:0.002:50', '--engine', 'stand-in', '--engine-mode', 'warm', '--max-in-flight', '200', '--batch-size', '2', '--out', out, '--address', env.address, '--json'],
      { timeoutMs: 240_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout).summary;
    expect(summary).toMatchObject({ total: 2000, ok: 2000, failed: 0 });
    expect(summary.executions).toBeGreaterThan(1);

    const counts = await duckDbQuery(
      `SELECT count(DISTINCT run_id) AS runs, count(*) AS rows, min(run_id) AS lo, max(run_id) AS hi, bool_and(__status = 'ok') AS ok FROM read_parquet('${path.join(out, 'report__Track.parquet')}')`,
    );
    expect(counts).toEqual([{ runs: 2000n, rows: 4000n, lo: 0n, hi: 1999n, ok: true }]);
    const lines = fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(2001);
  }, 300_000);
});
