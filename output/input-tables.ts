/**
 * Input tables: value lists too long to travel in Temporal history (long grid axes, sample
 * rows, a resume's already-ok bitset) live in `<out>/inputs/`, written once by the client
 * before the sweep starts and paged by activities, so every payload stays small whatever
 * the sweep's size.
 *
 * A table is `<name>.jsonl` (one JSON value per line) and `<name>.idx` (count + 1 float64
 * little-endian byte offsets: line i is bytes idx[i] .. idx[i+1]-1), so any page is two
 * positioned reads. Its SHA-256 (over the .jsonl bytes, then the .idx bytes) is carried in
 * the run set; every process checks it once before reading, so a table changed after the
 * sweep started is an error, never silently different runs. The already-ok bitset is raw
 * bytes (`already-ok.bits`, bit i = run i), hashed the same way.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OK_PAGE_BYTES, type InputTableRef } from '../sweep/types';
import { writeFileAtomic } from './atomic';
import { inputsDir } from './layout';
import { openRegularFile, readRegularFile, UnsafePathError } from './safe-files';

/** JSON text per page: with the activity's envelope a page result stays far below 64 KiB. */
const PAGE_BYTES = 24 * 1024;
const PAGE_MAX_VALUES = 4096;
/** Lists whose JSON is longer than this travel as tables instead of inline (a few dozen numbers). */
export const INLINE_LIST_MAX_BYTES = 1024;

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

function tableFile(outDir: string, table: string, ext: 'jsonl' | 'idx' | 'bits'): string {
  return path.join(inputsDir(outDir), tableName(table, ext));
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

export function writeInputTable(outDir: string, encoded: EncodedTable): void {
  fs.mkdirSync(inputsDir(outDir), { recursive: true });
  for (const { ext, bytes } of encoded.files) writeFileAtomic(tableFile(outDir, encoded.ref.table, ext), bytes);
}

/** Files already hashed by this process, keyed by path, size and mtime. */
const verified = new Map<string, string>();

function stamp(file: string): string {
  const st = fs.statSync(file);
  return `${st.size}:${st.mtimeMs}`;
}

function verify(files: string[], ref: InputTableRef): void {
  const key = files.join('\0');
  const now = files.map((f) => (fs.existsSync(f) ? stamp(f) : 'missing')).join(',') + `:${ref.sha256}`;
  if (verified.get(key) === now) return;
  const missing = files.find((f) => !fs.existsSync(f));
  if (missing) throw new InputTableError(`${missing} is missing; the sweep's inputs were removed after it started (start the sweep again)`);
  const hash = createHash('sha256');
  for (const f of files) {
    try {
      hash.update(readRegularFile(f, { what: 'input table' }));
    } catch (err) {
      if (err instanceof UnsafePathError) throw new InputTableError(err.message);
      throw err;
    }
  }
  const sha = hash.digest('hex');
  if (sha !== ref.sha256) {
    throw new InputTableError(`${files[0]} changed after the sweep started (SHA-256 ${sha}, expected ${ref.sha256}); start a new sweep`);
  }
  verified.set(key, now);
}

/** Reads pages of one value table; positioned reads, so memory is one page whatever the table's size. */
export class ValueTableReader {
  private readonly jsonl: string;
  private readonly idx: string;
  private fds?: { jsonl: number; idx: number };
  private cache?: { offset: number; values: unknown[] };

  constructor(
    outDir: string,
    private readonly ref: InputTableRef,
  ) {
    this.jsonl = tableFile(outDir, ref.table, 'jsonl');
    this.idx = tableFile(outDir, ref.table, 'idx');
  }

  private open(): { jsonl: number; idx: number } {
    if (!this.fds) {
      verify([this.jsonl, this.idx], this.ref);
      this.fds = { jsonl: openRegularFile(this.jsonl), idx: openRegularFile(this.idx) };
    }
    return this.fds;
  }

  /** Values from `offset` on: as many as fit in `maxBytes` of JSON text (at least one). */
  page(offset: number, maxBytes = PAGE_BYTES, maxValues = PAGE_MAX_VALUES): unknown[] {
    const { count } = this.ref;
    if (!Number.isInteger(offset) || offset < 0 || offset >= count) {
      throw new InputTableError(`offset ${offset} is outside input table ${this.ref.table} (0..${count - 1})`);
    }
    const fds = this.open();
    const n = Math.min(maxValues, count - offset);
    const idx = Buffer.alloc((n + 1) * 8);
    fs.readSync(fds.idx, idx, 0, idx.length, offset * 8);
    const start = idx.readDoubleLE(0);
    let take = 1;
    while (take < n && idx.readDoubleLE((take + 1) * 8) - start <= maxBytes) take++;
    const end = idx.readDoubleLE(take * 8);
    const text = Buffer.alloc(end - start);
    fs.readSync(fds.jsonl, text, 0, text.length, start);
    const lines = text.toString('utf8').split('\n');
    lines.pop();
    if (lines.length !== take) throw new InputTableError(`input table ${this.ref.table} is damaged near value ${offset}`);
    return lines.map((line) => JSON.parse(line) as unknown);
  }

  /** One value, through a one-page cache (sequential access reads each page once). */
  valueAt(i: number): unknown {
    const c = this.cache;
    if (!c || i < c.offset || i >= c.offset + c.values.length) {
      this.cache = { offset: i, values: this.page(i, 1 << 20) };
      return this.cache.values[0];
    }
    return c.values[i - c.offset];
  }

  close(): void {
    if (this.fds) {
      fs.closeSync(this.fds.jsonl);
      fs.closeSync(this.fds.idx);
      this.fds = undefined;
    }
  }
}

/** Readers for every table of a run set, opened on first use. */
export class InputTables {
  private readonly readers = new Map<string, ValueTableReader>();

  constructor(private readonly outDir: string) {}

  reader(ref: InputTableRef): ValueTableReader {
    let r = this.readers.get(ref.table);
    if (!r) {
      r = new ValueTableReader(this.outDir, ref);
      this.readers.set(ref.table, r);
    }
    return r;
  }

  valueAt = (ref: InputTableRef, index: number): unknown => this.reader(ref).valueAt(index);

  close(): void {
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
  }
}

/** Bytes `offset / 8 ..` of an already-ok bitset (offset a multiple of 8), base64. */
export function readOkPage(outDir: string, ref: InputTableRef, offset: number): string {
  if (!Number.isInteger(offset) || offset < 0 || offset % 8 !== 0 || offset >= ref.count) {
    throw new InputTableError(`offset ${offset} is outside the already-ok bitset (0..${ref.count - 1}, multiples of 8)`);
  }
  const file = tableFile(outDir, ref.table, 'bits');
  verify([file], ref);
  const fd = openRegularFile(file);
  try {
    const bytes = Buffer.alloc(Math.min(OK_PAGE_BYTES, Math.ceil(ref.count / 8) - offset / 8));
    fs.readSync(fd, bytes, 0, bytes.length, offset / 8);
    return bytes.toString('base64');
  } finally {
    fs.closeSync(fd);
  }
}

/** Every input file of a run set is present and unchanged (prepareSweep calls this once per sweep). */
export function verifyInputTables(outDir: string, refs: InputTableRef[]): void {
  for (const ref of refs) {
    if (ref.table === ALREADY_OK_TABLE) verify([tableFile(outDir, ref.table, 'bits')], ref);
    else verify([tableFile(outDir, ref.table, 'jsonl'), tableFile(outDir, ref.table, 'idx')], ref);
  }
}

/** Where one file of an input table lives in `out`. */
export const inputTablePath = (outDir: string, table: string, ext: 'jsonl' | 'idx' | 'bits'): string => tableFile(outDir, table, ext);
