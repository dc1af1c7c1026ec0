/**
 * The run cache on a directory: entries keyed by cache/key.ts, each a directory of files with
 * an `entry.json` that carries every file's SHA-256.
 *
 *   <cache>/v1/entries/<key[0..2]>/<key>/   entry.json + the run's files (published whole)
 *   <cache>/v1/incoming/<key>.<pid>.<rand>/ an entry being written (never read)
 *   <cache>/v1/discarded/                   entries on their way out (damaged, pruned)
 *
 * The cache is data, never instructions: entry.json is checked against a strict schema and
 * its own checksum, file names are plain names (never paths), files must be regular files
 * whose size and SHA-256 match, and nothing read back chooses a program or a path outside
 * the entry. A damaged entry is a miss and is replaced by the next store of its key.
 *
 * Concurrent writers never expose a half-written entry: an entry is built in `incoming/` and
 * renamed into place in one step; a rename that finds the key present keeps the present entry
 * when it is whole (both hold the same result) and replaces it when it is damaged. A writer
 * killed half-way leaves only an `incoming/` directory, which prune removes.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { canonicalJson, CACHE_KEY_RE } from './key';

const LAYOUT_VERSION = 'v1';
const ENTRY_FILE = 'entry.json';
const ENTRY_FORMAT = 'gsweep-run-cache-entry' as const;
/** An `incoming/` directory this old belongs to a writer that died (a store takes milliseconds). */
const STALE_INCOMING_MS = 60 * 60 * 1000;

/** A file of an entry: a plain name, or one level below `extra/` (the postprocess hook's files). */
export const ENTRY_FILE_NAME = /^(?:extra\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

const fileSchema = z.object({ size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict();
const recordSchema = z
  .object({
    format: z.literal(ENTRY_FORMAT),
    version: z.literal(1),
    key: z.string().regex(CACHE_KEY_RE),
    created_at: z.string(),
    /** Where the result was made: shown to the user, never used to find anything. */
    from: z.record(z.string(), z.union([z.string(), z.number()])),
    files: z.record(z.string().regex(ENTRY_FILE_NAME).refine((n) => n !== ENTRY_FILE, 'is reserved'), fileSchema),
    /** The caller's description of the result (gmat/run-cache.ts validates it). */
    result: z.unknown(),
    /** SHA-256 of the canonical JSON of every other field. */
    check: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export type EntryRecord = z.infer<typeof recordSchema>;

export interface CacheEntry {
  key: string;
  /** The entry's directory (its files are `path.join(dir, name)`). */
  dir: string;
  record: EntryRecord;
}

export type CacheLookup = { kind: 'hit'; entry: CacheEntry } | { kind: 'miss' } | { kind: 'damaged'; reason: string };

export interface CacheStats {
  root: string;
  entries: number;
  bytes: number;
  /** Unfinished stores: writers at work now, or killed (removed by prune once stale). */
  incoming: number;
  oldestUseMs: number | null;
  newestUseMs: number | null;
}

export interface PruneResult {
  removed: number;
  freedBytes: number;
  kept: number;
  keptBytes: number;
  staleIncoming: number;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const recordCheck = (record: Omit<EntryRecord, 'check'>) => sha256(canonicalJson(record));
const unique = () => `${process.pid}.${randomBytes(6).toString('hex')}`;

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Hard link where the filesystem allows it (no bytes copied), else a copy. */
function linkOrCopy(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    fs.copyFileSync(from, to);
  }
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(full);
    else if (e.isFile()) total += fs.lstatSync(full).size;
  }
  return total;
}

export class DirectoryRunCache {
  readonly root: string;
  private readonly base: string;
  private readonly reported = new Set<string>();

  /**
   * `onDamaged` hears of each damaged entry once per process (the run that meets it also
   * records it in its outcome's warnings).
   */
  constructor(
    root: string,
    private readonly onDamaged: (key: string, reason: string) => void = () => {},
  ) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(root)) {
      throw new Error(`run cache ${JSON.stringify(root)}: only a directory can hold a run cache in this version of gsweep; give a path`);
    }
    if (!path.isAbsolute(root)) throw new Error(`run cache ${JSON.stringify(root)} must be an absolute path`);
    this.root = root;
    this.base = path.join(root, LAYOUT_VERSION);
  }

  entryDir(key: string): string {
    if (!CACHE_KEY_RE.test(key)) throw new Error(`${JSON.stringify(key)} is not a run cache key`);
    return path.join(this.base, 'entries', key.slice(0, 2), key);
  }

  /** The entry of `key` after checking it whole; a damaged one is reported (once) and is a miss. */
  lookup(key: string): CacheLookup {
    const dir = this.entryDir(key);
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, ENTRY_FILE), 'utf8');
    } catch (err) {
      if (isMissing(err)) return { kind: 'miss' };
      return this.damaged(key, `${ENTRY_FILE} unreadable: ${(err as Error).message}`);
    }
    const problem = this.verify(key, dir, text);
    if (typeof problem === 'string') return this.damaged(key, problem);
    // Least recently used first, for prune: the entry directory's time is its last use.
    try {
      const now = new Date();
      fs.utimesSync(dir, now, now);
    } catch (err) {
      if (isMissing(err)) return { kind: 'miss' };
      throw err;
    }
    return { kind: 'hit', entry: { key, dir, record: problem } };
  }

  private damaged(key: string, reason: string): CacheLookup {
    if (!this.reported.has(key)) {
      this.reported.add(key);
      this.onDamaged(key, reason);
    }
    return { kind: 'damaged', reason };
  }

  /** The record when the entry is whole, else what is wrong with it. */
  private verify(key: string, dir: string, text: string): EntryRecord | string {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return `${ENTRY_FILE} is not JSON (${(err as Error).message})`;
    }
    const parsed = recordSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return `${ENTRY_FILE}: ${issue.path.join('.') || 'entry'}: ${issue.message}`;
    }
    const record = parsed.data;
    const { check, ...rest } = record;
    if (recordCheck(rest) !== check) return `${ENTRY_FILE} does not match its checksum`;
    if (record.key !== key) return `${ENTRY_FILE} records key ${record.key}`;
    for (const [name, want] of Object.entries(record.files)) {
      const file = path.join(dir, name);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(file);
      } catch (err) {
        if (isMissing(err)) return `${name} is missing`;
        throw err;
      }
      if (!st.isFile()) return `${name} is not a regular file`;
      if (st.size !== want.size) return `${name} has ${st.size} bytes, expected ${want.size}`;
      if (sha256(fs.readFileSync(file)) !== want.sha256) return `${name} does not match its SHA-256`;
    }
    return record;
  }

  /** Puts the entry's files into `targetDir` (hard links where possible). */
  copyInto(entry: CacheEntry, targetDir: string): void {
    for (const name of Object.keys(entry.record.files)) {
      const to = path.join(targetDir, name);
      if (name.includes('/')) fs.mkdirSync(path.dirname(to), { recursive: true });
      linkOrCopy(path.join(entry.dir, name), to);
    }
  }

  /**
   * Stores `files` (names relative to `sourceDir`) under `key` with the caller's `result`.
   * Returns false when a whole entry of the key was already there (another sweep stored the
   * same result first).
   */
  store(key: string, sourceDir: string, files: readonly string[], result: unknown, from: Record<string, string | number>): boolean {
    const target = this.entryDir(key);
    const incoming = path.join(this.base, 'incoming', `${key}.${unique()}`);
    fs.mkdirSync(incoming, { recursive: true });
    try {
      const recorded: EntryRecord['files'] = {};
      for (const name of files) {
        if (!ENTRY_FILE_NAME.test(name) || name === ENTRY_FILE) throw new Error(`run cache: ${JSON.stringify(name)} is not a file name an entry can hold`);
        const from = path.join(sourceDir, name);
        const to = path.join(incoming, name);
        if (name.includes('/')) fs.mkdirSync(path.dirname(to), { recursive: true });
        linkOrCopy(from, to);
        // Hashed from the entry's own copy: what is recorded is what a reader will check.
        const bytes = fs.readFileSync(to);
        recorded[name] = { size: bytes.length, sha256: sha256(bytes) };
      }
      const body = { format: ENTRY_FORMAT, version: 1 as const, key, created_at: new Date().toISOString(), from, files: recorded, result };
      // Not fsynced: a torn entry after a power loss fails its checks and is a miss, then replaced.
      fs.writeFileSync(path.join(incoming, ENTRY_FILE), `${JSON.stringify({ ...body, check: recordCheck(body) })}\n`);
      return this.publish(key, incoming, target);
    } finally {
      fs.rmSync(incoming, { recursive: true, force: true });
    }
  }

  private publish(key: string, incoming: string, target: string): boolean {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        fs.renameSync(incoming, target);
        return true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      }
      const present = this.lookup(key);
      if (present.kind === 'hit') return false;
      if (attempt >= 3) throw new Error(`run cache: could not replace the damaged entry ${target}`);
      // Damaged (or removed meanwhile): move it out of the way in one step, then publish ours.
      this.discard(target);
    }
  }

  /** Takes a directory out of `entries/` in one rename, then deletes it. */
  private discard(dir: string): void {
    const trash = path.join(this.base, 'discarded', `${path.basename(dir)}.${unique()}`);
    fs.mkdirSync(path.dirname(trash), { recursive: true });
    try {
      fs.renameSync(dir, trash);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    fs.rmSync(trash, { recursive: true, force: true });
  }

  private listEntries(): { dir: string; usedMs: number; bytes: number }[] {
    const entries: { dir: string; usedMs: number; bytes: number }[] = [];
    const top = path.join(this.base, 'entries');
    let shards: string[];
    try {
      shards = fs.readdirSync(top);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    for (const shard of shards) {
      let keys: string[];
      try {
        keys = fs.readdirSync(path.join(top, shard));
      } catch (err) {
        if (isMissing(err)) continue;
        throw err;
      }
      for (const key of keys) {
        const dir = path.join(top, shard, key);
        try {
          entries.push({ dir, usedMs: fs.statSync(dir).mtimeMs, bytes: dirBytes(dir) });
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      }
    }
    return entries;
  }

  private listIncoming(): { dir: string; mtimeMs: number }[] {
    const top = path.join(this.base, 'incoming');
    let names: string[];
    try {
      names = fs.readdirSync(top);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    return names.flatMap((name) => {
      try {
        return [{ dir: path.join(top, name), mtimeMs: fs.statSync(path.join(top, name)).mtimeMs }];
      } catch (err) {
        if (isMissing(err)) return [];
        throw err;
      }
    });
  }

  stats(): CacheStats {
    const entries = this.listEntries();
    const used = entries.map((e) => e.usedMs);
    return {
      root: this.root,
      entries: entries.length,
      bytes: entries.reduce((n, e) => n + e.bytes, 0),
      incoming: this.listIncoming().length,
      oldestUseMs: used.length > 0 ? Math.min(...used) : null,
      newestUseMs: used.length > 0 ? Math.max(...used) : null,
    };
  }

  /**
   * Removes least recently used entries until the cache holds at most `maxBytes`, and the
   * leftovers of killed writers (`incoming/` older than `staleMs`) and of interrupted removals.
   */
  prune(maxBytes: number, nowMs: number = Date.now(), staleMs: number = STALE_INCOMING_MS): PruneResult {
    let staleIncoming = 0;
    for (const { dir, mtimeMs } of this.listIncoming()) {
      if (nowMs - mtimeMs < staleMs) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      staleIncoming++;
    }
    fs.rmSync(path.join(this.base, 'discarded'), { recursive: true, force: true });
    const entries = this.listEntries().sort((a, b) => a.usedMs - b.usedMs);
    let total = entries.reduce((n, e) => n + e.bytes, 0);
    let removed = 0;
    let freedBytes = 0;
    for (const e of entries) {
      if (total <= maxBytes) break;
      this.discard(e.dir);
      total -= e.bytes;
      freedBytes += e.bytes;
      removed++;
    }
    return { removed, freedBytes, kept: entries.length - removed, keptBytes: total, staleIncoming };
  }
}

/** `500M`, `10G`, `1.5T`, `4096` (bytes); K/M/G/T are powers of 1024. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) throw new Error(`${JSON.stringify(text)} is not a size; give bytes or a number with K, M, G or T (e.g. 10G)`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.floor(Number(m[1]) * unit);
}
