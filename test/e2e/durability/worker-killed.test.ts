/**
 * kill -9 of a worker mid-sweep: a 200-run sweep served by two worker
 * processes; one worker's whole process group gets SIGKILL mid-sweep. Every run completes
 * exactly once in the aggregate, no run directory keeps anything of the dead attempt, the
 * loss is noticed within the heartbeat timeout, and the GMAT children of the dead worker
 * do not outlive it.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchProgress } from '../../../sweep/types';
import { runCli } from '../../helpers/temporal';
import {
  aggregateByRun,
  ENGINES,
  engineProcesses,
  finishedRuns,
  gridArgs,
  killGroup,
  OK_RUN_FILES,
  readManifestFile,
  ROWS_PER_RUN,
  runDirReport,
  runDirs,
  runningEngines,
  STAND_IN,
  startEnv,
  waitFor,
  type Env,
} from './helpers';

const HEARTBEAT_TIMEOUT_S = 3;

describe.each(ENGINES)('worker killed with SIGKILL mid-sweep ($label)', (engine) => {
  // Real GMAT runs take a fraction of a second and cannot be slowed on cue: fewer runs do.
  const RUNS = engine === STAND_IN ? 200 : 100;
  let env: Env;
  beforeAll(async () => {
    env = await startEnv({}, engine);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('completes every run exactly once, from clean run directories, within the heartbeat timeout', async () => {
    const out = path.join(env.scratch('gsweep-killed-'), 'out');
    const sweepId = `killed-${env.tag}`;
    // The victim's stand-in runs are slow (4 s, silent on stdout meanwhile) so that, when it
    // is killed, its engines are mid-run: only the driver's parent-death signal stops them.
    // Real GMAT ignores the delay; it is killed right after it starts a run.
    const [victim] = await Promise.all([
      env.startWorker(['--concurrency', '2'], { GSWEEP_STANDIN_DELAY_MS: '4000' }, 'victim'),
      env.startWorker(['--concurrency', '3'], { GSWEEP_STANDIN_DELAY_MS: '100' }, 'survivor'),
    ]);
    const victimTag = `${env.tag}-victim`;

    const t0 = Date.now();
    const start = await runCli(
      gridArgs(out, sweepId, `Sat.SMA=6800:7400:${RUNS}`, [
        '--address', env.server.address,
        '--heartbeat-timeout', String(HEARTBEAT_TIMEOUT_S),
        '--no-wait',
      ], engine),
      { timeoutMs: 60_000 },
    );
    expect(start.code, start.stderr).toBe(0);
    const handle = env.client.workflow.getHandle(sweepId);

    // Mid-sweep, right after the victim started a GMAT run (so that run has seconds to go).
    await waitFor(() => finishedRuns(out).length >= 40, '40 runs finished', 90_000, 50);
    const seen = new Set(runningEngines(victimTag).map((p) => p.pid));
    await waitFor(() => runningEngines(victimTag).some((p) => !seen.has(p.pid)), 'the victim to start a GMAT run', 20_000, 10);
    const victimIdentity = `${victim.child.pid}@`;
    killGroup(victim.child.pid!); // kill -9 -<pgid>: the worker process group
    const killedAt = Date.now();
    const doneAtKill = finishedRuns(out).length;
    expect(doneAtKill).toBeLessThan(RUNS - 20);

    // The batches the victim was running, as the server sees them, and the run each was in
    // (its last heartbeat's `next`: every run below it was finished).
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    const lost = pending.filter((a) => (a.lastWorkerIdentity ?? '').startsWith(victimIdentity) && (a.attempt ?? 1) === 1);
    const lostIds = new Set(lost.map((a) => a.activityId!));
    expect(lostIds.size).toBeGreaterThan(0);
    const lostBatches = lost.map((a) => {
      const first = Number(/^runs-(\d+)-/.exec(a.activityId!)![1]);
      const data = a.heartbeatDetails?.payloads?.[0]?.data;
      return { first, next: data ? (JSON.parse(Buffer.from(data).toString()) as BatchProgress).next : first };
    });
    const lostRunIds = lostBatches.map((b) => b.next).sort((a, b) => a - b);

    // GMAT children of the dead worker die with it (they run in their own process groups,
    // so only the driver's parent-death signal can take them down), and do not go on
    // writing into run directories the retry is using.
    await waitFor(() => engineProcesses(victimTag).length === 0, 'GMAT children of the killed worker to die', 3000, 20);

    // The loss is detected through heartbeats: each lost batch is retried (attempt 2) within
    // the heartbeat timeout plus a little scheduling slack.
    let detectedAt = 0;
    await waitFor(
      async () => {
        const now = (await handle.describe()).raw.pendingActivities ?? [];
        const stillFirstAttempt = now.filter((a) => lostIds.has(a.activityId!) && (a.attempt ?? 1) < 2);
        if (stillFirstAttempt.length === 0) detectedAt = Date.now();
        return stillFirstAttempt.length === 0;
      },
      'lost batches to be retried',
      30_000,
      100,
    );
    const detectionS = (detectedAt - killedAt) / 1000;

    const waited = await runCli(['wait', sweepId, '--address', env.server.address], { timeoutMs: 120_000 });
    const totalS = (Date.now() - t0) / 1000;
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stderr).toContain(`${RUNS}/${RUNS} runs ok, 0 failed`);

    // Aggregate, read back by DuckDB: each run once, all rows of its one attempt, status ok.
    const byRun = await aggregateByRun(out);
    expect(byRun.map((r) => r.run_id)).toEqual(Array.from({ length: RUNS }, (_, i) => i));
    for (const r of byRun) expect(r).toEqual({ run_id: r.run_id, rows: ROWS_PER_RUN, times: ROWS_PER_RUN, statuses: 'ok' });
    const manifest = readManifestFile(out);
    expect(manifest.entries.map((e) => e.status)).toEqual(new Array(RUNS).fill('ok'));

    // Run directories: exactly the files of one finished attempt, none older than that
    // attempt's start (a dead attempt's leftovers would be). The runs the lost batches were
    // in were retried; the runs they had finished were not run again.
    expect(runDirs(out)).toHaveLength(RUNS);
    const retried: number[] = [];
    for (let id = 0; id < RUNS; id++) {
      const report = runDirReport(out, id);
      expect(report.files, `run-${id}`).toEqual(OK_RUN_FILES);
      expect(report.oldestMtimeMs, `run-${id} holds a file older than its attempt`).toBeGreaterThanOrEqual(report.startedMs - 50);
      if (report.attempt > 1) retried.push(id);
    }
    expect(retried).toEqual(expect.arrayContaining(lostRunIds));
    for (const { first, next } of lostBatches) {
      for (let id = first; id < next; id++) expect(runDirReport(out, id).startedMs, `run-${id} finished before the kill`).toBeLessThan(killedAt);
    }
    for (const id of lostRunIds) expect(runDirReport(out, id).startedMs).toBeGreaterThan(killedAt);

    console.log(
      `worker-killed (${engine.label}): ${doneAtKill} runs done at kill, ${lostRunIds.length} lost (${lostRunIds.join(',')}), ` +
        `retried ${retried.length}, detected after ${detectionS.toFixed(1)} s, sweep ${totalS.toFixed(1)} s`,
    );
  }, 150_000);
});
