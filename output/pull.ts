/**
 * `gsweep pull s3://bucket/prefix DIR`: a local copy of an out in an object store, laid out
 * exactly as a directory out, that every gsweep command and gmat-sweep's readers read. The
 * manifest's per-run paths are rewritten from the store's addresses to the copy's files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_NAME, runDir } from './layout';
import { pythonJsonDumps } from './manifest';
import { keyOf, type Store, type StoreEntry } from './store';
import { decodePack, PACKS_PREFIX, packsInOrder, type PackEntry } from './run-pack';
import { mapLimit, mapOrdered, TRANSFER_CONCURRENCY } from './transfers';

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

/** What a copy of an out holds: every key but the lock and the failure parts, with the packs apart. */
export interface OutListing {
  keys: StoreEntry[];
  packKeys: string[];
}

/** Lists the out once: its keys (those `filter` accepts, default all) and its packs. */
export async function listOut(store: Store, filter?: (key: string) => boolean): Promise<OutListing> {
  const keys: StoreEntry[] = [];
  const packKeys: string[] = [];
  for await (const e of store.list('')) {
    if (e.key.startsWith(PACKS_PREFIX)) {
      if (!filter || filter(e.key)) packKeys.push(e.key);
      continue;
    }
    if (e.key === '.gsweep.lock' || e.key.startsWith('failures/')) continue;
    if (filter && !filter(e.key)) continue;
    keys.push(e);
  }
  return { keys, packKeys };
}

/**
 * The packs' run files, pack by pack in the order they were written: `apply` gets each pack's
 * entries, with the bytes of those `want` accepts. A run's files in a later pack replace all
 * its earlier ones, and those stored on their own (run-pack.ts): `apply` replaces a run whole.
 */
export async function readPacks(
  store: Store,
  packKeys: string[],
  apply: (entries: PackEntry[]) => void | Promise<void>,
  want?: (runId: number, name: string) => boolean,
): Promise<void> {
  await mapOrdered(packsInOrder(packKeys), TRANSFER_CONCURRENCY / 4, (k) => store.get(k.key), async (k, bytes) => {
    if (!bytes) return;
    await apply(await decodePack(bytes, k, want));
  });
}

/** Copies every object of `store` into `dir` (created; must be new or empty). Returns the number of objects copied (a pack counts once). */
export async function pullOut(store: Store, dir: string): Promise<number> {
  const { keys, packKeys } = await listOut(store);
  fs.mkdirSync(dir, { recursive: true });
  await mapLimit(keys, TRANSFER_CONCURRENCY, async ({ key }) => {
    await store.getFile(key, path.join(dir, ...key.split('/')));
  });
  await readPacks(store, packKeys, (entries) => {
    for (const id of new Set(entries.map((e) => e.runId))) fs.rmSync(runDir(dir, id), { recursive: true, force: true });
    for (const e of entries) {
      fs.mkdirSync(runDir(dir, e.runId), { recursive: true });
      fs.writeFileSync(path.join(runDir(dir, e.runId), e.name), e.data!);
    }
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
  return keys.length + packKeys.length;
}
