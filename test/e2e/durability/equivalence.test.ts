/**
 * a sweep where runs were retried produces byte-identical aggregate data: the
 * same sweep (ok runs and GMAT-rejected runs) with one worker, with three workers, and with
 * a worker SIGKILLed midway gives the same aggregate table (read back by DuckDB) and the
 * same manifest apart from timestamps, durations and the output directory.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckDbQuery } from '../../helpers/duckdb';
import { runCli, type WorkerProcess } from '../../helpers/temporal';
import {
  ENGINES,
  finishedRuns,
  gridArgs,
  killGroup,
  readManifestFile,
  readOutcomeFile,
  runningEngines,
  startEnv,
  waitFor,
  type Env,
} from './helpers';

// 3 × 8 runs; Sat.ECC = 1.5 with SMA > 0 is a state GMAT rejects, so 8 rows are `failed`.
const GRID = ['Sat.SMA=6800:7400:8', 'Sat.ECC=0.001,0.05,1.5'];
const RUNS = 24;

function jsonable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
}

async function aggregateContents(out: string): Promise<{ types: unknown; rows: unknown }> {
  const file = `'${path.join(out, 'report__Track.parquet')}'`;
  const types = await duckDbQuery(`DESCRIBE SELECT * FROM read_parquet(${file})`);
  const rows = await duckDbQuery(`SELECT * FROM read_parquet(${file})`); // file order, no re-sorting
  return { types: jsonable(types.map((t) => [t.column_name, t.column_type])), rows: jsonable(rows) };
}

function normalisedManifest(out: string): unknown {
  const { header, entries } = readManifestFile(out);
  const strip = (v: unknown): unknown => JSON.parse(JSON.stringify(v).split(out).join('<out>'));
  const { temporal: _temporal, ...rest } = header;
  return strip({
    header: rest,
    entries: entries.map(({ started_at: _s, ended_at: _e, duration_s: _d, ...e }) => e),
  });
}

describe.each(ENGINES)('equivalence of sweeps however they were served ($label)', (engine) => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv({}, engine);
  });
  afterAll(async () => {
    await env?.close();
  });

  async function sweep(
    name: string,
    workers: { concurrency: number; env?: NodeJS.ProcessEnv; subTag?: string }[],
    during?: (out: string, workers: WorkerProcess[]) => Promise<void>,
  ) {
    const out = path.join(env.scratch(`gsweep-eq-${name}-`), 'out');
    const queue = ['--task-queue', `q-${name}-${env.tag}`];
    const started = await Promise.all(workers.map((w) => env.startWorker(['--concurrency', String(w.concurrency), ...queue], w.env ?? {}, w.subTag)));
    const sweepId = `eq-${name}-${env.tag}`;
    const args = gridArgs(out, sweepId, GRID[0]!, ['--grid', GRID[1]!, '--address', env.server.address, '--heartbeat-timeout', '3', ...queue], engine);
    const start = await runCli([...args, '--no-wait'], { timeoutMs: 60_000 });
    expect(start.code, start.stderr).toBe(0);
    await during?.(out, started);
    const waited = await runCli(['wait', sweepId, '--address', env.server.address, ...queue], { timeoutMs: 100_000 });
    expect(waited.code, waited.stderr).toBe(1); // the ECC = 1.5 runs failed
    expect(waited.stderr).toContain(`16/${RUNS} runs ok, 8 failed`);
    return out;
  }

  it('1 worker, 3 workers and a killed worker give identical aggregate data and manifests', async () => {
    // The three sweeps run side by side, each on its own task queue and workers.
    let killedVictim = false;
    const [one, three, killed] = await Promise.all([
      sweep('one', [{ concurrency: 2 }]),
      sweep('three', [{ concurrency: 1 }, { concurrency: 1 }, { concurrency: 1 }]),
      sweep(
        'killed',
        [
          // The kill must land while runs are left: the victim starts its second run ~3 s in,
          // by when the other worker (2 slots, 0.6 s a run) has finished ~10 of the 24. At
          // 0.2 s a run it could finish 20 first, above all with eager dispatch handing it
          // the runs its own workflow tasks start.
          { concurrency: 1, env: { GSWEEP_STANDIN_DELAY_MS: '3000' }, subTag: 'eq-victim' },
          { concurrency: 2, env: { GSWEEP_STANDIN_DELAY_MS: '600' } },
        ],
        async (out, [victim]) => {
          const victimTag = `${env.tag}-eq-victim`;
          await waitFor(() => finishedRuns(out).length >= 4, 'four runs', 60_000, 50);
          const seen = new Set(runningEngines(victimTag).map((p) => p.pid));
          await waitFor(() => runningEngines(victimTag).some((p) => !seen.has(p.pid)), 'the victim to start a run', 30_000, 10);
          expect(finishedRuns(out).length).toBeLessThan(RUNS - 4);
          killGroup(victim!.child.pid!);
          killedVictim = true;
        },
      ),
    ]);
    expect(killedVictim).toBe(true);
    const retried = Array.from({ length: RUNS }, (_, id) => readOutcomeFile(killed, id)).filter((o) => o.attempt > 1);
    expect(retried.length).toBeGreaterThan(0);

    const reference = await aggregateContents(one);
    expect((reference.rows as unknown[]).length).toBe(16 * 91 + 8);
    expect(await aggregateContents(three)).toEqual(reference);
    expect(await aggregateContents(killed)).toEqual(reference);

    const manifest = normalisedManifest(one);
    expect(normalisedManifest(three)).toEqual(manifest);
    expect(normalisedManifest(killed)).toEqual(manifest);
    const failed = readManifestFile(one).entries.filter((e) => e.status === 'failed');
    // Keys sort as Sat.ECC < Sat.SMA, so ECC varies slowest: runs 16-23 have ECC = 1.5.
    expect(failed.map((e) => e.run_id)).toEqual([16, 17, 18, 19, 20, 21, 22, 23]);
    expect(failed[0]!.stderr).toMatch(/GMAT rejected the run/);
  }, 150_000);
});
