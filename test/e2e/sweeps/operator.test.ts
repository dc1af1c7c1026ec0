/**
 * The operator surface of a running sweep: progress query, setMaxInFlight update (with its
 * validator), search attributes the Web UI lists, per-batch activity summaries, `gsweep status`.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { prepareRequest } from '../../../request/request';
import { setMaxInFlight, startSweep, sweepProgress, waitForSweep } from '../../../api';
import type { SweepProgress } from '../../../sweep/types';
import { createSweepWorker } from '../../../workers/worker';
import { MISSIONS, runCli, startLocalTemporal, tempDir, waitFor } from '../../helpers/temporal';

describe('operating a running sweep', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const savedDelay = process.env.GSWEEP_STANDIN_DELAY_MS;

  beforeAll(async () => {
    // Slow every engine run down so the sweep is observably in flight.
    process.env.GSWEEP_STANDIN_DELAY_MS = '400';
    env = await startLocalTemporal();
    ({ worker } = await createSweepWorker(
      { address: env.address, namespace: 'default', taskQueue: 'operator-test' },
      { connection: env.nativeConnection, concurrency: 4 },
    ));
    running = worker.run();
  });

  afterAll(async () => {
    if (savedDelay === undefined) delete process.env.GSWEEP_STANDIN_DELAY_MS;
    else process.env.GSWEEP_STANDIN_DELAY_MS = savedDelay;
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  it('answers progress, changes maxInFlight, and is listable by search attribute', async () => {
    const prepared = await prepareRequest({
      script: path.join(MISSIONS, 'leo_point_mass.script'),
      grid: { 'Sat.SMA': [6900, 7000, 7100, 7200, 7300, 7400, 7500, 7600] },
      engine: 'stand-in',
      maxInFlight: 1,
      out: path.join(tempDir(), 'op'),
    });
    const handle = await startSweep(env.client, prepared, { taskQueue: 'operator-test', namespace: 'default' });

    let first: SweepProgress | undefined;
    await waitFor(async () => {
      first = await sweepProgress(handle).catch(() => undefined);
      return (first?.running ?? 0) > 0;
    }, 'a run in flight');
    expect(first).toMatchObject({ total: 8, maxInFlight: 1, running: 1, phase: 'running' });

    await expect(setMaxInFlight(handle, 0)).rejects.toThrow('maxInFlight must be an integer from 1 to 500, got 0');
    expect(await setMaxInFlight(handle, 4)).toBe(4);
    await waitFor(async () => (await sweepProgress(handle)).running > 1, 'the wider window to fill');

    const seen: SweepProgress[] = [];
    const outcome = await waitForSweep(handle, (p) => seen.push(p), 100);
    expect(outcome.status).toBe('completed');
    expect(seen.some((p) => p.maxInFlight === 4)).toBe(true);

    // Visibility is eventually consistent: poll until the final upsert is indexed.
    await waitFor(async () => {
      const found = [];
      for await (const wf of env.client.workflow.list({ query: `GsweepScript = 'leo_point_mass.script' AND GsweepDone = 8` })) found.push(wf.workflowId);
      return found.includes(handle.workflowId);
    }, 'the sweep listed by its search attributes', 20_000, 250);

    const history = await handle.fetchHistory();
    const summaries = (history.events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'gsweep.runBatch')
      .map((e) => e.userMetadata?.summary?.data)
      .map((data) => (data ? JSON.parse(Buffer.from(data).toString()) : undefined));
    // Each batch names its runs and the grid values they cover; the first batches are 2 runs.
    expect(summaries[0]).toBe('runs 0–1 · Sat.SMA 6900…7000');
    expect(summaries.every((t) => /^runs? \d+(–\d+)? · Sat\.SMA/.test(t))).toBe(true);

    const status = await runCli(['status', handle.workflowId, '--address', env.address]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${handle.workflowId}: completed · 8/8 ok · 0 failed`);
  });
});
