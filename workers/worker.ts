/** Builds a gsweep worker: a Temporal Worker with GsweepPlugin on one task queue. */
import * as os from 'node:os';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { connectOptions, DEFAULT_TASK_QUEUE, type ConnectionSettings } from '../temporal/connection';
import { GsweepPlugin, type GsweepPluginOptions } from './plugin';

/**
 * Run activities accepted per engine slot: one running GMAT, one patched and waiting, so a
 * slot never idles through a Temporal round trip (see gmat/slots.ts).
 */
const ACTIVITIES_PER_SLOT = 2;

export function defaultConcurrency(): number {
  return Math.max(1, os.availableParallelism());
}

export interface CreateWorkerOptions extends GsweepPluginOptions {
  /** Temporal connection (NativeConnection.connect({ address, ... })). */
  connection: NativeConnection;
  namespace?: string;
  /** Default `gsweep`. */
  taskQueue?: string;
  /** Concurrent GMAT runs on this worker (default: one per CPU core). */
  concurrency?: number;
  identity?: string;
  /** Further Worker options (interceptors, tuner, ...), applied before the plugin's. */
  workerOptions?: Partial<WorkerOptions>;
}

/** A Worker with gsweep's workflow and activities; `worker.run()` closes its warm consoles when it stops. */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { connection, namespace, taskQueue, concurrency, identity, workerOptions, ...plugin } = options;
  const slots = concurrency ?? defaultConcurrency();
  return Worker.create({
    ...workerOptions,
    connection,
    namespace: namespace ?? 'default',
    taskQueue: taskQueue ?? DEFAULT_TASK_QUEUE,
    maxConcurrentActivityTaskExecutions: ACTIVITIES_PER_SLOT * slots,
    ...(identity ? { identity } : {}),
    // A killed run is re-dispatched after the heartbeat timeout; on a graceful stop give
    // in-flight runs a moment to finish first.
    shutdownGraceTime: '5 seconds',
    plugins: [...(workerOptions?.plugins ?? []), new GsweepPlugin({ engineSlots: slots, ...plugin })],
  });
}

export interface SweepWorkerOptions extends GsweepPluginOptions {
  concurrency?: number;
  /** Reuse an existing connection (tests, the in-process worker of `gsweep run`). */
  connection?: NativeConnection;
  identity?: string;
}

export interface SweepWorker {
  worker: Worker;
  connection: NativeConnection;
  ownsConnection: boolean;
}

/** createWorker from connection settings (flags / TEMPORAL_* variables): what gsweep-worker runs. */
export async function createSweepWorker(settings: ConnectionSettings, options: SweepWorkerOptions = {}): Promise<SweepWorker> {
  const connection = options.connection ?? (await NativeConnection.connect(connectOptions(settings)));
  const { connection: _given, ...rest } = options;
  const worker = await createWorker({ ...rest, connection, namespace: settings.namespace, taskQueue: settings.taskQueue });
  return { worker, connection, ownsConnection: !options.connection };
}
