/**
 * Running sweeps survive the upgrade to batches: a sweep started by workers that schedule one
 * activity per run is taken over mid-sweep by workers with the current code. The new worker
 * replays the started execution on the per-run code (its history has no `gsweep-batches`
 * marker), finishes it, and the execution it continues as new runs in batches. Every run
 * ends exactly once in the aggregate.
 */
import * as path from 'node:path';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, registeredActivities } from '../../../activities';
import { prepareRequest } from '../../../request/request';
import { startSweep, sweepProgress } from '../../../api';
import { activityType, PREFIXED_ACTIVITIES_PATCH } from '../../../sweep/activity-names';
import { BATCHES_PATCH } from '../../../workflows/sweep-workflow';
import { createSweepWorker } from '../../../workers/worker';
import { startLocalTemporal, tempDir, waitFor } from '../../helpers/temporal';
import { aggregateByRun, readManifestFile, ROWS_PER_RUN, SCRIPT } from './helpers';

const RUNS = 60;

describe('upgrade from one activity per run to batches', () => {
  let env: TestWorkflowEnvironment;
  const savedDelay = process.env.GSWEEP_STANDIN_DELAY_MS;

  beforeAll(async () => {
    // Slow runs, so the sweep is mid-way when the old worker stops; an early continue-as-new,
    // so the sweep's second execution starts on the new code.
    process.env.GSWEEP_STANDIN_DELAY_MS = '150';
    env = await startLocalTemporal({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 120 } });
  });

  afterAll(async () => {
    if (savedDelay === undefined) delete process.env.GSWEEP_STANDIN_DELAY_MS;
    else process.env.GSWEEP_STANDIN_DELAY_MS = savedDelay;
    await env?.teardown();
  });

  it('a sweep started per run finishes on the new workers, then continues in batches', async () => {
    const taskQueue = 'upgrade-test';
    const out = path.join(tempDir(), 'upgrade');
    const prepared = await prepareRequest({ script: SCRIPT, engine: 'stand-in', grid: { 'Sat.SMA': { lo: 6800, hi: 7400, count: RUNS } }, maxInFlight: 2, out });

    const { code } = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'fixtures', 'per-run-workflow.ts'), logger: new DefaultLogger('WARN') });
    const old = await Worker.create({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { code },
      activities: registeredActivities(createActivities()),
      maxConcurrentActivityTaskExecutions: 2,
    });
    const oldRunning = old.run();
    const handle = await startSweep(env.client, prepared, { taskQueue, namespace: 'default' });
    await waitFor(async () => ((await sweepProgress(handle).catch(() => undefined))?.ok ?? 0) >= 5, 'five runs done on the old worker');
    old.shutdown();
    await oldRunning;

    const { worker } = await createSweepWorker({ address: env.address, namespace: 'default', taskQueue }, { connection: env.nativeConnection, concurrency: 2 });
    const summary = await worker.runUntil(handle.result());
    expect(summary).toMatchObject({ total: RUNS, ok: RUNS, failed: 0 });
    expect(summary.executions).toBeGreaterThanOrEqual(2);

    // The first execution ran per run and never took the batch path; a later one ran batches.
    const first = await env.client.workflow.getHandle(handle.workflowId, (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId).fetchHistory();
    const types = (h: typeof first) => new Set((h.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean));
    // Patch markers (`core_patch`) carry `{ id, deprecated }` as their `patch-data`.
    const patches = (h: typeof first) =>
      (h.events ?? [])
        .map((e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data)
        .filter((data): data is Uint8Array => data instanceof Uint8Array)
        .map((data) => (JSON.parse(Buffer.from(data).toString()) as { id: string }).id);
    expect(types(first).has(activityType('runGmat'))).toBe(true);
    expect(types(first).has(activityType('runBatch'))).toBe(false);
    expect(patches(first)).toContain(PREFIXED_ACTIVITIES_PATCH); // the markers are read right...
    expect(patches(first)).not.toContain(BATCHES_PATCH); // ...and this one is not there
    const last = await handle.fetchHistory();
    expect(types(last).has(activityType('runBatch'))).toBe(true);
    expect(types(last).has(activityType('runGmat'))).toBe(false);
    expect(patches(last)).toContain(BATCHES_PATCH);

    // Each run exactly once in the aggregate and the manifest, all ok.
    const byRun = await aggregateByRun(out);
    expect(byRun.map((r) => r.run_id)).toEqual(Array.from({ length: RUNS }, (_, i) => i));
    expect(byRun.every((r) => r.rows === ROWS_PER_RUN && r.statuses === 'ok')).toBe(true);
    const { entries } = readManifestFile(out);
    expect(entries.map((e) => e.run_id).sort((a, b) => a - b)).toEqual(Array.from({ length: RUNS }, (_, i) => i));
  }, 240_000);
});
