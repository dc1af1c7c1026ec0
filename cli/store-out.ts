/**
 * What commands that read a sweep are given: the out as a Store (a directory, or
 * `s3://bucket/prefix`), which the readers of the aggregate, archive, resume and extend read
 * by key.
 */
import * as path from 'node:path';
import { openStore } from '../output/open-store';
import { describeAccessError, isS3Store, isTransient } from '../output/s3-store';
import { isS3Url, parseS3Url, StoreKeyError, type Store } from '../output/store';
import { RequestError } from '../request/request-error';

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
 * `fnChecksAccess`: `fn` checks the store's access first itself (resume and extend plans do,
 * for every caller of the API), so it is not asked of the store twice.
 */
export async function withStore<T>(out: string, fn: (store: Store) => Promise<T>, options: { fnChecksAccess?: boolean } = {}): Promise<T> {
  const store = openStore(outArgument(out));
  if (isS3Store(store) && !options.fnChecksAccess) {
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
