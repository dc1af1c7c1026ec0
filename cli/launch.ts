/**
 * Starting a sweep from the command line and following it: the request from the sweep options,
 * the lock on the output directory, the embedded Temporal server when no --address is given,
 * live progress, and the summary and exit code at the end.
 */
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { resolveInstall } from '../gmat/engine';
import { describeInstall } from '../gmat/install';
import { connectionSettings, type ConnectionSettings } from '../temporal/connection';
import { prepareRequest, RequestError, type PreparedSweep, type SweepRequest } from '../request/request';
import { acquireOutLock, workflowStateOf, type OutLock } from '../request/out-lock';
import { readRegularText, UnsafePathError } from '../output/safe-files';
import { MAX_CONTEXT_FILE_BYTES } from '../sweep/limits';
import { startSweep } from '../api/start';
import { waitForSweep, type SweepOutcome } from '../api/wait';
import { connectClient, searchAttributeNotice } from './connect';
import { EXIT_OK, EXIT_RUNS_FAILED, installInterruptHandler, interruptible, InterruptedError } from './errors';
import { withEmbeddedTemporal } from './local';
import { log } from './log';
import { cacheOption, type SweepCliOptions } from './options';
import { progressDisplay } from './progress';

/** The request the sweep options describe; the command adds its run set. */
export function baseRequest(script: string, o: SweepCliOptions): SweepRequest {
  return {
    script,
    out: o.out,
    engine: o.engine,
    engineMode: o.engineMode,
    // Only an explicit --gmat-root pins the install for every worker; otherwise each worker
    // (the embedded one included) uses its own --gmat-root / GMAT_ROOT.
    gmatRoot: o.gmatRoot,
    maxInFlight: o.maxInFlight,
    batchSeconds: o.batchSeconds,
    batchSize: o.batchSize,
    runTimeoutSeconds: o.runTimeout,
    heartbeatTimeoutSeconds: o.heartbeatTimeout,
    retry: o.retries ? { maximumAttempts: o.retries } : undefined,
    sweepId: o.sweepId,
    postprocess: o.postprocess,
    context: o.context === undefined ? undefined : readContextFile(o.context),
    cache: cacheOption(o),
    ...(o.keepLogs ? { keepLogs: true } : {}),
  };
}

function readContextFile(file: string): NonNullable<SweepRequest['context']> {
  let value: unknown;
  try {
    // A FIFO or device would block or never end: only a regular file is opened.
    value = JSON.parse(readRegularText(path.resolve(file), { followSymlink: true, what: '--context', maxBytes: MAX_CONTEXT_FILE_BYTES }));
  } catch (err) {
    if (err instanceof UnsafePathError) throw new RequestError('context', err.message);
    throw new RequestError('context', `${file}: ${(err as Error).message}; give a JSON file`);
  }
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(value) && !(Array.isArray(value) && value.every(isObject))) {
    throw new RequestError('context', `${file}: give a JSON object (for every run) or an array of objects (one per run)`);
  }
  return value as NonNullable<SweepRequest['context']>;
}

/** Prints how the sweep ended (the summary, or JSON with --json) and returns the exit code. */
export function reportOutcome(outcome: SweepOutcome, json: boolean | undefined, sweepId: string): number {
  if (json) process.stdout.write(`${JSON.stringify({ sweepId, ...outcome }, null, 2)}\n`);
  if (outcome.status !== 'completed') {
    if (!json) log(`gsweep: sweep ${sweepId} ${outcome.status}: ${outcome.message}`);
    return EXIT_RUNS_FAILED;
  }
  const s = outcome.summary;
  if (!json) {
    for (const [key, file] of Object.entries(s.tables)) process.stdout.write(`${key}: ${file}\n`);
    process.stdout.write(`manifest: ${s.manifestPath}\n`);
    log(`gsweep: ${s.ok}/${s.total} runs ok, ${s.failed} failed (sweep ${s.sweepId}, ${s.executions} workflow execution${s.executions === 1 ? '' : 's'})`);
  }
  return s.failed > 0 ? EXIT_RUNS_FAILED : EXIT_OK;
}

/** What to tell a user who interrupts the client while it follows a sweep. */
function interruptHint(prepared: PreparedSweep, workflowId: string, settings: ConnectionSettings, embedded: boolean): string {
  const out = prepared.input.context.outDir;
  if (embedded) {
    return (
      `the embedded Temporal server stops with gsweep, so sweep ${workflowId} stops here; ` +
      `\`gsweep resume ${out} --engine ${prepared.engine}\` finishes it later (runs already ok are kept)`
    );
  }
  const at = `--address ${settings.address}${settings.namespace !== 'default' ? ` --namespace ${settings.namespace}` : ''}`;
  return `sweep ${workflowId} keeps running on ${settings.address}: \`gsweep wait ${workflowId} ${at}\` reattaches, \`gsweep cancel ${workflowId} ${at}\` stops it`;
}

async function followSweep(prepared: PreparedSweep, client: Client, settings: ConnectionSettings, o: SweepCliOptions, embedded = false): Promise<number> {
  // The embedded worker polls one queue and hosts everything: a GMAT queue only means
  // something with --address, where `gsweep-worker --role gmat` hosts poll it.
  const gmatTaskQueue = embedded ? undefined : (o.gmatTaskQueue ?? process.env.GSWEEP_GMAT_TASK_QUEUE);
  const handle = await startSweep(client, prepared, { taskQueue: settings.taskQueue, namespace: settings.namespace, gmatTaskQueue });
  log(`gsweep: started sweep ${handle.workflowId}: ${prepared.input.runCount} runs -> ${prepared.input.context.outDir}`);
  if (!o.wait) {
    if (o.json) process.stdout.write(`${JSON.stringify({ sweepId: handle.workflowId, outDir: prepared.input.context.outDir })}\n`);
    else process.stdout.write(`${handle.workflowId}\n`);
    return EXIT_OK;
  }
  const display = o.json ? undefined : progressDisplay();
  try {
    // Interrupted: the long poll for the result is aborted, so nothing is left running on a closed connection.
    const abort = new AbortController();
    const outcome = await interruptible(
      waitForSweep(handle, (p) => display?.update(p), undefined, abort.signal),
      interruptHint(prepared, handle.workflowId, settings, embedded),
      () => abort.abort(),
    );
    display?.stop();
    return reportOutcome(outcome, o.json, handle.workflowId);
  } finally {
    display?.stop();
  }
}

/** Validates the request, starts the sweep and follows it; returns the exit code. */
export async function runSweepCommand(request: SweepRequest, o: SweepCliOptions): Promise<number> {
  return launchSweep(await prepareRequest(request), o);
}

/** Starts a prepared sweep on --address, or on an embedded server without one; returns the exit code. */
export async function launchSweep(prepared: PreparedSweep, o: SweepCliOptions): Promise<number> {
  installInterruptHandler(log);
  const flags = connectionSettings(o);
  if (flags.address) return launchOnServer(prepared, flags as ConnectionSettings, o);
  return launchEmbedded(prepared, o);
}

async function launchOnServer(prepared: PreparedSweep, settings: ConnectionSettings, o: SweepCliOptions): Promise<number> {
  const { outDir, sweepId } = prepared.input.context;
  const workflowId = prepared.workflowId ?? sweepId;
  const { client, close } = await connectClient(settings);
  try {
    const notice = await searchAttributeNotice(client, settings);
    if (notice) log(`gsweep: ${notice}`);
    const lock = await acquireOutLock(
      outDir,
      { sweepId, workflowId, embedded: false, address: settings.address, namespace: settings.namespace },
      (id) => workflowStateOf(client, id),
    );
    // --no-wait and Ctrl-C leave the lock to the sweep, which keeps running on the server: the
    // next client asks Temporal whether it still runs.
    let keep = false;
    try {
      const code = await followSweep(prepared, client, settings, o);
      keep = !o.wait;
      return code;
    } catch (err) {
      keep = err instanceof InterruptedError;
      throw err;
    } finally {
      if (!keep) await releaseLock(lock);
    }
  } finally {
    await close();
  }
}

async function launchEmbedded(prepared: PreparedSweep, o: SweepCliOptions): Promise<number> {
  const { outDir, sweepId } = prepared.input.context;
  const workflowId = prepared.workflowId ?? sweepId;
  // Embedded mode runs GMAT in this process's worker: find it now, not at the first run.
  const engine = { gmatRoot: o.gmatRoot ?? process.env.GMAT_ROOT };
  log(`gsweep: ${describeInstall(resolveInstall(prepared.input.context.engine, engine))}`);
  // The sweep lives and dies with this process (and its embedded server), so a lock whose
  // process is gone is stale.
  const lock = await acquireOutLock(outDir, { sweepId, workflowId, embedded: true });
  try {
    return await withEmbeddedTemporal(
      {
        server: { dbFilename: o.dbFilename, headless: !o.ui },
        concurrency: o.concurrency,
        engine,
        ...(o.scratch ? { scratch: path.resolve(o.scratch) } : {}),
        onServer: (server) => log(`gsweep: embedded Temporal dev server at ${server.address}${server.uiUrl ? `, Web UI ${server.uiUrl}` : ''}`),
      },
      ({ client, settings }) => followSweep(prepared, client, settings, { ...o, wait: true }, true),
    );
  } finally {
    await releaseLock(lock);
  }
}

/** Releases a lock, waiting for an object store's delete to finish. */
async function releaseLock(lock: OutLock): Promise<void> {
  if (lock.releaseAsync) await lock.releaseAsync().catch(() => undefined);
  else lock.release();
}
