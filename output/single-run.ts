/**
 * Where a run outside a sweep (`run-one`) executes. GMAT writes its files into a local
 * directory itself, so a directory out is used as that directory (nothing to copy); for an
 * object-store out the run executes in a private scratch directory whose files go up to the
 * store afterwards, outcome.json last so that a reader never sees an outcome before its
 * tables, and the scratch goes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_FILES } from './layout';
import { isS3Store } from './s3-store';
import type { Store } from './store';

export interface SingleRunDirectory {
  /** The local directory GMAT runs in. */
  readonly dir: string;
  /** Uploads what the run wrote (a no-op for a directory out). */
  publish(): Promise<void>;
  /** How a file of the run is named to people: itself, or its `s3://` address. */
  nameOf(file: string): string;
  /** Removes the scratch (never a directory out). */
  close(): void;
}

export function openSingleRun(store: Store, scratch: string = os.tmpdir()): SingleRunDirectory {
  if (store.dir !== undefined) {
    const dir = store.dir;
    return { dir, publish: async () => undefined, nameOf: (file) => file, close: () => undefined };
  }
  const root = fs.mkdtempSync(path.join(scratch, 'gsweep-run-one-'));
  const dir = path.join(root, 'run');
  return {
    dir,
    async publish() {
      const files = fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];
      for (const name of files.filter((n) => n !== RUN_FILES.outcome)) await store.putFile(name, path.join(dir, name));
      if (files.includes(RUN_FILES.outcome)) await store.putFile(RUN_FILES.outcome, path.join(dir, RUN_FILES.outcome));
    },
    nameOf: (file) => (isS3Store(store) ? store.urlOf(path.basename(file)) : `${store.url}/${path.basename(file)}`),
    close: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
