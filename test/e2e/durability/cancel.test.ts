/**
 * Cancel: `gsweep cancel <id>` stops scheduling, kills the in-flight engines
 * (one of them hung, with a `sleep` grandchild), writes the aggregate for the runs that
 * finished, marks the rest `cancelled` in the aggregate and the manifest, and the workflow
 * ends CANCELLED.
 */
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

describe.each(ENGINES)('cancel ($label)', (engine) => {
  // The stand-in hangs run 1 so a run is surely in flight at the cancel; real GMAT cannot
  // hang on cue, so it gets enough runs that the cancel lands mid-sweep with runs in flight.
  const hangs = engine === STAND_IN;
  const RUNS = hangs ? 30 : 1000;
  let env: Env;
  beforeAll(async () => {
    env = await startEnv({}, engine);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('kills in-flight engines, aggregates finished runs, marks the rest cancelled, ends CANCELLED', async () => {
    const out = path.join(env.scratch('gsweep-cancel-'), 'out');
    const sweepId = `cancel-${env.tag}`;
    // Stand-in: run 1 hangs (its run timeout is the default 600 s): only the cancel can end it.
    await env.startWorker(['--concurrency', '2'], { GSWEEP_STANDIN_HANG_IF: 'Sat.SMA = 6900;', GSWEEP_STANDIN_DELAY_MS: '400' });
    const start = await runCli(
      gridArgs(out, sweepId, hangs ? `Sat.SMA=6800:9700:${RUNS}` : `Sat.SMA=6800:7400:${RUNS}`, ['--address', env.server.address, '--heartbeat-timeout', '3', '--engine-mode', 'warm', '--no-wait'], engine),
      { timeoutMs: 60_000 },
    );
    expect(start.code, start.stderr).toBe(0);

    await waitFor(
      () => finishedRuns(out).length >= 4 && (hangs ? engineProcesses(env.tag).some((p) => /sleep 3600/.test(p.args)) : engineProcesses(env.tag).length > 0),
      hangs ? 'some runs finished while run 1 hangs' : 'some runs finished and one in flight',
      60_000,
      50,
    );
    const cancel = await runCli(['cancel', sweepId, '--address', env.server.address], { timeoutMs: 30_000 });
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stderr).toContain(`cancellation requested for ${sweepId}`);

    expect(await waitClosed(env.client, sweepId, 60_000)).toBe('CANCELLED');
    // In-flight engines were killed with their trees (the hung one and any other) before
    // the workflow ended: it waits for every cancelled run to confirm. What may remain is an
    // idle warm console (started with no script argument) that a run handed back before the
    // cancel: it belongs to the worker, which keeps at most one per slot until it stops.
    const left = engineProcesses(env.tag);
    expect(left.filter((p) => /sleep 3600/.test(p.args))).toEqual([]);
    expect(left.filter((p) => !/(gmat-console\.js|GmatConsole)$/.test(p.args.trim()))).toEqual([]);
    expect(left.length).toBeLessThanOrEqual(2);

    // The order in history: every run that confirmed its cancellation (engine killed) did so
    // before the aggregate was scheduled; for the stand-in that includes the hung run 1.
    const events = (await env.client.workflow.getHandle(sweepId).fetchHistory()).events ?? [];
    const aggregateScheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'gsweep.writeAggregate');
    expect(aggregateScheduled).toBeDefined();
    const cancelledEvents = events.filter((e) => e.activityTaskCanceledEventAttributes);
    for (const e of cancelledEvents) expect(Number(e.eventId)).toBeLessThan(Number(aggregateScheduled!.eventId));
    if (hangs) {
      // The batch that held run 1 (ids are `runs-<first>-<last>`).
      const holds1 = (id: string | null | undefined) => {
        const m = /^runs-(\d+)-(\d+)$/.exec(id ?? '');
        return m !== null && Number(m[1]) <= 1 && 1 <= Number(m[2]);
      };
      const run1 = events.find((e) => holds1(e.activityTaskScheduledEventAttributes?.activityId))!;
      expect(run1, 'a batch holding run 1 was scheduled').toBeDefined();
      const run1Cancelled = cancelledEvents.find((e) => String(e.activityTaskCanceledEventAttributes?.scheduledEventId ?? '') === String(run1.eventId));
      expect(run1Cancelled, 'the batch holding run 1 has an ActivityTaskCanceled event').toBeDefined();
    }

    // `wait` on a cancelled sweep reports it and exits 1.
    const waited = await runCli(['wait', sweepId, '--address', env.server.address], { timeoutMs: 30_000 });
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain(`sweep ${sweepId} cancelled: the sweep was cancelled`);

    // Scheduling stopped: nothing starts after the cancel.
    const dirsAtEnd = runDirs(out).length;
    await sleep(1500);
    expect(runDirs(out).length).toBe(dirsAtEnd);

    const ok = finishedRuns(out).filter((id) => readOutcomeFile(out, id).status === 'ok');
    expect(ok.length).toBeGreaterThanOrEqual(4);
    expect(ok.length).toBeLessThan(RUNS);
    if (hangs) expect(ok).not.toContain(1);
    // Only the runs that finished and the ones in flight at the cancel ever started: the
    // worker runs 2 batches per engine slot (2 slots), each with one run in progress.
    expect(dirsAtEnd).toBeLessThanOrEqual(ok.length + 2 * 2);
    const expected = Array.from({ length: RUNS }, (_, id) => (ok.includes(id) ? 'ok' : 'cancelled'));

    const manifest = readManifestFile(out);
    expect(manifest.entries.map((e) => e.status)).toEqual(expected);
    for (const e of manifest.entries.filter((x) => x.status === 'cancelled')) {
      // Never started: no times of its own, the aggregate's time (gmat-sweep needs an ISO string).
      expect(e.duration_s).toBe(0);
      expect(e.started_at).toBe(e.ended_at);
      expect(e.output_paths).toEqual({});
    }

    const byRun = await aggregateByRun(out);
    expect(byRun).toEqual(
      expected.map((status, id) =>
        status === 'ok'
          ? { run_id: id, rows: ROWS_PER_RUN, times: ROWS_PER_RUN, statuses: 'ok' }
          : { run_id: id, rows: 1, times: 0, statuses: 'cancelled' },
      ),
    );
  }, 120_000);
});
