/**
 * Input tables: value lists too long to travel in Temporal history (long grid axes, sample
 * rows, a resume's already-ok bitset) live in `<out>/inputs/`, written once by the client
 * before the sweep starts and paged by activities, so every payload stays small whatever
 * the sweep's size.
 *
 * A table is `<name>.jsonl` (one JSON value per line) and `<name>.idx` (count + 1 float64
 * little-endian byte offsets: line i is bytes idx[i] .. idx[i+1]-1), so any page is two
 * ranged reads of the out's Store. Its SHA-256 (over the .jsonl bytes, then the .idx bytes)
 * is carried in the run set; every process checks it once before reading (again when a
 * file's version changed), and a page read later is read only from the versions checked, so
 * a table changed after the sweep started is an error, never silently different runs. The already-ok bitset is raw bytes (`already-ok.bits`, bit i =
 * run i), hashed the same way.
 *
 * An object store charges a request per read, so a process keeps the bytes it checked while
 * they fit in HELD_BYTES (a table's .idx alone when only that fits): pages then cost nothing.
 */
import { createHash } from 'node:crypto';
import type { Overrides } from '../sweep/overrides';
import { expandRun, tableCells } from '../sweep/runset';
import { OK_PAGE_BYTES, type InputTableRef, type RunSet } from '../sweep/types';
import { UnsafePathError } from './safe-files';
import { displayOf, ObjectChangedError, type Store } from './store';

/** JSON text per page: with the activity's envelope a page result stays far below 64 KiB. */
const PAGE_BYTES = 24 * 1024;
const PAGE_MAX_VALUES = 4096;
/** Lists whose JSON is longer than this travel as tables instead of inline (a few dozen numbers). */
export const INLINE_LIST_MAX_BYTES = 1024;
/** Checked table bytes a process keeps across readers, all tables together; a table keeps its bytes only within half of it. */
const HELD_BYTES = 64 * 1024 * 1024;

export const ALREADY_OK_TABLE = 'already-ok';

export class InputTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputTableError';
  }
}

/** Table names are ours (`samples`, `grid-0`, `already-ok`); anything else is refused, so a name read back from history or request.json can never point outside `<out>/inputs/`. */
function tableName(table: string, ext: 'jsonl' | 'idx' | 'bits'): string {
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(table)) throw new InputTableError(`input table name ${JSON.stringify(table)} is not one gsweep writes`);
  return `${table}.${ext}`;
}

/** The store key of one file of an input table (`inputs/samples.jsonl`). */
export const inputTableKey = (table: string, ext: 'jsonl' | 'idx' | 'bits'): string => `inputs/${tableName(table, ext)}`;

/** A table encoded in memory, ready to be written (the client hashes it before anything is created). */
export interface EncodedTable {
  ref: InputTableRef;
  files: Array<{ ext: 'jsonl' | 'idx' | 'bits'; bytes: Uint8Array }>;
}

export function encodeValueTable(table: string, values: Iterable<unknown>): EncodedTable {
  const chunks: Buffer[] = [];
  const offsets: number[] = [0];
  let size = 0;
  let pending = '';
  for (const value of values) {
    const line = `${JSON.stringify(value)}\n`;
    pending += line;
    size += Buffer.byteLength(line);
    offsets.push(size);
    if (pending.length > 1 << 20) {
      chunks.push(Buffer.from(pending));
      pending = '';
    }
  }
  chunks.push(Buffer.from(pending));
  const jsonl = Buffer.concat(chunks);
  const idx = Buffer.alloc(offsets.length * 8);
  offsets.forEach((o, i) => idx.writeDoubleLE(o, i * 8));
  const sha256 = createHash('sha256').update(jsonl).update(idx).digest('hex');
  return { ref: { table, count: offsets.length - 1, sha256 }, files: [{ ext: 'jsonl', bytes: jsonl }, { ext: 'idx', bytes: idx }] };
}

export function encodeBitsTable(table: string, size: number, bytes: Uint8Array): EncodedTable {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { ref: { table, count: size, sha256 }, files: [{ ext: 'bits', bytes }] };
}

/** How a message names a file of the out: its path in a directory, its address in a store. */
function missing(store: Store, key: string): InputTableError {
  return new InputTableError(`${displayOf(store, key)} is missing; the sweep's inputs were removed after it started (start the sweep again)`);
}

const keysOf = (ref: InputTableRef): string[] =>
  ref.table === ALREADY_OK_TABLE ? [inputTableKey(ref.table, 'bits')] : [inputTableKey(ref.table, 'jsonl'), inputTableKey(ref.table, 'idx')];

/** A table this process checked against its hash, and what it keeps of its bytes. */
interface Checked {
  /** The store's versions of its files when checked, joined. */
  version: string;
  /** The same, by file: a page is read only from these (Store.getRange). */
  versions: (string | undefined)[];
  /** Every file's bytes, in the order hashed. */
  files?: Buffer[];
  /** A value table's .idx alone, when only it fits. */
  idx?: Buffer;
  held: number;
}

/** By store, hash and keys, oldest first. */
const checked = new Map<string, Checked>();
let heldBytes = 0;

function remember(id: string, versions: (string | undefined)[], files: Buffer[]): Checked {
  const version = versions.map((v) => v ?? 'missing').join(',');
  const size = files.reduce((n, f) => n + f.length, 0);
  const idx = files.length === 2 ? files[1] : undefined;
  const entry: Checked =
    size <= HELD_BYTES / 2
      ? { version, versions, files, held: size }
      : idx && idx.length <= HELD_BYTES / 2
        ? { version, versions, idx, held: idx.length }
        : { version, versions, held: 0 };
  const old = checked.get(id);
  if (old) heldBytes -= old.held;
  checked.delete(id);
  // The oldest tables give up their bytes (not their check) until this one fits.
  for (const [k, e] of checked) {
    if (heldBytes + entry.held <= HELD_BYTES) break;
    if (e.held === 0) continue;
    heldBytes -= e.held;
    checked.set(k, { version: e.version, versions: e.versions, held: 0 });
  }
  checked.set(id, entry);
  heldBytes += entry.held;
  return entry;
}

/** The table's files, read whole and checked against its hash. */
async function readChecked(store: Store, keys: string[], ref: InputTableRef): Promise<Buffer[]> {
  const files: Buffer[] = [];
  for (const key of keys) {
    let bytes: Buffer | undefined;
    try {
      bytes = await store.get(key);
    } catch (err) {
      if (err instanceof UnsafePathError) throw new InputTableError(err.message);
      throw err;
    }
    if (!bytes) throw missing(store, key);
    files.push(bytes);
  }
  const hash = createHash('sha256');
  for (const f of files) hash.update(f);
  const sha = hash.digest('hex');
  if (sha !== ref.sha256) {
    throw new InputTableError(`${displayOf(store, keys[0])} changed after the sweep started (SHA-256 ${sha}, expected ${ref.sha256}); start a new sweep`);
  }
  return files;
}

/**
 * Checks a table once per process (again when the store's version of a file changed);
 * `files` are its bytes when this call read them or the process keeps them.
 */
async function check(store: Store, keys: string[], ref: InputTableRef): Promise<{ entry: Checked; files?: Buffer[] }> {
  const id = [store.url, ref.sha256, ...keys].join('\0');
  const versions = await Promise.all(keys.map((k) => store.version(k)));
  const known = checked.get(id);
  if (known && known.version === versions.map((v) => v ?? 'missing').join(',')) return { entry: known, files: known.files };
  const files = await readChecked(store, keys, ref);
  return { entry: remember(id, versions, files), files };
}

/** Bytes of a checked table's file, from the version that was checked. */
async function checkedRange(store: Store, key: string, start: number, end: number, version: string | undefined): Promise<Buffer> {
  let bytes: Buffer | undefined;
  try {
    bytes = await store.getRange(key, start, end, version);
  } catch (err) {
    if (err instanceof ObjectChangedError) throw new InputTableError(`${displayOf(store, key)} changed after the sweep started; start a new sweep`);
    throw err;
  }
  if (!bytes) throw missing(store, key);
  return bytes;
}

/** Reads pages of one value table: a page is a slice of the bytes the process keeps, or two ranged reads. */
export class ValueTableReader {
  private readonly keys: [jsonl: string, idx: string];
  private checked?: Promise<Checked>;
  /** The page valueAt reads from. */
  private held?: { offset: number; values: unknown[] };
  /** Every value's bytes (fetchAll), or why they could not be read. */
  private whole?: { jsonl: Buffer; idx: Buffer } | InputTableError;

  constructor(
    private readonly store: Store,
    private readonly ref: InputTableRef,
  ) {
    this.keys = [inputTableKey(ref.table, 'jsonl'), inputTableKey(ref.table, 'idx')];
  }

  private open(): Promise<Checked> {
    this.checked ??= check(this.store, this.keys, this.ref).then(
      (c) => c.entry,
      (err: unknown) => {
        this.checked = undefined;
        throw err;
      },
    );
    return this.checked;
  }

  private checkOffset(offset: number): void {
    const { count } = this.ref;
    if (!Number.isInteger(offset) || offset < 0 || offset >= count) {
      throw new InputTableError(`offset ${offset} is outside input table ${this.ref.table} (0..${count - 1})`);
    }
  }

  private damaged(offset: number): InputTableError {
    return new InputTableError(`input table ${this.ref.table} is damaged near value ${offset}`);
  }

  /** Bytes `start .. end` of the .jsonl (0) or the .idx (1): kept ones, else one ranged read. */
  private async range(c: Checked, file: 0 | 1, start: number, end: number): Promise<Buffer> {
    const kept = c.files?.[file] ?? (file === 1 ? c.idx : undefined);
    if (kept) return kept.subarray(start, end);
    return checkedRange(this.store, this.keys[file], start, end, c.versions[file]);
  }

  private decode(text: Buffer, count: number, offset: number): unknown[] {
    const lines = text.toString('utf8').split('\n');
    lines.pop();
    if (lines.length !== count) throw this.damaged(offset);
    return lines.map((line) => JSON.parse(line) as unknown);
  }

  /** Values from `offset` on: as many as fit in `maxBytes` of JSON text (at least one). */
  async page(offset: number, maxBytes = PAGE_BYTES, maxValues = PAGE_MAX_VALUES): Promise<unknown[]> {
    this.checkOffset(offset);
    const c = await this.open();
    const n = Math.min(maxValues, this.ref.count - offset);
    const idx = await this.range(c, 1, offset * 8, (offset + n + 1) * 8);
    if (idx.length !== (n + 1) * 8) throw this.damaged(offset);
    const start = idx.readDoubleLE(0);
    let take = 1;
    while (take < n && idx.readDoubleLE((take + 1) * 8) - start <= maxBytes) take++;
    const end = idx.readDoubleLE(take * 8);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start) throw this.damaged(offset);
    return this.decode(await this.range(c, 0, start, end), take, offset);
  }

  /** Makes value `i` readable by valueAt: the page from `i` on, unless the reader holds it. */
  async fetch(i: number): Promise<void> {
    const h = this.held;
    if (this.whole || (h && i >= h.offset && i < h.offset + h.values.length)) return;
    this.held = { offset: i, values: await this.page(i, 1 << 20) };
  }

  /**
   * Makes every value readable by valueAt (the manifest header lists them all). A table that
   * is missing or changed is kept as the error valueAt throws: it costs the values, not the caller.
   */
  async fetchAll(): Promise<void> {
    if (this.whole) return;
    try {
      const { files } = await check(this.store, this.keys, this.ref);
      const [jsonl, idx] = files ?? (await readChecked(this.store, this.keys, this.ref));
      if (idx.length !== (this.ref.count + 1) * 8) throw this.damaged(0);
      this.whole = { jsonl, idx };
    } catch (err) {
      if (!(err instanceof InputTableError)) throw err;
      this.whole = err;
    }
  }

  /** One value, fetched before (fetch or fetchAll). */
  valueAt(i: number): unknown {
    this.checkOffset(i);
    const whole = this.whole;
    if (whole instanceof InputTableError) throw whole;
    if (whole) return this.decode(whole.jsonl.subarray(whole.idx.readDoubleLE(i * 8), whole.idx.readDoubleLE((i + 1) * 8)), 1, i)[0];
    const h = this.held;
    if (!h || i < h.offset || i >= h.offset + h.values.length) throw new Error(`value ${i} of input table ${this.ref.table} was read before it was fetched`);
    return h.values[i - h.offset];
  }
}

/** Readers for every table of a run set, made on first use. */
export class InputTables {
  private readonly readers = new Map<string, ValueTableReader>();

  constructor(private readonly store: Store) {}

  reader(ref: InputTableRef): ValueTableReader {
    let r = this.readers.get(ref.table);
    if (!r) {
      r = new ValueTableReader(this.store, ref);
      this.readers.set(ref.table, r);
    }
    return r;
  }

  /** Overrides of run `runId`, its table values fetched first; runs in order read each page once. */
  async expand(runSet: RunSet, runId: number): Promise<Overrides> {
    for (const [ref, index] of tableCells(runSet, runId)) await this.reader(ref).fetch(index);
    return expandRun(runSet, runId, this.valueAt);
  }

  /** Every value of `refs` readable by valueAt (ValueTableReader.fetchAll). */
  async fetchAll(refs: InputTableRef[]): Promise<void> {
    for (const ref of refs) await this.reader(ref).fetchAll();
  }

  /** A value fetched before (expand, fetchAll). */
  valueAt = (ref: InputTableRef, index: number): unknown => this.reader(ref).valueAt(index);

  close(): void {
    this.readers.clear();
  }
}

/** Bytes `offset / 8 ..` of an already-ok bitset (offset a multiple of 8), base64. */
export async function readOkPage(store: Store, ref: InputTableRef, offset: number): Promise<string> {
  if (!Number.isInteger(offset) || offset < 0 || offset % 8 !== 0 || offset >= ref.count) {
    throw new InputTableError(`offset ${offset} is outside the already-ok bitset (0..${ref.count - 1}, multiples of 8)`);
  }
  const key = inputTableKey(ref.table, 'bits');
  const { entry } = await check(store, [key], ref);
  const start = offset / 8;
  const end = start + Math.min(OK_PAGE_BYTES, Math.ceil(ref.count / 8) - start);
  const bytes = entry.files ? entry.files[0].subarray(start, end) : await checkedRange(store, key, start, end, entry.versions[0]);
  if (bytes.length !== end - start) throw new InputTableError(`input table ${ref.table} is damaged near value ${offset}`);
  return bytes.toString('base64');
}

/** Every input file of a run set is present and unchanged (prepareSweep calls this once per sweep). */
export async function verifyInputTables(store: Store, refs: InputTableRef[]): Promise<void> {
  for (const ref of refs) await check(store, keysOf(ref), ref);
}
