/**
 * Where a sweep's `out` lives: a directory, or a prefix in an S3-compatible object store
 * (`s3://bucket/prefix`). One small interface, two implementations (`DirStore` here,
 * `S3Store` in s3-store.ts). Keys are the relative paths of output/layout.ts joined with
 * `/` (`runs/run-3/outcome.json`, `manifest.jsonl`), checked by `checkKey`: a key read back
 * from a file can never leave the out.
 *
 * Every write is atomic as a reader sees it: a directory write goes through a temp file and
 * a rename, an object store makes an object visible only when its upload completes.
 *
 * Everything that reads or writes a sweep's files goes through here, by key: the checks made
 * before a sweep or a run starts (checkAccess; the directory checks are in out-access.ts),
 * the lock, the start files, the archived script, request.json, context.json, input tables
 * (paged with getRange), the failures log, the runs the aggregate, resume and extend read
 * (run-source.ts), and what the reading commands, report.html, archive and pull read and
 * write. Checks that only make sense for a directory (links and FIFOs refused, gsweep's own
 * sub-directories checked) live in DirStore.
 *
 * Two kinds of file are written as local files first, in a directory the Workspace
 * (workspace.ts; single-run.ts for run-one) hands out, which for a directory out is the out
 * itself, so that nothing is copied on the fast path:
 *  - a run's files: GMAT writes them itself, and run-mission its outcome.json; for a store
 *    they are uploaded afterwards (a run pack, run-pack.ts);
 *  - the aggregate's Parquet tables and manifest (the Parquet writer works on files); for a
 *    store the Workspace publishes them (multipart), the manifest last.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { appendDurably, writeFileAtomicAsync } from './atomic';
import { checkExistingSweepDir, checkNewSweepDir, checkQuotablePath, checkSingleRunDir, checkWritableDir } from './out-access';
import { checkOutTree, checkRunDirectoryPath, openRegularFile, readRegularFile } from './safe-files';

export interface StoreEntry {
  key: string;
  size: number;
}

export interface ListOptions {
  /** Only the keys directly under the prefix, none further down. */
  shallow?: boolean;
  /**
   * A directory's links, FIFOs, sockets and devices too (and, in a shallow listing, its
   * sub-directories), sized by lstat: a reader that looks for files by name then refuses them
   * (get) instead of not seeing them. An object store has none.
   */
  special?: boolean;
}

export interface GetOptions {
  /** How a refusal names the object's role ("manifest", "table"); a directory refuses links and special files. */
  what?: string;
}

export interface Store {
  /** How people see it: the directory, or `s3://bucket/prefix`. */
  readonly url: string;
  /** The directory itself for a DirStore; undefined for an object store. */
  readonly dir?: string;
  /** The object's bytes, or undefined when it does not exist. */
  get(key: string, options?: GetOptions): Promise<Buffer | undefined>;
  /**
   * Bytes `start` to `end` (exclusive) of the object, or fewer at its end; undefined when it
   * does not exist. Input tables are paged this way, a page at a time. With `version` (from
   * `version()`), an object replaced since is refused with ObjectChangedError rather than
   * read: pages of a table checked once stay pages of that table.
   */
  getRange(key: string, start: number, end: number, version?: string): Promise<Buffer | undefined>;
  /**
   * Something that changes whenever the object is replaced, so a reader can tell that bytes it
   * checked earlier are still the ones there; undefined when it does not exist. A directory's
   * is its file's size, mtime and inode; an object store's, the object's ETag.
   */
  version(key: string): Promise<string | undefined>;
  /** Writes (replaces) the object atomically. */
  put(key: string, data: string | Uint8Array): Promise<void>;
  /** Uploads a local file (multipart when large); readers see all of it or nothing. */
  putFile(key: string, file: string): Promise<void>;
  /** Streams the object into a local file (atomically); false when it does not exist. */
  getFile(key: string, file: string): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /** Every key under `prefix` (a key prefix ending in `/`, or '' for all), with sizes. */
  list(prefix: string, options?: ListOptions): AsyncIterable<StoreEntry>;
  /**
   * Adds `text` at the end of a log (`failures.jsonl`), durably. A directory appends to the
   * file; an object store cannot append, so each call is a new part next to it (appendAsPart),
   * and readLog reads the log and its parts back in order.
   */
  append(key: string, text: string): Promise<void>;
  /** Removes the object; no error when it does not exist. */
  delete(key: string): Promise<void>;
  /**
   * Removes the object when `test` accepts its bytes; false when it was absent or refused. A
   * check then a delete, not one atomic step on an object store. A directory does all of it
   * before the call returns, so a caller that cannot wait (a lock released on the way out)
   * still leaves nothing behind.
   */
  deleteIf(key: string, test: (bytes: Buffer) => boolean): Promise<boolean>;
  /** Creates the object only if it does not exist yet (If-None-Match: *); false when it existed. */
  createExclusive(key: string, data: string | Uint8Array): Promise<boolean>;
  /**
   * Makes the out ready for a sweep's runs, before the first one: a directory is created with
   * its runs/ and its own sub-directories checked; an object store needs nothing.
   */
  prepare?(): Promise<void>;
  /**
   * Checks, before a sweep writes anything, that the out can take it; throws OutAccessError
   * (out-access.ts), one sentence naming the fix. A directory: a path GMAT's quoted strings can
   * hold, names within the system's limits, and the nearest directory that exists writable; an
   * object store: the credentials work and the bucket exists. `emptyPrefix`: also refuse an out
   * that holds anything but the top-level names in `ignore` (a directory also when it is inside
   * another sweep's).
   */
  checkAccess(options?: AccessOptions): Promise<void>;
  /**
   * Refuses a directory out whose own sub-directories (runs/, inputs/, script/) are links or
   * other files, before anything reads through them; an object store has no links.
   */
  checkTree?(): void;
}

export interface AccessOptions {
  /** Refuse an out that holds anything (but the top-level names in `ignore`). */
  emptyPrefix?: boolean;
  ignore?: string[];
  /**
   * The out of one run outside a sweep (`run-one`): it must be empty, and a directory must not
   * be a link, since the run replaces its contents. An object store checks it as `emptyPrefix`.
   */
  singleRun?: boolean;
}

/** How a file of the out is named to people: its path in a directory, else its `s3://` address. */
export function displayOf(store: Store, key: string): string {
  checkKey(key);
  return store.dir !== undefined ? path.join(store.dir, ...key.split('/')) : `${store.url}/${key}`;
}

/** The object was replaced since the version a reader asked for. */
export class ObjectChangedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ObjectChangedError';
  }
}

/** A key that is not one gsweep makes inside an out. */
export class StoreKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreKeyError';
  }
}

const SEGMENT = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;

/** `a/b/c` made of plain segments (no `..`, no empty or absolute part). Returns the key. */
export function checkKey(key: string, allowEmpty = false): string {
  if (key === '' && allowEmpty) return key;
  const parts = key.split('/');
  if (parts.some((p) => !SEGMENT.test(p) || p === '.' || p === '..')) {
    throw new StoreKeyError(`${JSON.stringify(key)} is not a path gsweep writes inside an out`);
  }
  return key;
}

/** The key of a file inside a local out directory (`<dir>/runs/run-3/outcome.json` -> `runs/run-3/outcome.json`). */
export function keyOf(outDir: string, file: string): string {
  const rel = path.relative(outDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new StoreKeyError(`${file} is outside ${outDir}`);
  return checkKey(rel.split(path.sep).join('/'));
}

/** `failures.jsonl` -> `failures/`: where the parts of a log live on a store that cannot append. */
function partsPrefix(key: string): { prefix: string; ext: string } {
  const dot = key.lastIndexOf('.');
  return dot > 0 ? { prefix: `${key.slice(0, dot)}/`, ext: key.slice(dot) } : { prefix: `${key}/`, ext: '' };
}

/** Store.append for a store that cannot append: one new object per call. */
export async function appendAsPart(store: Store, key: string, text: string): Promise<void> {
  const { prefix, ext } = partsPrefix(checkKey(key));
  // Named by time, so readLog (and a last-line-wins reader) keeps the order they were written in.
  await store.put(`${prefix}${String(Date.now()).padStart(15, '0')}-${process.pid}-${Math.random().toString(36).slice(2, 10)}${ext}`, text);
}

/** A log as Store.append wrote it: the object itself, then every part written since, in order; undefined when neither exists. */
export async function readLog(store: Store, key: string, what?: string): Promise<Buffer | undefined> {
  const parts: string[] = [];
  for await (const e of store.list(partsPrefix(checkKey(key)).prefix)) parts.push(e.key);
  parts.sort();
  const chunks: Buffer[] = [];
  const whole = await store.get(key, { what });
  if (whole) chunks.push(whole);
  for (const part of parts) {
    const bytes = await store.get(part);
    if (bytes) chunks.push(bytes);
  }
  return chunks.length > 0 ? Buffer.concat(chunks) : undefined;
}

/** `s3://bucket/prefix` parsed; undefined for anything else (a local path). */
export interface S3Location {
  bucket: string;
  /** Without leading or trailing `/`; '' for the bucket's root. */
  prefix: string;
  url: string;
}

export function isS3Url(out: string): boolean {
  return /^s3:\/\//i.test(out);
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://bucket/prefix`; throws with one sentence for a malformed one. */
export function parseS3Url(out: string): S3Location {
  const m = /^s3:\/\/([^/]*)\/?(.*)$/i.exec(out);
  if (!m) throw new StoreKeyError(`${out} is not an s3://bucket/prefix address`);
  const bucket = m[1];
  if (!BUCKET.test(bucket)) {
    throw new StoreKeyError(`${out}: "${bucket}" is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens); give s3://bucket/prefix`);
  }
  const prefix = m[2].replace(/\/+$/, '');
  if (prefix !== '') {
    try {
      checkKey(prefix);
    } catch {
      throw new StoreKeyError(`${out}: the prefix "${prefix}" may hold only letters, digits, ".", "_", "-" and "/" between parts; choose another`);
    }
  }
  return { bucket, prefix, url: `s3://${bucket}${prefix ? `/${prefix}` : ''}` };
}

/** A file's version: what changes when it is rewritten or replaced. */
const versionOf = (st: fs.Stats): string => `${st.size}:${st.mtimeMs}:${st.ino}`;

/** `fn`'s result, or undefined when the file (or a directory on its way) does not exist. */
function unlessAbsent<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** A directory `out`: what output/ has always done, behind the Store interface. */
export class DirStore implements Store {
  readonly url: string;
  /** The first directory createExclusive made on the way to the out (removed again while empty). */
  private created?: string;

  constructor(readonly dir: string) {
    this.url = dir;
  }

  private file(key: string): string {
    return path.join(this.dir, ...checkKey(key).split('/'));
  }

  async get(key: string, options: GetOptions = {}): Promise<Buffer | undefined> {
    return unlessAbsent(() => readRegularFile(this.file(key), { what: options.what ?? 'file' }));
  }

  /** An open descriptor of the object's file (links and special files refused), or undefined when it does not exist. */
  private openIfPresent(key: string): number | undefined {
    return unlessAbsent(() => openRegularFile(this.file(key), { what: 'file' }));
  }

  async getRange(key: string, start: number, end: number, version?: string): Promise<Buffer | undefined> {
    const fd = this.openIfPresent(key);
    if (fd === undefined) return undefined;
    try {
      if (version !== undefined && versionOf(fs.fstatSync(fd)) !== version) throw new ObjectChangedError(`${this.file(key)} changed since it was read`);
      const buf = Buffer.alloc(Math.max(0, end - start));
      let got = 0;
      while (got < buf.length) {
        const n = fs.readSync(fd, buf, got, buf.length - got, start + got);
        if (n === 0) break;
        got += n;
      }
      return got === buf.length ? buf : buf.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
  }

  async version(key: string): Promise<string | undefined> {
    const st = unlessAbsent(() => fs.statSync(this.file(key)));
    return st && versionOf(st);
  }

  /**
   * The object's size and its first and last `n` bytes, without reading the rest (a per-run
   * table's Parquet magic); undefined when it does not exist. Only a directory can do this in
   * one open; an object store's listing gives sizes instead.
   */
  ends(key: string, n: number): { size: number; head: Buffer; tail: Buffer } | undefined {
    const fd = this.openIfPresent(key);
    if (fd === undefined) return undefined;
    try {
      const size = fs.fstatSync(fd).size;
      const head = Buffer.alloc(Math.min(n, size));
      const tail = Buffer.alloc(Math.min(n, size));
      fs.readSync(fd, head, 0, head.length, 0);
      fs.readSync(fd, tail, 0, tail.length, size - tail.length);
      return { size, head, tail };
    } finally {
      fs.closeSync(fd);
    }
  }

  async put(key: string, data: string | Uint8Array): Promise<void> {
    const file = this.file(key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomicAsync(file, data);
  }

  async putFile(key: string, source: string): Promise<void> {
    const file = this.file(key);
    if (path.resolve(file) === path.resolve(source)) return;
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await fs.promises.copyFile(source, temp);
    await fs.promises.rename(temp, file);
  }

  async getFile(key: string, target: string): Promise<boolean> {
    const file = this.file(key);
    if (path.resolve(file) === path.resolve(target)) return fs.existsSync(file);
    const fd = unlessAbsent(() => openRegularFile(file));
    if (fd === undefined) return false;
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await pipeline(fs.createReadStream('', { fd }), fs.createWriteStream(temp));
    await fs.promises.rename(temp, target);
    return true;
  }

  async exists(key: string): Promise<boolean> {
    return fs.existsSync(this.file(key));
  }

  /**
   * Refuses a directory of the out (a run's) that is a symbolic link: get() refuses a link
   * only as the file itself, and a run directory linked elsewhere would be read, and deleted
   * for a re-run, through the link.
   */
  checkDirectory(key: string): void {
    checkRunDirectoryPath(this.file(key));
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<StoreEntry> {
    const start = prefix === '' ? this.dir : this.file(prefix.replace(/\/$/, ''));
    const { shallow = false, special = false } = options;
    const walk = async function* (dir: string, rel: string): AsyncIterable<StoreEntry> {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        const file = path.join(dir, e.name);
        // Links and special files are never followed (safe-files.ts).
        if (e.isDirectory() && !shallow) yield* walk(file, key);
        else if (e.isFile()) yield { key, size: fs.statSync(file).size };
        else if (special) yield { key, size: fs.lstatSync(file).size };
      }
    };
    yield* walk(start, prefix.replace(/\/$/, ''));
  }

  async append(key: string, text: string): Promise<void> {
    appendDurably(this.file(key), text);
  }

  async delete(key: string): Promise<void> {
    const file = this.file(key);
    await fs.promises.rm(file, { force: true });
    this.prune(file);
  }

  deleteIf(key: string, test: (bytes: Buffer) => boolean): Promise<boolean> {
    // Synchronous on purpose: done before the promise is returned (Store.deleteIf).
    try {
      const file = this.file(key);
      const bytes = unlessAbsent(() => readRegularFile(file, { what: 'file' }));
      if (bytes === undefined || !test(bytes)) return Promise.resolve(false);
      fs.rmSync(file, { force: true });
      this.prune(file);
      return Promise.resolve(true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * As in an object store, a directory inside the out lasts only while it holds something, and
   * so does the out itself when this store created it (a lock taken for a sweep that never
   * started): a start that removes what it wrote leaves the file system as it found it.
   */
  private prune(file: string): void {
    const stop = this.created === undefined ? this.dir : path.dirname(this.created);
    for (let dir = path.dirname(file); dir !== stop && dir.length > stop.length; dir = path.dirname(dir)) {
      try {
        fs.rmdirSync(dir);
      } catch {
        return;
      }
    }
  }

  async checkAccess(options: AccessOptions = {}): Promise<void> {
    checkQuotablePath(this.dir);
    if (options.singleRun) checkSingleRunDir(this.dir, 'link');
    checkWritableDir(this.dir);
    if (options.singleRun) checkSingleRunDir(this.dir, 'empty');
    else if (options.emptyPrefix) checkNewSweepDir(this.dir, options.ignore ?? []);
  }

  /**
   * The out of a sweep that already ran, before it is resumed or extended: see
   * checkExistingSweepDir. An object store has no links or enclosing sweeps to refuse.
   */
  checkExisting(): void {
    checkExistingSweepDir(this.dir);
  }

  checkTree(): void {
    checkOutTree(this.dir);
  }

  async prepare(): Promise<void> {
    checkOutTree(this.dir);
    await fs.promises.mkdir(path.join(this.dir, 'runs'), { recursive: true });
  }

  async createExclusive(key: string, data: string | Uint8Array): Promise<boolean> {
    const file = this.file(key);
    const made = await fs.promises.mkdir(path.dirname(file), { recursive: true });
    // Only the out itself or a parent of it: what a lock's release may remove again.
    if (made !== undefined && this.created === undefined && !path.relative(made, this.dir).startsWith('..')) this.created = made;
    try {
      await fs.promises.writeFile(file, data, { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }
}
