/**
 * One-command local sweeps: an embedded `temporal server start-dev` plus an in-process
 * worker, torn down when the sweep ends.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { WorkerEngineConfig } from '../gmat/engine';
import { createSweepWorker } from '../workers/worker';
import { DEFAULT_TASK_QUEUE, type ConnectionSettings } from '../temporal/connection';
import { startDevServer, type DevServer, type DevServerOptions } from '../temporal/dev-server';

/** The embedded server, and the in-process worker that runs the sweep. */
export interface EmbeddedOptions {
  server?: DevServerOptions;
  concurrency?: number;
  engine?: WorkerEngineConfig;
  /** Scratch directory of the in-process worker (sweeps whose out is an object store). */
  scratch?: string;
  onServer?: (server: DevServer) => void;
}

/** What the sweep function gets: a client and settings for the embedded server, and its worker. */
export interface EmbeddedContext {
  client: Client;
  settings: ConnectionSettings;
  worker: Worker;
  server: DevServer;
}

/** Runs `fn` against a fresh dev server with a worker polling it; both stop when `fn` settles. */
export async function withEmbeddedTemporal<T>(options: EmbeddedOptions, fn: (ctx: EmbeddedContext) => Promise<T>): Promise<T> {
  const server = await startDevServer({ headless: true, ...options.server });
  options.onServer?.(server);
  const settings: ConnectionSettings = { address: server.address, namespace: server.namespace, taskQueue: DEFAULT_TASK_QUEUE };
  let connection: Connection | undefined;
  let native: NativeConnection | undefined;
  try {
    connection = await Connection.connect({ address: server.address });
    native = await NativeConnection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    const { worker } = await createSweepWorker(settings, {
      connection: native,
      concurrency: options.concurrency,
      engine: options.engine,
      ...(options.scratch ? { scratch: options.scratch } : {}),
    });
    // runUntil stops the worker, which closes its warm consoles (GsweepPlugin.runWorker).
    return await worker.runUntil(fn({ client, settings, worker, server }));
  } finally {
    await connection?.close();
    await native?.close();
    await server.stop();
  }
}
