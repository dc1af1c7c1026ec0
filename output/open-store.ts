/** The Store of an out: `s3://bucket/prefix` is an S3Store, anything else a directory. */
import * as path from 'node:path';
import { S3Store } from './s3-store';
import { DirStore, isS3Url, type Store } from './store';

export function openStore(out: string, options: { maxAttempts?: number } = {}): Store {
  return isS3Url(out) ? new S3Store(out, options) : new DirStore(path.resolve(out));
}
