/**
 * Commands that read a sweep work on an `s3://` out through a local view of it: a private
 * temporary directory holding the objects the command reads (the aggregate tables,
 * manifest, request.json, ...; every run's files only for commands that need them),
 * removed afterwards. A directory out is its own view. The runs' outcomes (resume, extend)
 * are read through the out's Store instead (runsOfView).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { pullOut } from '../output/pull';
import { openRunSource, type RunSource } from '../output/run-source';
import { DirStore, isS3Url, parseS3Url, StoreKeyError } from '../output/store';
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

/** What a command reads: the top-level files (aggregate), or all (archive). */
export type ViewScope = 'aggregate' | 'all';

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

/** Runs `fn` on a local view of `out`; a store's view is removed when `fn` ends. */
export async function withLocalView<T>(out: string, scope: ViewScope, fn: (view: LocalView) => Promise<T>): Promise<T> {
  const normalized = outArgument(out);
  if (!isS3Url(normalized)) return fn({ dir: normalized, out: normalized, display: (f) => f });
  const ws = Workspace.open(normalized, scratchRoot());
  try {
    try {
      if (scope === 'all') {
        await pullOut(ws.store, ws.local);
      } else {
        const top = (key: string) => !key.includes('/') || key.startsWith('script/') || key.startsWith('inputs/');
        await pullOut(ws.store, ws.local, { filter: top });
      }
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
