/**
 * What commands that read a sweep are given: the out as a Store (a directory, or
 * `s3://bucket/prefix`), which the readers of the aggregate, archive, and resume and extend
 * for every run's outcome read by key (runsOfView); and, for resume and extend, a local view
 * of the top-level files (request.json, the archived script, input tables): a private
 * temporary directory removed afterwards. A directory out is its own view.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore } from '../output/open-store';
import { pullOut } from '../output/pull';
import { describeAccessError, isS3Store, isTransient } from '../output/s3-store';
import { openRunSource, type RunSource } from '../output/run-source';
import { DirStore, isS3Url, parseS3Url, StoreKeyError, type Store } from '../output/store';
import { Workspace } from '../output/workspace';
import { RequestError } from '../request/request-error';

/** The directory a reading command works on, and how to name its files to the user. */
export interface LocalView {
  /** The directory the command reads. */
  dir: string;
  /** The out as the user named it (a directory, or `s3://bucket/prefix`). */
  out: string;
  workspace?: Workspace;
  /** How a file of the view is named to the user: itself, or its `s3://` address. */
  display(file: string): string;
}


function scratchRoot(): string {
  return path.join(os.tmpdir(), 'gsweep-scratch');
}

/** The out a command was given, normalised: `s3://` checked, a directory made absolute. */
export function outArgument(out: string): string {
  if (!isS3Url(out)) return path.resolve(out);
  try {
    return parseS3Url(out).url;
  } catch (err) {
    if (err instanceof StoreKeyError) throw new RequestError('out', err.message);
    throw err;
  }
}

/** An error the object store itself answered with, or no answer at all. */
function isStoreFailure(err: unknown): boolean {
  return (err as { $metadata?: unknown })?.$metadata !== undefined || isTransient(err);
}

/**
 * Runs `fn` on the Store of `out`. A bucket that does not exist, credentials the store
 * refuses or a store that does not answer are the user's to fix, as for any `out` that cannot
 * be read: one sentence naming the out and the fix, before anything is read or after.
 */
export async function withStore<T>(out: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(outArgument(out));
  if (isS3Store(store)) {
    try {
      await store.checkAccess();
    } catch (err) {
      throw new RequestError('out', (err as Error).message);
    }
  }
  try {
    return await fn(store);
  } catch (err) {
    if (isS3Store(store) && isStoreFailure(err)) throw new RequestError('out', describeAccessError(err, store.url, store.location.bucket));
    throw err;
  }
}

/** Runs `fn` on a local view of `out`; a store's view is removed when `fn` ends. */
export async function withLocalView<T>(out: string, fn: (view: LocalView) => Promise<T>): Promise<T> {
  const normalized = outArgument(out);
  if (!isS3Url(normalized)) return fn({ dir: normalized, out: normalized, display: (f) => f });
  const ws = Workspace.open(normalized, scratchRoot());
  try {
    try {
      const top = (key: string) => !key.includes('/') || key.startsWith('script/') || key.startsWith('inputs/');
      await pullOut(ws.store, ws.local, { filter: top });
    } catch (err) {
      throw new RequestError('out', `${normalized}: ${(err as Error).message}`);
    }
    return await fn({ dir: ws.local, out: normalized, workspace: ws, display: (f) => ws.display(f) });
  } finally {
    ws.close();
  }
}

/** Every run's outcome and tables of the view's out, read through its Store (a store's listed and fetched once). */
export async function runsOfView(view: LocalView): Promise<RunSource> {
  try {
    return await openRunSource(view.workspace?.store ?? new DirStore(view.dir));
  } catch (err) {
    throw new RequestError('out', `${view.out}: ${(err as Error).message}`);
  }
}
