/**
 * Where a new sweep writes, checked before anything is created: its id (it names files and
 * workflows) and its output directory or `s3://` prefix, the latter by the out's Store.
 */
import * as path from 'node:path';
import { openStore } from '../output/open-store';
import { OutAccessError } from '../output/out-access';
import { isS3Url, StoreKeyError, type Store } from '../output/store';
import { describeValue } from '../sweep/overrides';
import { LOCK_NAME } from './out-lock';
import { RequestError } from './request-error';
import { DEFAULTS } from './schema';

/** A sweep id names files and workflows: letters, digits, ".", "_" and "-". */
export function checkSweepId(sweepId: string, field = 'sweepId'): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(sweepId)) {
    throw new RequestError(field, `${describeValue(sweepId)}: use letters, digits, ".", "_" and "-" (at most 200)`);
  }
}

/** The out a request that names none gets, relative to whoever prepares it. */
export function defaultOut(sweepId: string): string {
  return path.join(DEFAULTS.outRoot, sweepId);
}

/** The output directory a request names, absolute (default `gsweep-runs/<sweep id>`). */
export function requestOutDir(out: string | undefined, sweepId: string, cwd: string = process.cwd()): string {
  return path.resolve(cwd, out ?? defaultOut(sweepId));
}

/** A refusal from output/ (an out that cannot take a sweep, a malformed `s3://`) as one of the request's `out`. */
function outError(err: unknown): unknown {
  return err instanceof OutAccessError || err instanceof StoreKeyError ? new RequestError('out', err.message) : err;
}

/**
 * The out of a new sweep, checked by its Store: a directory (absolute, safe for GMAT's quoted
 * strings, writable, new or empty, not inside another sweep's), or `s3://bucket/prefix` whose
 * bucket exists, whose credentials work, and whose prefix holds nothing yet. A lone lock is
 * let through: the lock judges it (held: refused naming its sweep; stale: taken over).
 * Nothing is created.
 */
export async function checkOut(raw: string, cwd: string = process.cwd()): Promise<string> {
  let store: Store;
  try {
    store = openStore(isS3Url(raw) ? raw : path.resolve(cwd, raw), { maxAttempts: 2 });
  } catch (err) {
    throw outError(err);
  }
  await store.checkAccess({ emptyPrefix: true, ignore: [LOCK_NAME] }).catch((err: unknown) => {
    throw outError(err);
  });
  return store.url;
}
