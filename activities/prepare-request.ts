/**
 * A sweep started by workflow name with a plain request (any Temporal SDK: `sweepWorkflow`
 * with the JSON request as its only argument). The first execution's `gsweep.prepareRequest`
 * activity does on a worker what `startSweep` does on the client: validate the request
 * (`prepareRequest`; paths are paths on this worker), take the lock on `out`, write the start
 * files, decide whether the sweep upserts gsweep's search attributes, and return the prepared
 * SweepInput, with the workflow id as the sweep id. The workflow then goes on as for a
 * prepared input.
 */
import { describeValue } from '../sweep/overrides';
import type { PrepareRequestTask, SweepInput } from '../sweep/types';
import { openStore } from '../output/open-store';
import { acquireOutLock, LOCK_NAME, readStoreLock, type WorkflowState } from '../request/out-lock';
import { checkSweepId, prepareRequest, requestOutDir } from '../request/request';
import { RequestError } from '../request/request-error';
import { removeStartFiles, writeStartFiles } from '../request/start-files';

export interface PrepareRequestDeps {
  /** True when the namespace has gsweep's search attributes registered (the worker asks its server). */
  searchAttributes: () => Promise<boolean>;
  /** What the worker's server says about a workflow id (another sweep's lock on `out`). */
  workflowState?: (workflowId: string) => Promise<WorkflowState>;
  namespace?: string;
  /** Relative paths in the request are taken against this directory (default: the worker's). */
  cwd?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws RequestError for a bad request (final); anything else is an infrastructure failure (retried). */
export async function prepareRequestOnWorker(task: PrepareRequestTask, deps: PrepareRequestDeps): Promise<SweepInput> {
  const { request, workflowId, runId } = task;
  const cwd = deps.cwd ?? process.cwd();
  checkSweepId(workflowId, 'workflow id');
  if (isObject(request) && request.sweepId !== undefined && request.sweepId !== workflowId) {
    throw new RequestError(
      'sweepId',
      `${describeValue(request.sweepId)} differs from the workflow id ${JSON.stringify(workflowId)}; a sweep started by workflow name is identified by its workflow id: leave sweepId out or give the same`,
    );
  }
  // An earlier attempt of this activity whose worker was lost after taking the lock: undo
  // what it wrote (its lock names this very workflow run), so `out` is as it found it.
  if (isObject(request) && (request.out === undefined || (typeof request.out === 'string' && request.out !== ''))) {
    const store = openStore(requestOutDir(request.out as string | undefined, workflowId, cwd));
    const held = await readStoreLock(store);
    if (held?.workflowId === workflowId && held.workflowRunId === runId) {
      await removeStartFiles(store);
      await store.delete(LOCK_NAME);
    }
  }

  const prepared = await prepareRequest(isObject(request) ? { ...request, sweepId: workflowId } : request, cwd);
  const searchAttributes = await deps.searchAttributes().catch(() => false);
  const { outDir, sweepId } = prepared.input.context;
  const lock = await acquireOutLock(
    outDir,
    { sweepId, workflowId, embedded: false, workflowRunId: runId, ...(deps.namespace ? { namespace: deps.namespace } : {}) },
    deps.workflowState,
  );
  // The lock stays with the sweep: it is stale once the workflow has closed.
  try {
    await writeStartFiles(openStore(outDir), prepared);
  } catch (err) {
    await lock.releaseAsync().catch(() => undefined);
    throw err;
  }
  return { ...prepared.input, searchAttributes };
}
