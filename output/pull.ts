/**
 * `gsweep pull s3://bucket/prefix DIR`: a local copy of an out in an object store, laid out
 * exactly as a directory out, that every gsweep command and gmat-sweep's readers read. The
 * manifest's per-run paths are rewritten from the store's addresses to the copy's files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_NAME } from './layout';
import { pythonJsonDumps } from './manifest';
import { keyOf, type Store } from './store';
import { mapLimit, TRANSFER_CONCURRENCY } from './workspace';

export interface PullOptions {
  /** Only keys this accepts (default: everything but the lock). */
  filter?: (key: string) => boolean;
}

const PATH_FIELDS = ['output_paths', 'extra_outputs', 'solver_paths'] as const;

/** The manifest text with `<url>/<key>` paths made `<dir>/<key>`; anything else in it stays. */
export function localizeManifest(text: string, url: string, dir: string): string {
  const prefix = `${url}/`;
  const local = (p: unknown) => {
    if (typeof p !== 'string' || !p.startsWith(prefix)) return p;
    // The key is checked like any other: a manifest cannot point the copy outside DIR; a
    // path that is no key of the out is left as it was.
    try {
      return path.join(dir, ...keyOf('/', `/${p.slice(prefix.length)}`).split('/'));
    } catch {
      return p;
    }
  };
  const lines = text.split('\n');
  return lines
    .map((line, i) => {
      if (i === 0 || line === '') return line;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return line;
      }
      for (const field of PATH_FIELDS) {
        const paths = entry[field];
        if (paths && typeof paths === 'object') {
          entry[field] = Object.fromEntries(Object.entries(paths as Record<string, unknown>).map(([k, v]) => [k, local(v)]));
        }
      }
      if (typeof entry.log_path === 'string') entry.log_path = local(entry.log_path);
      return pythonJsonDumps(entry);
    })
    .join('\n');
}

/** Copies every object of `store` into `dir` (created; must be new or empty). Returns the number of files. */
export async function pullOut(store: Store, dir: string, options: PullOptions = {}): Promise<number> {
  const keys: string[] = [];
  for await (const e of store.list('')) {
    if (e.key === '.gsweep.lock' || e.key.startsWith('failures/')) continue;
    if (options.filter && !options.filter(e.key)) continue;
    keys.push(e.key);
  }
  fs.mkdirSync(dir, { recursive: true });
  await mapLimit(keys, TRANSFER_CONCURRENCY, async (key) => {
    await store.getFile(key, path.join(dir, ...key.split('/')));
  });
  // Failures recorded since the last aggregate: appended to the copy's failures.jsonl, in order.
  const parts: string[] = [];
  for await (const e of store.list('failures/')) parts.push(e.key);
  parts.sort();
  for (const key of parts) {
    const part = await store.get(key);
    if (part) fs.appendFileSync(path.join(dir, 'failures.jsonl'), part);
  }
  const manifest = path.join(dir, MANIFEST_NAME);
  if (fs.existsSync(manifest)) fs.writeFileSync(manifest, localizeManifest(fs.readFileSync(manifest, 'utf8'), store.url, dir));
  return keys.length;
}
