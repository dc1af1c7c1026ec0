/**
 * Which run cache a run uses: the sweep's own (`--cache`, in its SweepContext), else the
 * worker's default (`GsweepPlugin({ cache })`, `gsweep-worker --cache`), else none. One
 * store object per directory per worker, so a damaged entry is reported once per worker.
 */
import { createHash } from 'node:crypto';
import { DirectoryRunCache } from '../cache/store';
import type { RunCache } from '../gmat/run-cache';
import type { PostprocessFunction } from '../postprocess/hook';
import type { PostprocessSpec, SweepContext } from '../sweep/types';

const stores = new Map<string, DirectoryRunCache>();

function storeAt(dir: string): DirectoryRunCache {
  let store = stores.get(dir);
  if (!store) {
    store = new DirectoryRunCache(dir, (key, reason) => process.stderr.write(`gsweep: run cache ${dir}: entry ${key} is damaged (${reason}); it is a miss and will be replaced\n`));
    stores.set(dir, store);
  }
  return store;
}

/**
 * The hook's part of the key. A command is its text; a function is its name and the SHA-256
 * of its source text, so editing the function (not only renaming it) makes new entries.
 */
function postprocessIdentity(spec: PostprocessSpec | undefined, hooks: Record<string, PostprocessFunction> = {}): string | null {
  if (!spec) return null;
  if ('command' in spec) return `command:${spec.command}`;
  const source = hooks[spec.hook]?.toString() ?? '';
  return `function:${spec.hook}:${createHash('sha256').update(source).digest('hex')}`;
}

export function runCacheFor(context: SweepContext, workerDefault: string | undefined, hooks?: Record<string, PostprocessFunction>): RunCache | undefined {
  const dir = context.cache ?? workerDefault;
  if (!dir) return undefined;
  return { store: storeAt(dir), scriptSha256: context.scriptSha256, postprocess: postprocessIdentity(context.postprocess, hooks) };
}
