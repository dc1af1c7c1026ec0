/**
 * Resume a finished or terminated sweep: `gsweep resume <out-dir|sweep-id>`
 * re-runs only the runs that are missing or failed (ok runs are not touched: their
 * outcome.json, start time and attempt stay byte-identical) and rewrites the aggregate.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/temporal';
import {
  aggregateByRun,
  ENGINES,
  engineProcesses,
  finishedRuns,
  gridArgs,
  readManifestFile,
  readOutcomeFile,
  ROWS_PER_RUN,
  runDirs,
  sleep,
  STAND_IN,
  startEnv,
  waitClosed,
  waitFor,
  type Env,
} from './helpers';

interface Snapshot {
  text: string;
  mtimeMs: number;
}

function snapshotOk(out: string, runCount: number): Map<number, Snapshot> {
  const ok = new Map<number, Snapshot>();
  for (let id = 0; id < runCount; id++) {
    const file = path.join(out, 'runs', `run-${id}`, 'outcome.json');
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    if ((JSON.parse(text) as { status: string }).status === 'ok') ok.set(id, { text, mtimeMs: fs.statSync(file).mtimeMs });
  }
  return ok;
}

function expectUntouched(out: string, before: Map<number, Snapshot>): void {
  for (const [id, snap] of before) {
    const file = path.join(out, 'runs', `run-${id}`, 'outcome.json');
    expect(fs.readFileSync(file, 'utf8'), `run-${id} was re-run`).toBe(snap.text);
    expect(fs.statSync(file).mtimeMs).toBe(snap.mtimeMs);
  }
}

describe('resume', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  // Stand-in only: GMAT cannot be made to crash on cue (the run that failed must succeed on resume).
  it('after a partly failed sweep: `gsweep resume <out-dir>` re-runs only the failed runs', async () => {
    const out = path.join(env.scratch('gsweep-resume-failed-'), 'out');
    const sweepId = `resume-failed-${env.tag}`;
    const queue = ['--task-queue', `q-failed-${env.tag}`];
    const values = [6600, 6700, 6800, 6900, 7000, 7100];
    // This worker's engine crashes (SIGSEGV) on every run with Sat.SMA = 7xxx: runs 4 and 5.
    const crashing = await env.startWorker(['--concurrency', '2', ...queue], { GSWEEP_STANDIN_CRASH_IF: 'Sat.SMA = 7' });
    const first = await runCli(gridArgs(out, sweepId, `Sat.SMA=${values.join(',')}`, ['--address', env.server.address, ...queue]), {
      timeoutMs: 90_000,
    });
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toContain('4/6 runs ok, 2 failed');
    const failedManifest = readManifestFile(out);
    expect(failedManifest.entries.map((e) => e.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'failed', 'failed']);
    expect(failedManifest.entries[4]!.stderr).toMatch(/GMAT crashed \(signal SIGSEGV\)/);
    await crashing.stop('SIGTERM');

    const before = snapshotOk(out, values.length);
    expect([...before.keys()]).toEqual([0, 1, 2, 3]);
    await env.startWorker(['--concurrency', '2', ...queue]); // the cause is gone
    const resumedAt = Date.now();
    const resumed = await runCli(['resume', out, '--engine', 'stand-in', '--address', env.server.address, ...queue], { timeoutMs: 90_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming ${out}: 2 runs to run (4 ok kept, 2 failed before)`);
    expect(resumed.stderr).toContain('6/6 runs ok, 0 failed');

    expectUntouched(out, before);
    for (const id of [4, 5]) {
      const outcome = readOutcomeFile(out, id);
      expect(outcome.status).toBe('ok');
      expect(Date.parse(outcome.started_at)).toBeGreaterThanOrEqual(resumedAt - 50);
    }
    expect(readManifestFile(out).entries.map((e) => e.status)).toEqual(new Array(values.length).fill('ok'));
    expect(await aggregateByRun(out)).toEqual(values.map((_, id) => ({ run_id: id, rows: ROWS_PER_RUN, times: ROWS_PER_RUN, statuses: 'ok' })));
  }, 120_000);
});

describe.each(ENGINES)('resume after termination ($label)', (engine) => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv({}, engine);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('after a terminated sweep: `gsweep resume <sweep-id> --address` re-runs only the missing runs', async () => {
    // Real GMAT cannot be slowed on cue (the stand-in's runs take 300 ms here): more runs, so the termination lands mid-sweep.
    const RUNS = engine === STAND_IN ? 30 : 60;
    const out = path.join(env.scratch('gsweep-resume-terminated-'), 'out');
    const sweepId = `resume-terminated-${env.tag}`;
    const queue = ['--task-queue', `q-terminated-${env.tag}`];
    await env.startWorker(['--concurrency', '2', ...queue], { GSWEEP_STANDIN_DELAY_MS: '300' });
    const start = await runCli(
      gridArgs(out, sweepId, `Sat.SMA=6800:7400:${RUNS}`, ['--address', env.server.address, '--heartbeat-timeout', '3', '--no-wait', ...queue], engine),
      { timeoutMs: 60_000 },
    );
    expect(start.code, start.stderr).toBe(0);
    await waitFor(() => finishedRuns(out).length >= 8, 'eight runs to finish', 60_000, 50);
    await env.client.workflow.getHandle(sweepId).terminate('durability test: terminated mid-sweep');
    expect(await waitClosed(env.client, sweepId)).toBe('TERMINATED');
    // Runs already on the worker notice the termination at their next heartbeat; let them settle.
    let quietSince = Date.now();
    await waitFor(
      () => {
        if (engineProcesses(env.tag).length > 0) quietSince = Date.now();
        return Date.now() - quietSince > 3500;
      },
      'the terminated sweep to go quiet',
      30_000,
      50,
    );
    expect(fs.existsSync(path.join(out, 'manifest.jsonl'))).toBe(false); // terminated: no aggregate
    const before = snapshotOk(out, RUNS);
    expect(before.size).toBeGreaterThanOrEqual(8);
    expect(before.size).toBeLessThan(RUNS);
    const missing = Array.from({ length: RUNS }, (_, id) => id).filter((id) => !before.has(id));

    const resumedAt = Date.now();
    await sleep(5); // outcome start times below are strictly after this point
    const resumed = await runCli(['resume', sweepId, ...engine.cliArgs, '--address', env.server.address, ...queue], { timeoutMs: 90_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming ${out}: ${missing.length} runs to run (${before.size} ok kept, 0 failed before)`);
    expect(resumed.stderr).toContain(`${RUNS}/${RUNS} runs ok, 0 failed`);

    expectUntouched(out, before);
    for (const id of missing) expect(Date.parse(readOutcomeFile(out, id).started_at)).toBeGreaterThan(resumedAt);
    expect(runDirs(out)).toHaveLength(RUNS);
    expect(readManifestFile(out).entries.map((e) => e.status)).toEqual(new Array(RUNS).fill('ok'));
    expect(await aggregateByRun(out)).toEqual(Array.from({ length: RUNS }, (_, id) => ({ run_id: id, rows: ROWS_PER_RUN, times: ROWS_PER_RUN, statuses: 'ok' })));
  }, 120_000);
});
