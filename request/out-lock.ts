/**
 * One sweep per output directory at a time: `<out>/.gsweep.lock`, created exclusively by the
 * client that starts a sweep (run, resume, extend) before its workflow starts.
 *
 * A crashed client must not leave the directory locked forever, so a lock is *stale* (and
 * taken over) when what it names is provably gone:
 *  - its process ran on this host and is dead, and either it ran an embedded Temporal (the
 *    sweep died with it) or the workflow it names is closed or unknown on our server;
 *  - it came from another host and the workflow it names is closed on our server.
 * Otherwise the new sweep is refused with a message saying who holds the lock and how to
 * follow or end it. The lock is released when the client sees its sweep end; a `--no-wait`
 * start leaves it for the workflow-status check above.
 *
 * A sweep started by workflow name with a plain request takes the lock in its own
 * `gsweep.prepareRequest` activity, on a worker whose process outlives the sweep: such a lock
 * names the workflow's run id and is judged by the workflow alone (running: held; closed:
 * stale), and a retry of that same activity takes it over.
 */
import * as os from 'node:os';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { RequestError } from './request-error';
import type { Store } from '../output/store';
import { openStore } from '../output/open-store';

export const LOCK_NAME = '.gsweep.lock';

export interface LockInfo {
  sweepId: string;
  workflowId: string;
  host: string;
  pid: number;
  /** The sweep ran on an embedded dev server inside the client process. */
  embedded: boolean;
  /** Temporal address and namespace the workflow runs on (absent when embedded). */
  address?: string;
  namespace?: string;
  /** Taken by the workflow itself (gsweep.prepareRequest on a worker): its run id. */
  workflowRunId?: string;
  startedAt: string;
}

/** What a Temporal server says about a workflow id: running, closed, or not known there. */
export type WorkflowState = 'running' | 'closed' | 'unknown';

export interface OutLock {
  file: string;
  /** Starts the release (best effort); a directory's lock is gone when it returns. */
  release(): void;
  /** release, finished (an object-store lock is deleted over the network). */
  releaseAsync(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(bytes: Buffer | undefined): LockInfo | undefined {
  try {
    const j = bytes ? (JSON.parse(bytes.toString('utf8')) as Partial<LockInfo>) : undefined;
    if (j && typeof j.workflowId === 'string' && typeof j.host === 'string' && Number.isInteger(j.pid)) return j as LockInfo;
  } catch {
    // unreadable: treated as held (a half-written lock belongs to a starting sweep)
  }
  return undefined;
}

/** The lock of an out: undefined when there is none or it cannot be read. */
export async function readStoreLock(store: Store): Promise<LockInfo | undefined> {
  try {
    return parseLock(await store.get(LOCK_NAME));
  } catch {
    return undefined;
  }
}

/** What `client`'s server says about a workflow id, for judging a lock. */
export async function workflowStateOf(client: Client, workflowId: string): Promise<WorkflowState> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name === 'RUNNING' ? 'running' : 'closed';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'unknown';
    throw err;
  }
}

function holder(l: LockInfo): string {
  if (l.workflowRunId !== undefined) {
    return `sweep ${l.sweepId} (workflow ${l.workflowId}, started by workflow name, prepared by worker pid ${l.pid} on ${l.host}${l.namespace ? `, namespace ${l.namespace}` : ''}, since ${l.startedAt})`;
  }
  return `sweep ${l.sweepId} (workflow ${l.workflowId}, pid ${l.pid} on ${l.host}${l.address ? `, Temporal ${l.address}` : ', embedded Temporal'}, since ${l.startedAt})`;
}

/**
 * Takes the lock of `out` (a directory or `s3://bucket/prefix`) for `info`, or throws
 * RequestError naming the sweep that holds it. The lock is created exclusively (a directory:
 * O_EXCL; an object store: If-None-Match: *), so of two clients exactly one gets it; a stale
 * lock is deleted and the create tried again. `workflowState` asks the Temporal server this
 * client uses (undefined: no server yet).
 */
export async function acquireOutLock(
  out: string,
  info: Omit<LockInfo, 'host' | 'pid' | 'startedAt'>,
  workflowState?: (workflowId: string) => Promise<WorkflowState>,
): Promise<OutLock> {
  const store = openStore(out);
  const where = `${store.url}/${LOCK_NAME}`;
  const mine: LockInfo = { ...info, host: os.hostname(), pid: process.pid, startedAt: new Date().toISOString() };
  const text = `${JSON.stringify(mine)}\n`;
  // Byte for byte: two sweeps started by one process in the same millisecond differ in their ids.
  const isMine = (bytes: Buffer | undefined) => bytes?.toString('utf8') === text;
  for (let attempt = 0; attempt < 3; attempt++) {
    // A create retried after a lost answer finds its own lock: that is taking it.
    if ((await store.createExclusive(LOCK_NAME, text)) || isMine(await store.get(LOCK_NAME).catch(() => undefined))) {
      const releaseAsync = async () => {
        // Only our own lock: a later sweep may have taken over a lock we left stale.
        // A directory `out` this lock created goes with it while empty (DirStore): a sweep that
        // never started leaves no trace.
        await store.deleteIf(LOCK_NAME, isMine);
      };
      return {
        file: where,
        // Best effort; a directory's lock is gone when this returns (Store.deleteIf).
        release: () => void releaseAsync().catch(() => undefined),
        releaseAsync,
      };
    }
    const held = await readStoreLock(store);
    if (!held) {
      throw new RequestError('out', `${store.url} is locked by another gsweep (${where} is unreadable); if no sweep is using it, delete ${where}`);
    }
    const stale = await isStale(held, mine, workflowState);
    if (stale !== true) {
      throw new RequestError(
        'out',
        `${store.url} is in use by ${holder(held)}; one sweep per output directory at a time: ${howToWait(held)}` +
          (stale === 'unknown' ? `; if it is no longer running, delete ${where}` : ''),
      );
    }
    // Stale: remove it and try again (another client racing us may win; then we report it).
    await store.delete(LOCK_NAME);
  }
  throw new RequestError('out', `${store.url}: could not take ${where}; another gsweep is starting a sweep there`);
}

function howToWait(l: LockInfo): string {
  if (l.embedded) return `wait for that gsweep (pid ${l.pid}) to finish, or stop it with Ctrl-C`;
  const at = l.address ? ` --address ${l.address}${l.namespace && l.namespace !== 'default' ? ` --namespace ${l.namespace}` : ''}` : '';
  return `wait for it (\`gsweep wait ${l.workflowId}${at}\`) or cancel it first (\`gsweep cancel ${l.workflowId}${at}\`)`;
}

async function isStale(held: LockInfo, mine: LockInfo, workflowState?: (workflowId: string) => Promise<WorkflowState>): Promise<boolean | 'unknown'> {
  const state = () => (workflowState ? workflowState(held.workflowId).catch(() => 'unknown' as const) : Promise.resolve('unknown' as const));
  if (held.workflowRunId !== undefined) {
    // Held by a workflow, not by a process: an earlier attempt of this same workflow's
    // prepareRequest took it, or the workflow's state decides.
    if (held.workflowId === mine.workflowId && held.workflowRunId === mine.workflowRunId) return true;
    const s = await state();
    return s === 'running' ? false : s === 'closed' ? true : 'unknown';
  }
  const sameHost = held.host === os.hostname();
  if (sameHost && pidAlive(held.pid)) return false;
  if (sameHost && held.embedded) return true;
  const known = await state();
  if (known === 'running') return false;
  if (known === 'closed') return true;
  // Its process is dead on this host and our server does not know the workflow: it ran
  // elsewhere only if the lock names another server.
  return sameHost && (held.embedded || !held.address) ? true : 'unknown';
}
