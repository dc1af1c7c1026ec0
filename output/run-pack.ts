/**
 * Run packs: how the runs of a batch reach an object store. A batch uploads the files of the
 * runs it finished in the last few seconds as one tar object, `packs/<stamp>-<first>-<last>.tar`,
 * with entries `run-<id>/<file>` (`tar -x` inside `runs/` gives the directory layout). On an
 * object store every request costs CPU on both ends (about 2 ms a PUT, 1.3 ms a GET with the
 * AWS SDK and SeaweedFS on one machine), so two or three objects per run of a few
 * milliseconds of GMAT would cost a sweep a quarter of its time; one pack per few seconds
 * costs nothing measurable.
 *
 * When a run appears in several packs (a resumed run, a batch retried after its pack was
 * uploaded), the pack with the latest stamp holds its current files, and a pack beats a
 * per-run object (`runs/run-<id>/...`, written one at a time by `run-one` and by sweeps that
 * began before batches). The stamp is the uploader's clock in milliseconds, zero-padded, so
 * the keys sort in the order the packs were written.
 *
 * A pack read back is data: its entries must be regular files named `run-<id>/<name>` with
 * `<id>` inside the range its key names and a plain file name; anything else refuses the pack.
 */
import { Readable } from 'node:stream';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import { checkKey, StoreKeyError } from './store';

export const PACKS_PREFIX = 'packs/';

export interface PackedFile {
  runId: number;
  name: string;
  data: Buffer;
}

/** An entry of a pack read back: its size always, its bytes when they were asked for. */
export interface PackEntry {
  runId: number;
  name: string;
  size: number;
  data?: Buffer;
}

export interface PackKey {
  key: string;
  stamp: string;
  first: number;
  last: number;
}

/** A pack that is not one gsweep writes. */
export class PackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackError';
  }
}

/** The packs of a listing, oldest first (the order in which later ones replace a run's files). */
export function packsInOrder(keys: Iterable<string>): PackKey[] {
  const packs: PackKey[] = [];
  for (const key of keys) {
    const k = parsePackKey(key);
    if (k) packs.push(k);
  }
  return packs.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0));
}

/** `packs/<stamp>-<first>-<last>.tar` for the runs `first..last`, stamped now. */
export function packKey(first: number, last: number, now: number = Date.now()): string {
  const stamp = `${String(now).padStart(15, '0')}${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}`;
  return `${PACKS_PREFIX}${stamp}-${first}-${last}.tar`;
}

/** The parts of a pack's key; undefined for any other key. */
export function parsePackKey(key: string): PackKey | undefined {
  const m = /^packs\/([0-9]{15}[a-z0-9]{6})-(\d{1,15})-(\d{1,15})\.tar$/.exec(key);
  if (!m) return undefined;
  const first = Number(m[2]);
  const last = Number(m[3]);
  return last >= first ? { key, stamp: m[1], first, last } : undefined;
}

/** The tar bytes of `files` (in the order given: each run's outcome.json after its tables). */
export async function encodePack(files: PackedFile[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const f of files) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: `run-${f.runId}/${checkKey(f.name)}`, size: f.data.length, mode: 0o644, mtime: new Date(0) }, f.data, (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * The entries of a pack, checked against its key's range. `want` picks which entries' bytes
 * are kept (the others are skipped without holding them); every entry is still checked.
 */
export async function decodePack(bytes: Buffer, key: PackKey, want: (runId: number, name: string) => boolean = () => true): Promise<PackEntry[]> {
  const files: PackEntry[] = [];
  const extract = tarExtract();
  Readable.from([bytes]).pipe(extract);
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      const m = /^run-(\d{1,15})\/([^/]+)$/.exec(name);
      const runId = m ? Number(m[1]) : NaN;
      if (type !== 'file' || !m || runId < key.first || runId > key.last || !plainName(m[2])) {
        entry.resume();
        throw new PackError(`${key.key}: the entry ${JSON.stringify(name)} is not a run's file of runs ${key.first}-${key.last}`);
      }
      if (!want(runId, m[2])) {
        entry.resume();
        await new Promise<void>((r) => entry.on('end', () => r()));
        files.push({ runId, name: m[2], size: entry.header.size ?? 0 });
        continue;
      }
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      const data = Buffer.concat(parts);
      files.push({ runId, name: m[2], size: data.length, data });
    }
  } catch (err) {
    if (err instanceof PackError) throw err;
    throw new PackError(`${key.key} is not a readable pack: ${(err as Error).message}`);
  }
  return files;
}

function plainName(name: string): boolean {
  try {
    checkKey(name);
    return true;
  } catch (err) {
    if (err instanceof StoreKeyError) return false;
    throw err;
  }
}
