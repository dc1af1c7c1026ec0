/** Builds a gsweep worker: it polls one task queue and runs both the sweep workflow and its activities. */
import * as os from 'node:os';
import * as path from 'node:path';
import { WarmPool } from '../gmat/warm';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { WorkerEngineConfig } from '../gmat/engine';
import { connectOptions, type ConnectionSettings } from '../temporal/connection';
import { workflowBundlePath } from './bundle';

export interface SweepWorkerOptions {
  /** Concurrent GMAT runs on this worker (default: one per CPU core). */
  concurrency?: number;
  engine?: WorkerEngineConfig;
  /** Reuse an existing connection (tests, the in-process worker of `gsweep run`). */
  connection?: NativeConnection;
  identity?: string;
}

export function defaultConcurrency(): number {
  return Math.max(1, os.availableParallelism());
}

export interface SweepWorker {
  worker: Worker;
  connection: NativeConnection;
  ownsConnection: boolean;
  /** Closes warm GmatConsoles (sends them `q`); call after the worker has stopped. */
  closeEngines: () => Promise<void>;
}

export async function createSweepWorker(settings: ConnectionSettings, options: SweepWorkerOptions = {}): Promise<SweepWorker> {
  const connection = options.connection ?? (await NativeConnection.connect(connectOptions(settings)));
  const concurrency = options.concurrency ?? defaultConcurrency();
  const warmPool = new WarmPool(path.join(os.tmpdir(), `gsweep-warm-${process.pid}`), concurrency);
  const worker = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    workflowBundle: { codePath: await workflowBundlePath() },
    activities: createActivities(options.engine, { warmPool }),
    maxConcurrentActivityTaskExecutions: concurrency,
    ...(options.identity ? { identity: options.identity } : {}),
    // A killed run is re-dispatched after the heartbeat timeout; on a graceful stop give
    // in-flight runs a moment to finish first.
    shutdownGraceTime: '5 seconds',
  });
  return { worker, connection, ownsConnection: !options.connection, closeEngines: () => warmPool.closeAll() };
}
