/**
 * Where a process writes an out's files before they are stored. For a directory out it is
 * the directory itself and every method is a no-op: runs write in place, as they always
 * have. For an object-store out it is a private scratch mirror: a run executes in
 * `<mirror>/runs/run-<id>` and its results are uploaded and the directory removed, and the
 * aggregate's tables and manifest are written there and then published. The aggregate reads the runs through the Store
 * (run-source.ts), input tables are paged from it (input-tables.ts).
 *
 * Nothing here takes a path from a file's contents: every key is built from layout.ts and
 * checked by store.ts.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AggregateSummary, FailureRecord } from '../sweep/types';
import type { AggregateIO } from './aggregate';
import { recordFailures } from './failures';
import { FAILURES_NAME, MANIFEST_NAME, RUN_FILES, runDir, tableFileName } from './layout';
import { openStore } from './open-store';
import { encodePack, packKey, type PackedFile } from './run-pack';
import { openRunSource } from './run-source';
import { checkKey, keyOf, readLog, type Store } from './store';
import { mapLimit } from './transfers';

const runKey = (runId: number, name: string) => checkKey(`runs/run-${runId}/${name}`);

export class Workspace {
  private constructor(
    readonly store: Store,
    /** The directory that stands for the out in this process. */
    readonly local: string,
  ) {}

  /** True when the out is an object store (a mirror is in use). */
  get remote(): boolean {
    return this.store.dir === undefined;
  }

  /** A workspace for `out`; an object-store out mirrors into a fresh directory under `scratch`. */
  static open(out: string, scratch: string = defaultScratch()): Workspace {
    const store = openStore(out);
    if (store.dir !== undefined) return new Workspace(store, store.dir);
    fs.mkdirSync(scratch, { recursive: true, mode: 0o700 });
    const tag = createHash('sha256').update(store.url).digest('hex').slice(0, 12);
    const mirror = fs.mkdtempSync(path.join(scratch, `out-${tag}-`));
    return new Workspace(store, mirror);
  }

  /** Removes the mirror (never a directory out). */
  close(): void {
    if (this.remote) fs.rmSync(this.local, { recursive: true, force: true });
  }

  /** Local path of a key (inside the directory out or the mirror). */
  pathOf(key: string): string {
    return path.join(this.local, ...checkKey(key).split('/'));
  }

  /** How people see a local file of the workspace: itself, or its `s3://` address. */
  display(file: string): string {
    if (!this.remote) return file;
    const rel = path.relative(this.local, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return file;
    return `${this.store.url}/${rel.split(path.sep).join('/')}`;
  }

  /** Where run `runId` executes: its directory in a directory out, or in the mirror. */
  runDirectory(runId: number): string {
    return runDir(this.local, runId);
  }

  /**
   * The files a run left in the mirror that the store keeps: its tables, then (optionally)
   * its GMAT log and patched script, and its outcome.json last. Removes the run directory.
   * Undefined when the run recorded nothing (an infrastructure failure before its outcome).
   */
  collectRun(runId: number, options: { keepLogs?: boolean } = {}): PackedFile[] | undefined {
    const dir = runDir(this.local, runId);
    const outcomeFile = path.join(dir, RUN_FILES.outcome);
    try {
      if (!fs.existsSync(outcomeFile)) return undefined;
      const text = fs.readFileSync(outcomeFile);
      const outcome = JSON.parse(text.toString('utf8')) as { tables?: Record<string, unknown>; log_path?: string | null };
      const names = Object.keys(outcome.tables ?? {}).map((key) => tableFileName(key));
      if (options.keepLogs) {
        for (const name of [RUN_FILES.log, RUN_FILES.patchedScript, RUN_FILES.postprocessLog]) {
          if (fs.existsSync(path.join(dir, name))) names.push(name);
        }
      } else {
        // The log stays in scratch and goes with it: the record must not name it.
        outcome.log_path = null;
      }
      const files = names.map((name) => ({ runId, name, data: fs.readFileSync(path.join(dir, name)) }));
      files.push({ runId, name: RUN_FILES.outcome, data: options.keepLogs ? text : Buffer.from(`${JSON.stringify(outcome, null, 2)}\n`) });
      return files;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * After a run wrote its run directory in the mirror: uploads its files as per-run objects,
   * outcome.json last, and removes the directory. The old outcome.json goes first, so a reader
   * never pairs it with new tables. (Batches upload packs instead: `packer`.)
   */
  async uploadRun(runId: number, options: { keepLogs?: boolean } = {}): Promise<void> {
    if (!this.remote) return;
    const files = this.collectRun(runId, options);
    if (!files) return;
    await this.store.delete(runKey(runId, RUN_FILES.outcome));
    const outcome = files.pop()!;
    await mapLimit(files, 4, (f) => this.store.put(runKey(runId, f.name), f.data));
    await this.store.put(runKey(runId, outcome.name), outcome.data);
  }

  /** Collects finished runs of this process and uploads them as packs (run-pack.ts). */
  packer(options: { keepLogs?: boolean } = {}): RunPacker {
    return new RunPacker(this, options);
  }

  /** Failed runs without an outcome, appended to the out's failures.jsonl (Store.append). */
  recordFailures(records: FailureRecord[]): Promise<void> {
    return recordFailures(this.store, records);
  }

  /**
   * What the aggregate reads and where it writes: the out's runs through the Store (a
   * store's listed and streamed, run-source.ts), and local files for its tables and manifest,
   * in the out itself for a directory, in the mirror for a store (publishAggregate uploads them).
   */
  async aggregateIO(): Promise<AggregateIO> {
    return {
      store: this.store,
      runs: await openRunSource(this.store, this.local),
      tableFile: (key) => this.pathOf(tableFileName(key)),
      manifestFile: this.pathOf(MANIFEST_NAME),
    };
  }

  /**
   * Uploads the aggregate written in the mirror: tables (multipart when large), failures.jsonl
   * merged with its parts, and the manifest last (its presence means the aggregate is
   * complete). Returns the summary with the store's addresses.
   */
  async publishAggregate(summary: AggregateSummary): Promise<AggregateSummary> {
    if (!this.remote) return summary;
    await mapLimit(Object.values(summary.tables), 2, (file) => this.store.putFile(keyOf(this.local, file), file));
    const failures = await readLog(this.store, FAILURES_NAME);
    if (failures) await this.store.put(FAILURES_NAME, failures);
    await this.store.putFile(MANIFEST_NAME, summary.manifestPath);
    for (const file of [...Object.values(summary.tables), summary.manifestPath]) fs.rmSync(file, { force: true });
    return {
      ...summary,
      tables: Object.fromEntries(Object.entries(summary.tables).map(([k, f]) => [k, this.display(f)])),
      manifestPath: this.display(summary.manifestPath),
    };
  }
}

/** A pack goes up once it holds this many seconds of finished runs, runs, or bytes. */
export const PACK_LIMITS = { ms: 3000, runs: 256, bytes: 32 * 1024 * 1024 };

/**
 * The finished runs of one batch not yet in the store. A run's files leave the mirror as it
 * finishes (its directory is removed); `flush` uploads them as one pack. Until then they are
 * not durable: the batch reports only flushed runs as done, so a lost worker's pending runs
 * are run again.
 */
export class RunPacker {
  private files: PackedFile[] = [];
  private bytes = 0;
  private first?: number;
  private last = 0;
  private since = 0;

  constructor(
    private readonly ws: Workspace,
    private readonly options: { keepLogs?: boolean },
  ) {}

  /** Takes a finished run's files out of the mirror into the pending pack. */
  add(runId: number): void {
    const files = this.ws.collectRun(runId, this.options);
    if (!files) return;
    if (this.first === undefined) {
      this.first = runId;
      this.since = Date.now();
    }
    this.first = Math.min(this.first, runId);
    this.last = Math.max(this.last, runId);
    for (const f of files) {
      this.files.push(f);
      this.bytes += f.data.length;
    }
  }

  /** True when the pending runs should go up now. */
  due(now: number = Date.now()): boolean {
    if (this.first === undefined) return false;
    return now - this.since >= PACK_LIMITS.ms || this.last - this.first + 1 >= PACK_LIMITS.runs || this.bytes >= PACK_LIMITS.bytes;
  }

  /** Uploads the pending runs as one pack (nothing when none are pending). */
  async flush(): Promise<void> {
    if (this.first === undefined) return;
    const body = await encodePack(this.files);
    await this.ws.store.put(packKey(this.first, this.last), body);
    this.files = [];
    this.bytes = 0;
    this.first = undefined;
    this.last = 0;
  }
}

/** `<os temp dir>/gsweep-scratch`: where runs of an object-store out execute unless --scratch says otherwise. */
export function defaultScratch(): string {
  return path.join(os.tmpdir(), 'gsweep-scratch');
}
