/**
 * GsweepPlugin: gives a Temporal Worker gsweep's activities (as `gsweep.*`), its workflow
 * bundle, and closes the worker's warm GmatConsoles when the worker stops.
 *
 *   const worker = await Worker.create({ connection, taskQueue: 'gsweep', plugins: [new GsweepPlugin()] });
 *
 * Built on SimplePlugin (@temporalio/plugin) for merging activities and bundle into the
 * worker's own options; the bundle is built (or taken from gsweep's cache) asynchronously,
 * which SimplePlugin's synchronous options cannot do, so this class wraps one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SimplePlugin } from '@temporalio/plugin';
import type { ReplayWorkerOptions, Worker, WorkerOptions, WorkerPlugin, WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, registeredActivities } from '../activities';
import type { WorkerEngineConfig } from '../gmat/engine';
import { EngineSlots } from '../gmat/slots';
import { WarmPool } from '../gmat/warm';
import type { PostprocessFunction } from '../postprocess/hook';
import { SWEEP_ACTIVITY_NAMES, type SweepActivityName } from '../sweep/activity-names';
import { sweepSearchAttributesRegistered } from '../temporal/search-attributes-admin';
import { workflowBundlePath } from './bundle';
import { sdkSweepMetrics } from './metrics';

/**
 * What a worker hosts. `all`: the sweep workflow and every activity (one kind of host).
 * `control`: the workflow and the activities that touch only the output directory
 * (preparing a request or a sweep, failures, aggregate). `gmat`: only the run activities (`gsweep.runBatch`, and
 * `gsweep.runGmat` for sweeps started before batches), for GMAT hosts polling the queue a
 * sweep names as its `gmatTaskQueue`.
 */
export type GsweepWorkerRole = 'all' | 'control' | 'gmat';

export interface GsweepPluginOptions {
  role?: GsweepWorkerRole;
  /** The GMAT this worker runs when a sweep names none (`gmatRoot`, else GMAT_ROOT). */
  engine?: WorkerEngineConfig;
  /**
   * GMAT processes at once (default: the worker's activity concurrency, else CPU cores).
   * createWorker sets it to `concurrency` and accepts twice as many activities, so the next
   * run is patched and waiting when a slot frees.
   */
  engineSlots?: number;
  /** Idle warm consoles kept per worker (default: the engine slots). */
  warmConsoles?: number;
  /** A workflow bundle to use instead of gsweep's cached one. */
  workflowBundle?: WorkflowBundleOption;
  /** Postprocess functions a sweep can name (`postprocess: { hook: name }`); GMAT workers need them. */
  postprocess?: Record<string, PostprocessFunction>;
  /** Run cache directory used by sweeps that name none (`--cache`); off when absent. */
  cache?: string;
  /**
   * Where runs of sweeps whose out is an object store execute before upload (`--scratch`;
   * default: the OS temp directory). The worker works in its own sub-directory, removed when
   * it stops.
   */
  scratch?: string;
}

const ROLE_ACTIVITIES: Record<GsweepWorkerRole, readonly SweepActivityName[]> = {
  all: SWEEP_ACTIVITY_NAMES,
  control: ['prepareRequest', 'prepareSweep', 'loadInputPage', 'loadOkPage', 'recordFailures', 'writeAggregate'],
  gmat: ['runBatch', 'runGmat'],
};

/**
 * A batch heartbeats how far it got every second; the SDK sends at most one heartbeat per
 * this interval (and per 80 % of the heartbeat timeout), so `gsweep status` lags a run by at
 * most about this much. One heartbeat a second per batch is far less server work than the
 * one activity per run it replaces.
 */
export const HEARTBEAT_THROTTLE = '1 second';

let pools = 0;

/**
 * Runs a worker may take straight from its own workflow task's completion (eager activity
 * dispatch) instead of through the task queue; never more than its free activity slots.
 * Each skips the server's matching round trip: at 20 000 instant runs this cut the dev
 * server's CPU per run by ~30 % (docs/benchmarks.md §5). The SDK's default is 3; a workflow
 * task of a sweep starts ~11 runs on average and up to the whole window after a resume.
 * Servers use it only with `system.enableActivityEagerExecution` (the embedded one sets it).
 */
export const EAGER_ACTIVITIES_PER_WORKFLOW_TASK = 100;

export class GsweepPlugin implements WorkerPlugin {
  readonly name = 'gsweep';
  private readonly warmPools: WarmPool[] = [];
  private readonly scratchDirs: string[] = [];

  constructor(readonly options: GsweepPluginOptions = {}) {}

  async configureWorker(options: WorkerOptions): Promise<WorkerOptions> {
    const role = this.options.role ?? 'all';
    const slots = this.options.engineSlots ?? options.maxConcurrentActivityTaskExecutions ?? Math.max(1, os.availableParallelism());
    const metrics = sdkSweepMetrics();
    const warmPool = new WarmPool(path.join(os.tmpdir(), `gsweep-warm-${process.pid}-${pools++}`), this.options.warmConsoles ?? slots);
    this.warmPools.push(warmPool);
    const scratch = path.join(path.resolve(this.options.scratch ?? os.tmpdir()), `gsweep-scratch-${process.pid}-${pools}`);
    this.scratchDirs.push(scratch);
    const activities = registeredActivities(
      createActivities(this.options.engine, {
        warmPool,
        engineSlots: new EngineSlots(slots, (busy) => metrics.slotsBusy(busy)),
        postprocessHooks: this.options.postprocess,
        metrics,
        cache: this.options.cache,
        searchAttributesKnown: sweepSearchAttributesRegistered,
        scratch,
      }),
      ROLE_ACTIVITIES[role],
    );
    // A fleet with its own workflows file re-exports sweepWorkflow from it (README); then the
    // worker's own workflowsPath or bundle stays.
    const ownWorkflows = options.workflowsPath !== undefined || options.workflowBundle !== undefined;
    const workflowBundle =
      role === 'gmat' || ownWorkflows ? undefined : (this.options.workflowBundle ?? { codePath: await workflowBundlePath() });
    // A control worker must never take a run eagerly: it has no runGmat (on a shared queue the
    // run would fail as unregistered); on its own queue the runs are not eager-eligible anyway.
    const maxEagerActivityReservationsPerWorkflowTask =
      role === 'control' ? 0 : (options.maxEagerActivityReservationsPerWorkflowTask ?? EAGER_ACTIVITIES_PER_WORKFLOW_TASK);
    return new SimplePlugin({ name: this.name, activities, workflowBundle }).configureWorker({
      ...options,
      maxEagerActivityReservationsPerWorkflowTask,
      maxHeartbeatThrottleInterval: options.maxHeartbeatThrottleInterval ?? HEARTBEAT_THROTTLE,
    });
  }

  /**
   * A replay worker (`Worker.runReplayHistories`, `Worker.runReplayHistory`) with this plugin
   * replays gsweep histories: it gets the same workflow bundle unless it brings its own
   * workflows (a fleet's workflows file re-exporting sweepWorkflow).
   */
  async configureReplayWorker(options: ReplayWorkerOptions): Promise<ReplayWorkerOptions> {
    const ownWorkflows = options.workflowsPath !== undefined || options.workflowBundle !== undefined;
    if (ownWorkflows) return options;
    return { ...options, workflowBundle: this.options.workflowBundle ?? { codePath: await workflowBundlePath() } };
  }

  async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    try {
      await next(worker);
    } finally {
      await this.closeWarmConsoles();
      for (const dir of this.scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Sends every idle warm GmatConsole `q` (also done when the worker stops). */
  async closeWarmConsoles(): Promise<void> {
    await Promise.all(this.warmPools.map((pool) => pool.closeAll()));
  }
}
