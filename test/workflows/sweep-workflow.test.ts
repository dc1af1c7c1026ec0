/**
 * The sweep workflow itself, with stubbed activities (samples-typescript's mocked-activities
 * pattern) on a real dev server: the window, failures, continue-as-new, cancel, the
 * setMaxInFlight validator, resume's already-ok pages, and the size of every payload in
 * history for 10^6-run sweeps. No GMAT, no stand-in: the real batch activity
 * (activities/batch.ts) runs each run through a function given here.
 *
 * Time-skipping is not used: it needs Temporal's test server binary, which gsweep does not
 * download; nothing here waits on workflow timers, so it would not shorten these tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { runBatch } from '../../activities/batch';
import { readFailures } from '../../output/failures';
import { DirStore } from '../../output/store';
import { runDir } from '../../output/layout';
import { failuresPath, requestPath } from '../helpers/out-paths';
import { writeOutcome, type RunOutcome } from '../../output/outcome';
import { prepareRequest } from '../../request/request';
import { resumeSweep, sweepProgress } from '../../api';
import { ALREADY_OK_TABLE, encodeBitsTable, encodeValueTable, InputTables } from '../../output/input-tables';
import { writeInputTable } from '../helpers/input-tables';
import { activityType, type SweepActivityName } from '../../sweep/activity-names';
import { RunBitset } from '../../sweep/bitset';
import type { AggregateInput, BatchTask, FailureRecord, RunSet, RunTask, SweepInput } from '../../sweep/types';
import { progressQuery, setMaxInFlightUpdate, sweepWorkflow } from '../../workflows';
import { workflowBundlePath } from '../../workers/bundle';
import { appendFailures } from '../helpers/failures';
import { MISSIONS, startLocalTemporal, tempDir, waitFor } from '../helpers/temporal';

type Activities = ReturnType<typeof createActivities>;
type Stubs = Partial<Activities>;

const CAN_SUGGESTED_AT = 400;
const LIMIT = 64 * 1024;

let env: TestWorkflowEnvironment;
let work: string;
let bundle: string;

beforeAll(async () => {
  env = await startLocalTemporal({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': CAN_SUGGESTED_AT } });
  work = tempDir('gsweep-workflow-');
  bundle = await workflowBundlePath();
});

afterAll(async () => {
  await env?.teardown();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function sweepInput(name: string, runSet: RunSet, runCount: number, extra: Partial<SweepInput> = {}): SweepInput {
  return {
    context: {
      sweepId: `wf-${name}`,
      outDir: path.join(work, name),
      scriptPath: '/nonexistent/mission.script',
      scriptName: 'mission.script',
      scriptSha256: '0'.repeat(64),
      engine: { kind: 'stand-in' },
      runTimeoutMs: 30_000,
    },
    runSet,
    runCount,
    maxInFlight: 4,
    retry: { maximumAttempts: 2, initialIntervalMs: 100, backoffCoefficient: 1, maximumIntervalMs: 100 },
    heartbeatTimeoutMs: 5_000,
    searchAttributes: false,
    ...extra,
  };
}

const grid = (n: number): RunSet => ({ kind: 'grid', axes: { 'Sat.SMA': { linspace: [7000, 7000 + n - 1, n] } } });

interface Recorder {
  aggregates: AggregateInput[];
  failures: FailureRecord[];
  prepared: number;
}

/**
 * Stubbed activities: the real batch activity runs each run through `runOne` (overrides
 * expanded from the output directory's input tables, failures.jsonl rows written by the
 * batch); the rest are stubs unless a test passes the real ones in.
 */
function stubs(runOne: (task: RunTask) => Promise<unknown>, recorder: Recorder, extra: Stubs = {}): Stubs {
  return {
    prepareSweep: async ({ input }) => {
      fs.mkdirSync(input.context.outDir, { recursive: true });
      recorder.prepared++;
    },
    recordFailures: async ({ failures }) => {
      recorder.failures.push(...failures);
    },
    writeAggregate: async (input) => {
      recorder.aggregates.push(input);
      return { tables: {}, rows: {}, manifestPath: path.join(input.context.outDir, 'manifest.jsonl'), ok: 0, failed: 0, cancelled: 0 };
    },
    runBatch: (async (task: BatchTask) => {
      const store = new DirStore(task.context.outDir);
      const tables = new InputTables(store);
      try {
        return await runBatch(task, {
          store,
          run: async (runId) => runOne({ context: task.context, runId, overrides: await tables.expand(task.runSet, runId) }),
          recordFailures: (records) => appendFailures(task.context.outDir, records),
        });
      } finally {
        tables.close();
      }
    }) as Activities['runBatch'],
    ...extra,
  };
}

/** Every failure row of a sweep: those the workflow recorded and those its batches appended to failures.jsonl. */
function failureRows(recorder: Recorder, outDir: string): FailureRecord[] {
  const file = failuresPath(outDir);
  const appended = fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { run_id: number; type: string | null; message: string })
        .map((r) => ({ runId: r.run_id, ...(r.type ? { type: r.type } : {}), message: r.message }))
    : [];
  return [...recorder.failures, ...appended].sort((a, b) => a.runId - b.runId);
}

async function withWorker<T>(activities: Stubs, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `wf-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: bundle },
    // Registered under gsweep's prefixed activity types, as GsweepPlugin does.
    activities: Object.fromEntries(Object.entries(activities).map(([name, fn]) => [activityType(name as SweepActivityName), fn])),
    maxConcurrentActivityTaskExecutions: 200,
  });
  return worker.runUntil(fn(taskQueue));
}

function start(taskQueue: string, input: SweepInput): Promise<WorkflowHandle<typeof sweepWorkflow>> {
  return env.client.workflow.start(sweepWorkflow, { taskQueue, workflowId: `${input.context.sweepId}-${randomUUID()}`, args: [input] });
}

/** Every execution of a continue-as-new chain, first to last. */
async function chain(workflowId: string): Promise<temporal.api.history.v1.IHistory[]> {
  const histories: temporal.api.history.v1.IHistory[] = [];
  let runId: string | undefined = (await env.client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    histories.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return histories;
}

/** The largest Payloads (sum of its payloads' bytes) anywhere in these histories, and where. */
function largestPayloads(histories: temporal.api.history.v1.IHistory[]): { bytes: number; where: string; count: number } {
  let largest = { bytes: 0, where: '', count: 0 };
  const walk = (value: unknown, where: string) => {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.payloads)) {
      const bytes = (record.payloads as Array<{ data?: Uint8Array }>).reduce((n, p) => n + (p.data?.length ?? 0), 0);
      largest.count++;
      if (bytes > largest.bytes) largest = { ...largest, bytes, where };
    }
    for (const [key, child] of Object.entries(record)) walk(child, key === 'events' ? where : `${where}.${key}`);
  };
  histories.forEach((h, i) => h.events?.forEach((e, j) => walk(e, `execution ${i + 1} event ${j + 1}`)));
  return largest;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for cancellation of the current activity (delivered through the batch's heartbeats). */
async function blockUntilCancelled(): Promise<never> {
  const ctx = Context.current();
  for (;;) {
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('cancelled by the test sweep');
    await sleep(50);
  }
}

describe('sweep workflow with stubbed activities', () => {
  it('keeps at most maxInFlight batches (so runs) in flight, runs each run once, and aggregates once', async () => {
    const recorder: Recorder = { aggregates: [], failures: [], prepared: 0 };
    const seen = new Map<number, number>();
    let running = 0;
    let peak = 0;
    // The first runs are held until the window is full: how fast the server hands out the
    // first batches must not decide whether five are ever in flight at once.
    let release = false;
    const summary = await withWorker(
      stubs(async ({ runId, overrides }) => {
        seen.set(runId, (seen.get(runId) ?? 0) + 1);
        expect(overrides).toEqual({ 'Sat.SMA': 7000 + runId });
        running++;
        peak = Math.max(peak, running);
        while (!release) await sleep(5);
        await sleep(20);
        running--;
        return { runId, status: 'ok', rows: 1 };
      }, recorder),
      async (tq) => {
        const handle = await start(tq, sweepInput('window', grid(40), 40, { maxInFlight: 5 }));
        await waitFor(() => running >= 5, 'five runs in flight');
        release = true;
        return handle.result();
      },
    );
    expect(summary).toMatchObject({ total: 40, ok: 40, failed: 0, cancelled: 0, executions: 1 });
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(peak).toBe(5);
    expect(recorder.prepared).toBe(1);
    expect(recorder.aggregates).toHaveLength(1);
    expect(recorder.aggregates[0]).toEqual({ context: expect.objectContaining({ sweepId: 'wf-window' }), runSet: grid(40), runCount: 40 });
  });

  it('validates setMaxInFlight updates and widens the window when accepted', async () => {
    const recorder: Recorder = { aggregates: [], failures: [], prepared: 0 };
    let release = false;
    let running = 0;
    let peak = 0;
    await withWorker(
      stubs(async ({ runId }) => {
        running++;
        peak = Math.max(peak, running);
        while (!release) await sleep(20);
        running--;
        return { runId, status: 'ok', rows: 1 };
      }, recorder),
      async (tq) => {
        const handle = await start(tq, sweepInput('update', grid(12), 12, { maxInFlight: 2 }));
        await waitFor(async () => (await handle.query(progressQuery)).running === 2, 'two batches in flight');
        for (const bad of [0, 501, 2.5]) {
          await expect(handle.executeUpdate(setMaxInFlightUpdate, { args: [bad] })).rejects.toMatchObject({
            cause: expect.objectContaining({ message: `maxInFlight must be an integer from 1 to 500, got ${bad}` }),
          });
        }
        expect((await handle.query(progressQuery)).maxInFlight).toBe(2);
        expect(await handle.executeUpdate(setMaxInFlightUpdate, { args: [6] })).toBe(6);
        await waitFor(async () => (await handle.query(progressQuery)).running === 6, 'six batches in flight');
        expect(await handle.query(progressQuery)).toMatchObject({ total: 12, ok: 0, running: 6, pending: 6, maxInFlight: 6, phase: 'running' });
        // Scheduled is not started: hold until the sixth run has started too.
        await waitFor(() => running === 6, 'six runs started');
        release = true;
        expect(await handle.result()).toMatchObject({ ok: 12, failed: 0 });
      },
    );
    expect(peak).toBe(6);
  });

  it('counts failures, records those a run could not record itself, and goes on', async () => {
    const recorder: Recorder = { aggregates: [], failures: [], prepared: 0 };
    const attempts = new Map<number, number>();
    const summary = await withWorker(
      stubs(async ({ runId }) => {
        attempts.set(runId, (attempts.get(runId) ?? 0) + 1);
        if (runId === 1) throw ApplicationFailure.create({ type: 'GmatRejected', message: 'GMAT rejected run 1: SMA is not allowed', nonRetryable: true });
        if (runId === 2) throw new Error('EACCES: run directory of run 2 is not writable');
        if (runId === 3) throw ApplicationFailure.create({ type: 'GmatNotFound', message: 'no GMAT on this worker', nonRetryable: true });
        return { runId, status: 'ok', rows: 1 };
      }, recorder),
      async (tq) => (await start(tq, sweepInput('failures', grid(6), 6))).result(),
    );
    expect(summary).toMatchObject({ total: 6, ok: 3, failed: 3 });
    // Rejections are final (one attempt); infrastructure errors are retried per the policy,
    // and the retried batch starts at the failed run, not at its first.
    expect(attempts.get(1)).toBe(1);
    expect(attempts.get(2)).toBe(2);
    for (const id of [0, 3, 4, 5]) expect(attempts.get(id), `run ${id}`).toBe(1);
    // Run 1 wrote its own outcome.json (GmatRejected); the others are recorded for the aggregate.
    expect(failureRows(recorder, path.join(work, 'failures'))).toEqual([
      { runId: 2, type: 'Error', message: 'EACCES: run directory of run 2 is not writable' },
      { runId: 3, type: 'GmatNotFound', message: 'no GMAT on this worker' },
    ]);
    expect(recorder.aggregates).toHaveLength(1);
  });

  it('continues as new with a few numbers, runs every run exactly once across executions', async () => {
    const recorder: Recorder = { aggregates: [], failures: [], prepared: 0 };
    const seen = new Map<number, number>();
    const { summary, workflowId } = await withWorker(
      stubs(async ({ runId }) => {
        seen.set(runId, (seen.get(runId) ?? 0) + 1);
        if (runId % 97 === 5) throw new Error(`infrastructure failure of run ${runId}`);
        return { runId, status: 'ok', rows: 1 };
      }, recorder),
      async (tq) => {
        // Batches pinned at 2 runs, so this small sweep writes enough history to continue as new.
        const handle = await start(tq, sweepInput('can', grid(600), 600, { maxInFlight: 20, batch: { size: 2 } }));
        return { summary: await handle.result(), workflowId: handle.workflowId };
      },
    );
    const failed = Array.from({ length: 600 }, (_, i) => i).filter((i) => i % 97 === 5);
    expect(summary.executions).toBeGreaterThanOrEqual(3);
    expect(summary).toMatchObject({ total: 600, ok: 600 - failed.length, failed: failed.length });
    expect(seen.size).toBe(600);
    for (const [id, n] of seen) expect(n, `run ${id}`).toBe(failed.includes(id) ? 2 : 1);
    expect(failureRows(recorder, path.join(work, 'can')).map((f) => f.runId)).toEqual(failed);
    expect(recorder.prepared).toBe(1);
    const histories = await chain(workflowId);
    expect(histories).toHaveLength(summary.executions);
    // What an execution hands the next: counts and a cursor, not bitsets or notes.
    const carried = histories.slice(1).map((h) => {
      const data = h.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!;
      return (JSON.parse(Buffer.from(data).toString()) as SweepInput).carried!;
    });
    expect(Object.keys(carried[0]).sort()).toEqual(['cursor', 'executions', 'failed', 'ok', 'secondsPerRun', 'slots', 'startedAtMs']);
    for (const [i, c] of carried.entries()) expect(c.executions).toBe(i + 1);
    expect(carried.map((c) => c.cursor)).toEqual([...carried.map((c) => c.cursor)].sort((a, b) => a - b));
  });

  it('on cancel: cancels batches in flight, waits for them, writes the aggregate, reports the rest cancelled', async () => {
    const recorder: Recorder = { aggregates: [], failures: [], prepared: 0 };
    let cancelledRuns = 0;
    const { error, progress } = await withWorker(
      stubs(async ({ runId }) => {
        if (runId < 3) return { runId, status: 'ok', rows: 1 };
        try {
          return await blockUntilCancelled();
        } finally {
          cancelledRuns++;
        }
      }, recorder),
      async (tq) => {
        const h = await start(tq, sweepInput('cancel', grid(20), 20, { maxInFlight: 4 }));
        // Run 2 finished inside a batch still in flight: sweepProgress counts it from the
        // batch's heartbeat details.
        await waitFor(async () => {
          const p = await sweepProgress(h);
          return p.ok === 3 && p.running === 4;
        }, 'three runs ok and four batches in flight');
        await h.cancel();
        const err = await h.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        return { error: err, progress: await h.query(progressQuery) };
      },
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(cancelledRuns).toBe(4);
    expect(recorder.aggregates).toHaveLength(1);
    expect(progress).toMatchObject({ total: 20, ok: 3, failed: 0, running: 0, cancelled: 17, pending: 0, phase: 'done' });
  });

  it("resume: skips the runs the already-ok bitset holds, paged from the output directory", async () => {
    const recorder: Recorder = { aggregates: [], failures: [], prepared: 0 };
    const runCount = 70_000; // two already-ok pages (65 536 runs each)
    const ok = new RunBitset(runCount);
    for (let id = 0; id < runCount; id++) if (id !== 7 && id !== 65_540 && id !== 69_999) ok.set(id);
    const input = sweepInput('resume', grid(runCount), runCount);
    const bits = encodeBitsTable(ALREADY_OK_TABLE, runCount, ok.bytes);
    await writeInputTable(input.context.outDir, bits);
    const ran: number[] = [];
    const summary = await withWorker(
      stubs(async ({ runId }) => {
        ran.push(runId);
        return { runId, status: 'ok', rows: 1 };
      }, recorder),
      async (tq) => (await start(tq, { ...input, alreadyOk: bits.ref })).result(),
    );
    expect(ran.sort((a, b) => a - b)).toEqual([7, 65_540, 69_999]);
    expect(summary).toMatchObject({ total: runCount, ok: runCount, failed: 0 });
  });

  it('a batch whose inputs are gone fails its runs at once with the reason, without a batch per run', async () => {
    const recorder: Recorder = { aggregates: [], failures: [], prepared: 0 };
    const runCount = 40;
    // A resume whose already-ok bitset was never written (or was removed): the batches cannot
    // read it, and no retry would bring it back.
    const bits = encodeBitsTable(ALREADY_OK_TABLE, runCount, new RunBitset(runCount).bytes);
    const input = { ...sweepInput('inputs-gone', grid(runCount), runCount), alreadyOk: bits.ref };
    const ran: number[] = [];
    const { summary, batches } = await withWorker(
      stubs(async ({ runId }) => {
        ran.push(runId);
        return { runId, status: 'ok', rows: 1 };
      }, recorder),
      async (tq) => {
        const handle = await start(tq, input);
        const result = await handle.result();
        const history = await handle.fetchHistory();
        const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'gsweep.runBatch');
        return { summary: result, batches: scheduled.length };
      },
    );
    expect(ran).toEqual([]);
    expect(summary).toMatchObject({ total: runCount, ok: 0, failed: runCount });
    expect(batches).toBeLessThan(runCount);
    const rows = failureRows(recorder, input.context.outDir);
    expect(rows.map((r) => r.runId)).toEqual(Array.from({ length: runCount }, (_, i) => i));
    for (const r of rows) expect(r).toMatchObject({ type: 'InvalidRunInput', message: expect.stringContaining('already-ok') });
  });

  it('resumeSweep writes the already-ok bitset before it starts, and the resumed sweep runs only the rest', async () => {
    const recorder: Recorder = { aggregates: [], failures: [], prepared: 0 };
    const out = path.join(work, 'resume-api');
    const prepared = await prepareRequest({ script: path.join(MISSIONS, 'leo_point_mass.script'), out, engine: 'stand-in', grid: { 'Sat.SMA': [7000, 7100, 7200, 7300] } });
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(requestPath(out), JSON.stringify(prepared.input));
    // resume checks the archived script against the recorded hash (docs/security.md).
    fs.mkdirSync(path.join(out, 'script'), { recursive: true });
    fs.copyFileSync(path.join(MISSIONS, 'leo_point_mass.script'), path.join(out, 'script', prepared.input.context.scriptName));
    for (const runId of [1, 2]) {
      fs.mkdirSync(runDir(out, runId), { recursive: true });
      writeOutcome(runDir(out, runId), {
        // A complete outcome: resume re-runs any outcome.json that is not one (docs/security.md).
        run_id: runId, status: 'ok', overrides: {}, started_at: '2026-11-30T00:00:00.000+00:00', ended_at: '2026-11-30T00:00:00.000+00:00', duration_s: 0, output_paths: {}, tables: {},
        log_path: null, stderr: null, attempt: 1, worker: 'test', engine: { kind: 'stand-in', root: '/x', version: null },
      } as unknown as RunOutcome);
    }
    const real = createActivities();
    const ran: number[] = [];
    const summary = await withWorker(
      stubs(async ({ runId }) => {
        ran.push(runId);
        return { runId, status: 'ok', rows: 1 };
      }, recorder, { prepareSweep: real.prepareSweep }),
      async (tq) => (await resumeSweep(env.client, out, { taskQueue: tq, engine: { engine: 'stand-in' } })).result(),
    );
    expect(ran.sort((a, b) => a - b)).toEqual([0, 3]);
    expect(summary).toMatchObject({ total: 4, ok: 4, failed: 0 });
    expect(fs.existsSync(path.join(out, 'inputs', 'already-ok.bits'))).toBe(true);
  });

  it('keeps every payload in history under 64 KiB for 10^6-run sweeps (linspace grid, samples table), across continue-as-new', async () => {
    const n = 1_000_000;
    const rows = encodeValueTable('samples', (function* () {
      for (let r = 0; r < n; r++) yield [6800 + r * 0.0005, `label-${r}-${'x'.repeat(20)}`, r % 360];
    })());
    // Batches pinned small, so the chain continues as new within seconds.
    const samplesInput = sweepInput('million-samples', { kind: 'samples', columns: ['Sat.SMA', 'Sat.Label', 'Sat.TA'], rowCount: n, rows: rows.ref }, n, { maxInFlight: 200, batch: { size: 20 } });
    await writeInputTable(samplesInput.context.outDir, rows);
    const gridInput = sweepInput('million-grid', grid(n), n, { maxInFlight: 200, batch: { size: 20 } });
    for (const input of [gridInput, samplesInput]) {
      const recorder: Recorder = { aggregates: [], failures: [], prepared: 0 };
      let started = 0;
      const workflowId = await withWorker(
        stubs(async ({ runId, overrides }) => {
          started++;
          if (input === samplesInput) expect(overrides).toEqual({ 'Sat.SMA': 6800 + runId * 0.0005, 'Sat.Label': `label-${runId}-${'x'.repeat(20)}`, 'Sat.TA': runId % 360 });
          // Messages that JSON-escape to ~5x their length: batches must be cut by size, not count.
          if (runId % 50 === 3) throw new Error(`lost worker for run ${runId}: ${'\u0001"'.repeat(450)}`);
          return { runId, status: 'ok', rows: 1 };
        }, recorder),
        async (tq) => {
          const handle = await start(tq, input);
          await waitFor(async () => (await handle.query(progressQuery)).executions >= 3, 'a third execution', 120_000);
          const progress = await handle.query(progressQuery);
          expect(Buffer.byteLength(JSON.stringify(progress))).toBeLessThan(1024);
          await handle.cancel();
          await handle.result().catch(() => undefined);
          return handle.workflowId;
        },
      );
      expect(started).toBeGreaterThan(300);
      const histories = await chain(workflowId);
      expect(histories.length).toBeGreaterThanOrEqual(3);
      const largest = largestPayloads(histories);
      expect(largest.count).toBeGreaterThan(300);
      expect(largest.bytes, `largest payload: ${largest.where}`).toBeLessThan(LIMIT);
      // The failures of this sweep went to the recorder in batches, never into carried state.
      expect(recorder.failures.length).toBeGreaterThan(5);
    }
  }, 300_000);
});

describe('failures.jsonl written by the real recordFailures activity', () => {
  it('appends batches the aggregate reads back, last line per run winning', async () => {
    const outDir = path.join(work, 'failures-file');
    fs.mkdirSync(outDir, { recursive: true });
    const context = sweepInput('failures-file', grid(3), 3).context;
    const real = createActivities();
    await real.recordFailures({ context: { ...context, outDir }, failures: [{ runId: 2, message: 'first' }, { runId: 5, type: 'GmatNotFound', message: 'no GMAT' }] });
    await real.recordFailures({ context: { ...context, outDir }, failures: [{ runId: 2, message: 'second' }] });
    expect([...(await readFailures(new DirStore(outDir)))]).toEqual([
      [2, 'second'],
      [5, 'no GMAT'],
    ]);
  });
});
