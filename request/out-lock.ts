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
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { RequestError } from './request-error';
import { isS3Url, type Store } from '../output/store';
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
  release(): void;
  /** release, finished (an object-store lock is deleted over the network). */
  releaseAsync?(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    if (typeof j.workflowId === 'string' && typeof j.host === 'string' && Number.isInteger(j.pid)) return j as LockInfo;
  } catch {
    // unreadable: treated as held (a half-written lock belongs to a starting sweep)
  }
  return undefined;
}

/** The lock in `outDir`: undefined when there is none or it cannot be read. */
export function readOutLock(outDir: string): LockInfo | undefined {
  return readLock(path.join(outDir, LOCK_NAME));
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
 * Takes the lock of `outDir` for `info`, or throws RequestError naming the sweep that holds
 * it. `workflowState` asks the Temporal server this client uses (undefined: no server yet).
 */
export async function acquireOutLock(
  outDir: string,
  info: Omit<LockInfo, 'host' | 'pid' | 'startedAt'>,
  workflowState?: (workflowId: string) => Promise<WorkflowState>,
): Promise<OutLock> {
  if (isS3Url(outDir)) return acquireStoreLock(openStore(outDir), info, workflowState);
  // The first directory this call creates (undefined: `out` existed): a sweep that never
  // started leaves `out` as it was, so release removes what is still empty of it.
  const created = fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, LOCK_NAME);
  const mine: LockInfo = { ...info, host: os.hostname(), pid: process.pid, startedAt: new Date().toISOString() };
  const text = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, text, { flag: 'wx' });
      return {
        file,
        release: () => {
          // Only our own lock: a later sweep may have taken over a lock we left stale.
          if (readLock(file)?.pid === mine.pid && readLock(file)?.startedAt === mine.startedAt) fs.rmSync(file, { force: true });
          if (created) removeEmptyUpTo(outDir, created);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = readLock(file);
    if (!held) {
      throw new RequestError('out', `${outDir} is locked by another gsweep (${file} is unreadable); if no sweep is using it, delete ${file}`);
    }
    const stale = await isStale(held, mine, workflowState);
    if (stale !== true) {
      throw new RequestError(
        'out',
        `${outDir} is in use by ${holder(held)}; one sweep per output directory at a time: ${howToWait(held)}` +
          (stale === 'unknown' ? `; if it is no longer running, delete ${file}` : ''),
      );
    }
    // Stale: remove it and try again (another client racing us may win; then we report it).
    fs.rmSync(file, { force: true });
  }
  throw new RequestError('out', `${outDir}: could not take ${file}; another gsweep is starting a sweep there`);
}

/**
 * The same lock on an object store: `<prefix>/.gsweep.lock`, created with a conditional write
 * (If-None-Match: *), so of two clients exactly one gets it; the same stale-lock rules, and a
 * stale lock is deleted and the create tried again.
 */
async function acquireStoreLock(
  store: Store,
  info: Omit<LockInfo, 'host' | 'pid' | 'startedAt'>,
  workflowState?: (workflowId: string) => Promise<WorkflowState>,
): Promise<OutLock> {
  const where = `${store.url}/${LOCK_NAME}`;
  const mine: LockInfo = { ...info, host: os.hostname(), pid: process.pid, startedAt: new Date().toISOString() };
  const text = `${JSON.stringify(mine)}\n`;
  const readStoreLock = async (): Promise<LockInfo | undefined> => {
    try {
      const bytes = await store.get(LOCK_NAME);
      const j = bytes ? (JSON.parse(bytes.toString('utf8')) as Partial<LockInfo>) : undefined;
      if (j && typeof j.workflowId === 'string' && typeof j.host === 'string' && Number.isInteger(j.pid)) return j as LockInfo;
    } catch {
      // unreadable: held
    }
    return undefined;
  };
  const isMine = (held: LockInfo | undefined) => held?.pid === mine.pid && held.startedAt === mine.startedAt && held.host === mine.host;
  for (let attempt = 0; attempt < 3; attempt++) {
    // A create retried after a lost answer finds its own lock: that is taking it.
    if ((await store.createExclusive(LOCK_NAME, text)) || isMine(await readStoreLock())) {
      return {
        file: where,
        release: () => {
          // Only our own lock (a later sweep may have taken over one we left stale); best effort.
          void readStoreLock()
            .then((held) => (isMine(held) ? store.delete(LOCK_NAME) : undefined))
            .catch(() => undefined);
        },
        releaseAsync: async () => {
          if (isMine(await readStoreLock())) await store.delete(LOCK_NAME);
        },
      };
    }
    const held = await readStoreLock();
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
    await store.delete(LOCK_NAME);
  }
  throw new RequestError('out', `${store.url}: could not take ${where}; another gsweep is starting a sweep there`);
}

/** Removes `dir` and its parents up to `top` while they are empty (never anything with content). */
function removeEmptyUpTo(dir: string, top: string): void {
  for (let d = dir; d.length >= top.length; d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      return;
    }
    if (d === top) return;
  }
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
