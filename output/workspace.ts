/**
 * A process's local view of an out. For a directory out it is the directory itself and
 * every method is a no-op: runs write in place, as they always have. For an object-store
 * out it is a private scratch mirror: the files a process reads locally (outcome.json files
 * for the aggregate) are fetched into it, a run
 * executes in `<mirror>/runs/run-<id>` and its results are uploaded and the directory
 * removed, and the aggregate streams run by run through it with a bounded window.
 *
 * Nothing here takes a path from a file's contents: every key is built from layout.ts and
 * checked by store.ts.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AggregateSummary, FailureRecord } from '../sweep/types';
import { recordFailures } from './failures';
import { FAILURES_NAME, MANIFEST_NAME, RUN_FILES, runDir, tableFileName } from './layout';
import { openStore } from './open-store';
import { decodePack, encodePack, PACKS_PREFIX, packKey, packsInOrder, type PackedFile, type PackKey } from './run-pack';
import { checkKey, keyOf, readLog, type Store } from './store';

/** How many transfers a workspace keeps in flight at once (outcome fetches, run prefetch). */
export const TRANSFER_CONCURRENCY = 16;
/** Runs whose tables the aggregate fetches ahead of the one it is writing. */
export const PREFETCH_RUNS = 16;

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapLimit<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  let failed: unknown;
  const lanes = Array.from({ length: limit }, async () => {
    for (;;) {
      if (failed) return;
      const next = it.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (err) {
        failed ??= err;
        return;
      }
    }
  });
  await Promise.all(lanes);
  if (failed) throw failed;
}

/**
 * `fetch` over `items` with at most `limit` fetches ahead, and `apply` on each result one at a
 * time in the items' order: order matters when later items replace what earlier ones wrote.
 */
export async function mapOrdered<T, R>(items: T[], limit: number, fetch: (item: T) => Promise<R>, apply: (item: T, result: R) => Promise<void>): Promise<void> {
  const started: Promise<R>[] = [];
  const start = (i: number) => {
    if (i < items.length && !started[i]) {
      started[i] = fetch(items[i] as T);
      // Rejections are taken when their turn comes; never unhandled meanwhile.
      started[i].catch(() => undefined);
    }
  };
  for (let i = 0; i < Math.min(limit, items.length); i++) start(i);
  for (let i = 0; i < items.length; i++) {
    const result = await started[i];
    start(i + Math.max(1, limit));
    await apply(items[i] as T, result as R);
  }
}

const runKey = (runId: number, name: string) => checkKey(`runs/run-${runId}/${name}`);

export class Workspace {
  /** The aggregate's view of `runs/`: file sizes by run, from one listing. */
  private listing?: Map<number, Map<string, number>>;
  private prefetch = new Map<number, Promise<void>>();
  /** The pack holding each packed run's current files, and the packs already unpacked for the aggregate. */
  private packOf = new Map<number, PackKey>();
  private extracted = new Map<string, Promise<void>>();

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

  /** failures.jsonl of the mirror: the store's merged file, then every part recorded since, in order. */
  async fetchFailures(): Promise<void> {
    if (!this.remote) return;
    const target = this.pathOf(FAILURES_NAME);
    const log = await readLog(this.store, FAILURES_NAME);
    fs.rmSync(target, { force: true });
    if (log) fs.writeFileSync(target, log);
  }

  /**
   * Before an aggregate over a store: one listing of `runs/`, and every outcome.json fetched
   * into the mirror (small files, a bounded number at once). Tables come later, run by run.
   */
  async prepareAggregate(): Promise<void> {
    if (!this.remote) return;
    fs.rmSync(path.join(this.local, 'runs'), { recursive: true, force: true });
    await this.fetchFailures();
    const listing = new Map<number, Map<string, number>>();
    const packKeys: string[] = [];
    for await (const e of this.store.list('')) {
      if (e.key.startsWith(PACKS_PREFIX)) packKeys.push(e.key);
      const m = /^runs\/run-(\d+)\/([^/]+)$/.exec(e.key);
      if (!m) continue;
      const id = Number(m[1]);
      let files = listing.get(id);
      if (!files) listing.set(id, (files = new Map()));
      files.set(m[2], e.size);
    }
    // Packs in the order they were written: a run's latest pack holds its files (run-pack.ts).
    this.packOf.clear();
    await mapOrdered(packsInOrder(packKeys), TRANSFER_CONCURRENCY / 4, (k) => this.store.get(k.key), async (k, bytes) => {
      if (!bytes) return;
      const entries = await decodePack(bytes, k, (_id, name) => name === RUN_FILES.outcome);
      const runs = new Map<number, Map<string, number>>();
      for (const e of entries) {
        let files = runs.get(e.runId);
        if (!files) runs.set(e.runId, (files = new Map()));
        files.set(e.name, e.size);
        if (e.data) {
          const dir = runDir(this.local, e.runId);
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(path.join(dir, RUN_FILES.outcome), e.data);
        }
      }
      for (const [id, files] of runs) {
        listing.set(id, files);
        this.packOf.set(id, k);
      }
    });
    this.listing = listing;
    const withOutcome = [...listing].filter(([id, files]) => files.has(RUN_FILES.outcome) && !this.packOf.has(id)).map(([id]) => id);
    await mapLimit(withOutcome, TRANSFER_CONCURRENCY, async (id) => void (await this.store.getFile(runKey(id, RUN_FILES.outcome), path.join(runDir(this.local, id), RUN_FILES.outcome))));
  }

  /**
   * Writes the files (but outcome.json, already local) of the runs whose current pack is `k`;
   * once per pack. The pack is fetched a second time here rather than kept from
   * prepareAggregate: holding every pack until its runs are aggregated would hold the sweep.
   */
  private extractPack(k: PackKey): Promise<void> {
    let job = this.extracted.get(k.key);
    if (!job) {
      job = (async () => {
        const bytes = await this.store.get(k.key);
        if (!bytes) return;
        for (const e of await decodePack(bytes, k, (id, name) => name !== RUN_FILES.outcome && this.packOf.get(id) === k)) {
          if (!e.data) continue;
          const dir = runDir(this.local, e.runId);
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(path.join(dir, e.name), e.data);
        }
      })();
      this.extracted.set(k.key, job);
    }
    return job;
  }

  /**
   * What the aggregate's first pass knows of a run's table without its bytes: missing, too
   * short to be Parquet, or (null) present. The second pass reads the file itself.
   */
  tableCheck = (file: string): string | null | undefined => {
    if (!this.remote || !this.listing) return undefined;
    const m = /^runs\/run-(\d+)\/([^/]+)$/.exec(keyOf(this.local, file));
    const size = m ? this.listing.get(Number(m[1]))?.get(m[2]) : undefined;
    if (size === undefined) return 'missing';
    return size < 12 ? 'truncated' : null;
  };

  /** Fetches the tables of `runId` (and starts the next few runs'); resolves when run `runId`'s are local. */
  async prepareRun(runId: number, runCount: number, tablesOf: (id: number) => string[]): Promise<void> {
    if (!this.remote) return;
    for (let id = runId; id < Math.min(runCount, runId + PREFETCH_RUNS); id++) {
      if (this.prefetch.has(id)) continue;
      const pack = this.packOf.get(id);
      const names = this.listing?.get(id)?.has(RUN_FILES.outcome) ? tablesOf(id) : [];
      const job = pack ? this.extractPack(pack) : mapLimit(names, 4, async (name) => void (await this.store.getFile(runKey(id, name), path.join(runDir(this.local, id), name))));
      // A failed fetch shows as a missing table when the run is read; never an unhandled rejection.
      this.prefetch.set(id, job.catch(() => undefined));
    }
    await this.prefetch.get(runId);
  }

  /** The aggregate is done with a run: its local copy goes. */
  doneRun(runId: number): void {
    if (!this.remote) return;
    this.prefetch.delete(runId);
    fs.rmSync(runDir(this.local, runId), { recursive: true, force: true });
  }

  /**
   * Uploads the aggregate written in the mirror: tables (multipart when large), the merged
   * failures.jsonl, and the manifest last (its presence means the aggregate is complete).
   * Returns the summary with the store's addresses.
   */
  async publishAggregate(summary: AggregateSummary): Promise<AggregateSummary> {
    if (!this.remote) return summary;
    await mapLimit(Object.values(summary.tables), 2, (file) => this.store.putFile(keyOf(this.local, file), file));
    const failures = this.pathOf(FAILURES_NAME);
    if (fs.existsSync(failures)) await this.store.putFile(FAILURES_NAME, failures);
    await this.store.putFile(MANIFEST_NAME, summary.manifestPath);
    for (const file of [...Object.values(summary.tables), summary.manifestPath, failures]) fs.rmSync(file, { force: true });
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
