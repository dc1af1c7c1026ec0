/**
 * Starting a sweep from code: validate the request, write the files it starts with (or upload
 * them to an object store), start the sweep workflow. The CLI's `run` commands call this too.
 */
import * as fs from 'node:fs';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { scriptKey } from '../output/layout';
import type { SweepInput } from '../sweep/types';
import { sweepMemo } from '../sweep/types';
import { sweepWorkflow } from '../workflows';
import { prepareRequest, type PreparedSweep, type SweepRequest } from '../request/request';
import { RequestError } from '../request/request-error';
import { writeStartFiles } from '../request/start-files';
import { DEFAULT_TASK_QUEUE } from '../temporal/connection';
import { openStore } from '../output/open-store';
import { displayOf } from '../output/store';
import { sweepSearchAttributesRegistered } from '../temporal/search-attributes-admin';
import type { SweepHandle } from './handle';

/**
 * True when the namespace has gsweep's search attributes registered (so upserts cannot fail).
 * Asked of the operator API, else of visibility (temporal/search-attributes-admin.ts), so a
 * namespace an admin prepared keeps its attributes even when the caller has no operator rights.
 */
export async function hasSweepSearchAttributes(client: Client, namespace: string): Promise<boolean> {
  return sweepSearchAttributesRegistered(client.connection, namespace);
}

/** Where and how `startSweep` starts a sweep; every field is optional. */
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
 * planResume) is started as is. Throws RequestError when the sweep id is already taken (what
 * it wrote is removed again), and the client's own errors when the server cannot be reached.
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
  // there too (a directory's is archived by prepareSweep, which checks it against the hash). A
  // resumed sweep's script is the copy archived in the store already (scriptPath its address).
  const key = scriptKey(context.scriptName);
  const upload = store.dir === undefined && context.scriptPath !== displayOf(store, key);
  const written = await writeStartFiles(store, {
    ...prepared,
    ...(upload ? { script: { key, bytes: () => fs.readFileSync(context.scriptPath) } } : {}),
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

