/**
 * GsweepPlugin on plain Temporal Workers: what it adds to a worker's options per role, a
 * sweep split over a control worker and a GMAT worker on different task queues, and warm
 * GmatConsoles closed when the worker stops.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweep, waitForSweep } from '../../api';
import { EAGER_ACTIVITIES_PER_WORKFLOW_TASK, GsweepPlugin, HEARTBEAT_THROTTLE } from '../../workers/plugin';
import { MISSIONS, runCli, spawnWorker, startLocalTemporal, tempDir, waitFor } from '../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');

describe('GsweepPlugin.configureWorker', () => {
  const base = { taskQueue: 'q', activities: { fleetActivity: async () => 'mine' } } as unknown as WorkerOptions;

  it('role all: every gsweep activity (prefixed) beside the fleet’s own, and the workflow bundle', async () => {
    const options = await new GsweepPlugin().configureWorker(base);
    expect(Object.keys(options.activities ?? {}).sort()).toEqual([
      'fleetActivity',
      'gsweep.loadInputPage',
      'gsweep.loadOkPage',
      'gsweep.prepareRequest',
      'gsweep.prepareSweep',
      'gsweep.recordFailures',
      'gsweep.runBatch',
      'gsweep.runGmat',
      'gsweep.writeAggregate',
    ]);
    const bundle = options.workflowBundle as { codePath: string };
    expect(fs.readFileSync(bundle.codePath, 'utf8')).toContain('sweepWorkflow');
  });

  it('role gmat: only the run activities (batches, and runGmat for sweeps started before them), no workflows', async () => {
    const options = await new GsweepPlugin({ role: 'gmat' }).configureWorker(base);
    expect(Object.keys(options.activities ?? {}).sort()).toEqual(['fleetActivity', 'gsweep.runBatch', 'gsweep.runGmat']);
    expect(options.workflowBundle).toBeUndefined();
    expect(options.workflowsPath).toBeUndefined();
  });

  it('role control: the workflow and the output-directory activities, no GMAT runs', async () => {
    const options = await new GsweepPlugin({ role: 'control' }).configureWorker(base);
    expect(Object.keys(options.activities ?? {}).sort()).toEqual([
      'fleetActivity',
      'gsweep.loadInputPage',
      'gsweep.loadOkPage',
      'gsweep.prepareRequest',
      'gsweep.prepareSweep',
      'gsweep.recordFailures',
      'gsweep.writeAggregate',
    ]);
    expect(options.workflowBundle).toBeDefined();
  });

  it('sends batch heartbeats (progress) at most once a second unless the fleet sets its own throttle', async () => {
    expect((await new GsweepPlugin().configureWorker(base)).maxHeartbeatThrottleInterval).toBe(HEARTBEAT_THROTTLE);
    expect((await new GsweepPlugin().configureWorker({ ...base, maxHeartbeatThrottleInterval: '5 seconds' })).maxHeartbeatThrottleInterval).toBe('5 seconds');
  });

  it('takes up to EAGER_ACTIVITIES_PER_WORKFLOW_TASK runs eagerly (role all), none on a control worker, and keeps a fleet’s own setting', async () => {
    expect((await new GsweepPlugin().configureWorker(base)).maxEagerActivityReservationsPerWorkflowTask).toBe(EAGER_ACTIVITIES_PER_WORKFLOW_TASK);
    expect(EAGER_ACTIVITIES_PER_WORKFLOW_TASK).toBeGreaterThan(3); // the SDK's default
    expect((await new GsweepPlugin({ role: 'control' }).configureWorker(base)).maxEagerActivityReservationsPerWorkflowTask).toBe(0);
    const own = { ...base, maxEagerActivityReservationsPerWorkflowTask: 7 };
    expect((await new GsweepPlugin().configureWorker(own)).maxEagerActivityReservationsPerWorkflowTask).toBe(7);
    expect((await new GsweepPlugin({ role: 'control' }).configureWorker(own)).maxEagerActivityReservationsPerWorkflowTask).toBe(0);
  });

  it("keeps a fleet's own workflows file (which re-exports sweepWorkflow)", async () => {
    const options = await new GsweepPlugin().configureWorker({ ...base, workflowsPath: '/fleet/workflows.js' });
    expect(options.workflowsPath).toBe('/fleet/workflows.js');
    expect(options.workflowBundle).toBeUndefined();
  });
});

describe('GsweepPlugin on a dev server', () => {
  let env: TestWorkflowEnvironment;
  let connection: NativeConnection;

  beforeAll(async () => {
    env = await startLocalTemporal();
    connection = env.nativeConnection;
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('GMAT runs on their own task queue: runBatch only on the gmat worker, the rest on the control worker', async () => {
    const control = await Worker.create({ connection, taskQueue: 'control', plugins: [new GsweepPlugin({ role: 'control' })] });
    const gmat = await Worker.create({ connection, taskQueue: 'gmat-hosts', plugins: [new GsweepPlugin({ role: 'gmat' })] });
    const out = path.join(tempDir(), 'split');
    const outcome = await control.runUntil(
      gmat.runUntil(async () => {
        const handle = await startSweep(
          env.client,
          { script: LEO, grid: { 'Sat.SMA': [7000, 7100, 7200] }, engine: 'stand-in', out },
          { taskQueue: 'control', gmatTaskQueue: 'gmat-hosts' },
        );
        const result = await waitForSweep(handle);
        const history = await handle.fetchHistory();
        const scheduled = history.events!.flatMap((e) => {
          const a = e.activityTaskScheduledEventAttributes;
          return a ? [`${a.activityType!.name} @ ${a.taskQueue!.name}`] : [];
        });
        return { result, scheduled };
      }),
    );
    expect(outcome.result).toMatchObject({ status: 'completed', summary: { total: 3, ok: 3 } });
    expect([...new Set(outcome.scheduled)].sort()).toEqual([
      'gsweep.prepareSweep @ control',
      'gsweep.runBatch @ gmat-hosts',
      'gsweep.writeAggregate @ control',
    ]);
  });

  it('closes its warm consoles when the worker stops', async () => {
    const warmConsoles = () =>
      fs.readdirSync('/proc').filter((pid) => {
        if (!/^\d+$/.test(pid)) return false;
        try {
          return fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(path.join(os.tmpdir(), `gsweep-warm-${process.pid}-`));
        } catch {
          return false; // gone, or not ours to read
        }
      });
    expect(warmConsoles()).toEqual([]);
    const worker = await Worker.create({ connection, taskQueue: 'warm', maxConcurrentActivityTaskExecutions: 2, plugins: [new GsweepPlugin()] });
    const out = path.join(tempDir(), 'warm');
    const running = worker.run();
    const handle = await startSweep(
      env.client,
      { script: LEO, grid: { 'Sat.SMA': [7000, 7100, 7200, 7300] }, engine: 'stand-in', engineMode: 'warm', out },
      { taskQueue: 'warm' },
    );
    expect(await waitForSweep(handle)).toMatchObject({ status: 'completed', summary: { ok: 4 } });
    // Idle warm consoles stay up between sweeps...
    expect(warmConsoles().length).toBeGreaterThanOrEqual(1);
    worker.shutdown();
    await running;
    // ...and the plugin closes them when the worker stops.
    await waitFor(() => warmConsoles().length === 0, 'warm consoles to exit after worker shutdown', 30_000);
  });

  it('from the command line: gsweep-worker --role control / --role gmat, gsweep run --gmat-task-queue', async () => {
    const control = spawnWorker(env.address, ['--role', 'control', '--task-queue', 'cli-control', '--concurrency', '2']);
    const gmat = spawnWorker(env.address, ['--role', 'gmat', '--task-queue', 'cli-gmat', '--concurrency', '2']);
    try {
      await waitFor(() => /role=control/.test(control.output()) && /role=gmat/.test(gmat.output()), 'both workers to poll', 60_000);
      const out = path.join(tempDir(), 'cli-split');
      const r = await runCli([
        'run', LEO, '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', out, '--json',
        '--address', env.address, '--task-queue', 'cli-control', '--gmat-task-queue', 'cli-gmat',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { sweepId: string; status: string; summary: { ok: number } };
      expect(result).toMatchObject({ status: 'completed', summary: { ok: 2 } });
      const history = await env.client.workflow.getHandle(result.sweepId).fetchHistory();
      const runQueues = history.events!.flatMap((e) => {
        const a = e.activityTaskScheduledEventAttributes;
        return a?.activityType?.name === 'gsweep.runBatch' ? [a.taskQueue!.name] : [];
      });
      expect(runQueues.length).toBeGreaterThanOrEqual(1);
      expect(new Set(runQueues)).toEqual(new Set(['cli-gmat']));
    } finally {
      await control.stop();
      await gmat.stop();
    }
  });
});
