/**
 * Programmatic client API: start a validated sweep, follow it, cancel it, resume it. The CLI
 * is a thin layer over these functions; the package exports them (client/index.ts).
 */
import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { manifestPath, scriptKey } from '../output/layout';
import { parseManifest } from '../output/manifest';
import { sweepMemo, type BatchProgress, type SweepInput, type SweepProgress, type SweepSummary } from '../sweep/sweep';
import { progressQuery, setMaxInFlightUpdate, sweepWorkflow } from '../workflows';
import { prepareRequest, type PreparedSweep, type SweepRequest } from '../request/request';
import { RequestError } from '../request/request-error';
import { writeStartFiles } from '../request/start-files';
import type { EngineChoice } from './request-file';
import { planResume, type ResumeOptions } from './resume';
import { DEFAULT_TASK_QUEUE } from '../temporal/connection';
import { readRegularText } from '../output/safe-files';
import { openStore } from '../output/open-store';
import { sweepSearchAttributesRegistered } from '../temporal/search-attributes-admin';

/** temporal.api.enums.v1.PendingActivityState: a worker has the activity (STARTED, CANCEL_REQUESTED). */
const PENDING_STARTED = 2;
const PENDING_CANCEL_REQUESTED = 3;

export type SweepHandle = WorkflowHandle<typeof sweepWorkflow>;

/**
 * True when the namespace has gsweep's search attributes registered (so upserts cannot fail).
 * Asked of the operator API, else of visibility (temporal/search-attributes-admin.ts), so a
 * namespace an admin prepared keeps its attributes even when the caller has no operator rights.
 */
export async function hasSweepSearchAttributes(client: Client, namespace: string): Promise<boolean> {
  return sweepSearchAttributesRegistered(client.connection, namespace);
}

export interface StartOptions {
  /** Task queue the gsweep workers poll (default `gsweep`). */
  taskQueue?: string;
  /** Default: the client's namespace. */
  namespace?: string;
  /** Task queue of the GMAT runs when GMAT hosts poll their own (workers with role `gmat`); default: `taskQueue`. */
  gmatTaskQueue?: string;
  /** Directory relative paths in the request are taken against (default: process.cwd()). */
  cwd?: string;
}

function isPrepared(request: SweepRequest | PreparedSweep): request is PreparedSweep {
  return typeof request === 'object' && request !== null && 'input' in request;
}

/**
 * Validates the request against the script and the filesystem (RequestError names the field,
 * the value and the fix; nothing is created), hashes the script, writes long value lists
 * (sample rows, long grid axes, a resume's already-ok bitset) to `<out>/inputs/`, and starts
 * the sweep workflow. A PreparedSweep (prepareRequest,
 * planResume) is started as is.
 */
export async function startSweep(client: Client, request: SweepRequest | PreparedSweep, options: StartOptions = {}): Promise<SweepHandle> {
  const prepared = isPrepared(request) ? request : await prepareRequest(request, options.cwd);
  const input: SweepInput = {
    ...prepared.input,
    searchAttributes: await hasSweepSearchAttributes(client, options.namespace ?? client.options.namespace),
    ...(options.gmatTaskQueue ? { gmatTaskQueue: options.gmatTaskQueue } : {}),
  };
  const { context } = input;
  const store = openStore(context.outDir);
  // Written once, before the workflow exists; the run set carries their hashes. A sweep that
  // is refused (say, its id is taken) removes what it wrote here, so `out` stays as it was.
  // Workers cannot read this client's disk when the out is an object store: its script goes
  // there too (a directory's is archived by prepareSweep, which checks it against the hash).
  const written = await writeStartFiles(store, {
    ...prepared,
    ...(store.dir === undefined ? { script: { key: scriptKey(context.scriptName), bytes: () => fs.readFileSync(context.scriptPath) } } : {}),
  });
  try {
    return await startWorkflow(client, prepared, input, options);
  } catch (err) {
    await written.remove().catch(() => undefined);
    throw err;
  }
}

async function startWorkflow(client: Client, prepared: PreparedSweep, input: SweepInput, options: StartOptions): Promise<SweepHandle> {
  const { context } = input;
  try {
    return await client.workflow.start(sweepWorkflow, {
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      workflowId: prepared.workflowId ?? context.sweepId,
      args: [input],
      memo: sweepMemo(input),
      staticSummary: `gsweep ${input.runSet.kind} of ${context.scriptName}: ${input.runCount} runs`,
      staticDetails: `out: ${context.outDir}\nscript: ${context.scriptPath} (sha256 ${context.scriptSha256})\nengine: ${context.engine.kind}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new RequestError('sweepId', `a sweep with id ${prepared.workflowId ?? context.sweepId} already exists on this Temporal server; give another --sweep-id`);
    }
    throw err;
  }
}

export function sweepHandle(client: Client, sweepId: string): SweepHandle {
  return client.workflow.getHandle<typeof sweepWorkflow>(sweepId);
}

/** The handle of a sweep by its id (the workflow id): `result()`, `describe()`, and the functions below. */
export const getSweep = sweepHandle;

/**
 * Asks the sweep to stop: in-flight runs are cancelled (their GMAT processes killed) and the
 * aggregate of the finished runs is written. `waitForSweep` follows it to the end.
 */
export async function cancelSweep(handle: SweepHandle): Promise<void> {
  await handle.cancel();
}

/**
 * Starts a new sweep on an existing output directory that runs only what is missing (runs
 * without an ok outcome.json); the directory's request.json says what the sweep was.
 */
export async function resumeSweep(
  client: Client,
  outDir: string,
  options: Omit<StartOptions, 'cwd'> &
    ResumeOptions & {
      /** The engine to resume with (default real GMAT): taken from the caller, never from the directory. */
      engine?: EngineChoice;
    } = {},
): Promise<SweepHandle> {
  // The engine and a postprocess hook come from the caller again: never read back from `out`.
  const { postprocess, engine, ...start } = options;
  const plan = planResume(path.resolve(outDir), engine ?? { engine: 'gmat' }, { postprocess });
  return startSweep(client, { input: plan.input, engine: plan.input.context.engine.kind, workflowId: plan.workflowId, inputTables: plan.inputTables }, start);
}

/**
 * Where the sweep stands, counted in runs. The workflow knows the runs of finished batches;
 * runs finished inside batches still in flight are in those activities' heartbeat details,
 * which DescribeWorkflowExecution returns. The query goes first, so a batch that finishes in
 * between is missed for one poll rather than counted twice. `running` is the batches a worker
 * has started (each has one run in progress); batches still in the task queue are pending.
 */
export async function sweepProgress(handle: SweepHandle): Promise<SweepProgress> {
  const progress = await handle.query(progressQuery);
  if (!progress.batches) return progress;
  const { raw } = await handle.describe();
  let ok = 0;
  let failed = 0;
  let started = 0;
  for (const activity of raw.pendingActivities ?? []) {
    if (Number(activity.state) === PENDING_STARTED || Number(activity.state) === PENDING_CANCEL_REQUESTED) started++;
    const payloads = activity.heartbeatDetails?.payloads;
    if (!payloads?.length) continue;
    const details = await decodeFromPayloadsAtIndex<Partial<BatchProgress>>(handle.client.options.loadedDataConverter, 0, payloads).catch(() => undefined);
    if (typeof details?.ok !== 'number' || typeof details.failed !== 'number') continue;
    ok += details.ok + (details.skipped ?? 0);
    failed += details.failed;
  }
  const finished = Math.min(ok + failed, progress.pending + progress.running);
  const running = Math.min(started, progress.running);
  return {
    ...progress,
    ok: progress.ok + ok,
    failed: progress.failed + failed,
    running,
    pending: Math.max(0, progress.pending + progress.running - finished - running),
  };
}

export async function setMaxInFlight(handle: SweepHandle, value: number): Promise<number> {
  try {
    return await handle.executeUpdate(setMaxInFlightUpdate, { args: [value] });
  } catch (err) {
    // The SDK's own message is only "Workflow Update failed"; the validator's is the cause.
    if (err instanceof WorkflowUpdateFailedError && err.cause) throw new Error(err.cause.message);
    throw err;
  }
}

export type SweepOutcome =
  | { status: 'completed'; summary: SweepSummary }
  | { status: 'cancelled' | 'failed' | 'terminated' | 'timed-out'; message: string };

/**
 * The most specific message in a failure chain: an ApplicationFailure's own message, not the
 * SDK's wrappers ("Workflow execution failed", "Activity task failed").
 */
export function rootCauseMessage(err: unknown): string {
  let e: unknown = err;
  let best = err instanceof Error ? err.message : String(err);
  while (e instanceof Error) {
    if (e instanceof ApplicationFailure) return e.message;
    if (!(e instanceof WorkflowFailedError) && !(e instanceof ActivityFailure)) best = e.message;
    e = (e as Error & { cause?: unknown }).cause;
  }
  return best;
}

/** Waits for the sweep (following continue-as-new), calling `onProgress` about twice a second. */
export async function waitForSweep(
  handle: SweepHandle,
  onProgress?: (progress: SweepProgress) => void,
  pollMs = 500,
  /** Aborts the waiting (Ctrl-C): every call to the server is cancelled. */
  signal?: AbortSignal,
): Promise<SweepOutcome> {
  /**
   * Runs one server call under its own signal, linked to `signal`. The SDK adds an 'abort'
   * listener to the signal of every call it makes and never removes it, so one signal shared
   * by a poll every 500 ms piles them up (a MaxListenersExceededWarning after 10 polls, and
   * memory that grows with the sweep's length).
   */
  const scoped = <T>(fn: () => Promise<T>, longPolls = false): Promise<T> => {
    if (!signal) return fn();
    const own = new AbortController();
    // handle.result() is one call here but a chain of long polls inside, each adding its one
    // listener; each lasts up to the server's long-poll timeout, so they grow by a few a minute.
    if (longPolls) setMaxListeners(0, own.signal);
    const forward = () => own.abort();
    if (signal.aborted) own.abort();
    else signal.addEventListener('abort', forward, { once: true });
    return handle.client.withAbortSignal(own.signal, fn).finally(() => signal.removeEventListener('abort', forward));
  };
  let finished = false;
  const poller = (async () => {
    while (!finished && !signal?.aborted) {
      try {
        onProgress?.(await scoped(() => sweepProgress(handle)));
      } catch {
        // Between continue-as-new executions or while a worker restarts, queries can fail briefly.
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  })();
  try {
    const summary = await scoped(() => handle.result(), true);
    return { status: 'completed', summary };
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const description = await scoped(() => handle.describe());
      const status = description.status.name;
      if (status === 'CANCELLED') return { status: 'cancelled', message: 'the sweep was cancelled' };
      if (status === 'TERMINATED') return { status: 'terminated', message: 'the sweep was terminated' };
      if (status === 'TIMED_OUT') return { status: 'timed-out', message: 'the sweep timed out' };
      return { status: 'failed', message: rootCauseMessage(err) };
    }
    throw err;
  } finally {
    finished = true;
    await poller;
  }
}

/** Summary of a finished sweep read from its manifest (works without Temporal). */
export function readManifestSummary(outDir: string): { header: Record<string, unknown>; counts: Record<string, number> } {
  const { header, entries } = parseManifest(readRegularText(manifestPath(outDir), { what: 'manifest' }));
  const counts: Record<string, number> = {};
  for (const entry of entries.values()) counts[entry.status] = (counts[entry.status] ?? 0) + 1;
  return { header, counts };
}
