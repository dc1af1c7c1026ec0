/**
 * A process's local view of an out. For a directory out it is the directory itself and
 * every method is a no-op: runs write in place, as they always have. For an object-store
 * out it is a private scratch mirror: the files a process reads locally (input tables,
 * outcome.json files for the aggregate) are fetched into it, a run
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
import type { AggregateSummary, FailureRecord } from '../sweep/sweep';
import { recordFailures } from './failures';
import { FAILURES_NAME, MANIFEST_NAME, RUN_FILES, runDir, tableFileName } from './layout';
import { openStore } from './open-store';
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

const runKey = (runId: number, name: string) => checkKey(`runs/run-${runId}/${name}`);

export class Workspace {
  private inputsFetched?: Promise<void>;
  /** The aggregate's view of `runs/`: file sizes by run, from one listing. */
  private listing?: Map<number, Map<string, number>>;
  private prefetch = new Map<number, Promise<void>>();

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

  /** Every input table (`inputs/`) into the mirror, once per process. */
  fetchInputs(): Promise<void> {
    if (!this.remote) return Promise.resolve();
    this.inputsFetched ??= (async () => {
      const keys: string[] = [];
      for await (const e of this.store.list('inputs/')) keys.push(e.key);
      await mapLimit(keys, TRANSFER_CONCURRENCY, async (key) => void (await this.store.getFile(key, this.pathOf(key))));
    })().catch((err) => {
      this.inputsFetched = undefined;
      throw err;
    });
    return this.inputsFetched;
  }

  /**
   * After a run wrote its run directory in the mirror: uploads its tables, then (optionally)
   * its GMAT log and patched script, then its outcome.json last, and removes the directory.
   * The old outcome.json goes first, so a reader never pairs it with new tables.
   */
  async uploadRun(runId: number, options: { keepLogs?: boolean } = {}): Promise<void> {
    if (!this.remote) return;
    const dir = runDir(this.local, runId);
    const outcomeFile = path.join(dir, RUN_FILES.outcome);
    if (!fs.existsSync(outcomeFile)) {
      // The run recorded nothing (an infrastructure failure before its outcome): nothing to keep.
      fs.rmSync(dir, { recursive: true, force: true });
      return;
    }
    const outcome = JSON.parse(fs.readFileSync(outcomeFile, 'utf8')) as { tables?: Record<string, unknown>; log_path?: string | null };
    await this.store.delete(runKey(runId, RUN_FILES.outcome));
    const files = Object.keys(outcome.tables ?? {}).map((key) => tableFileName(key));
    if (options.keepLogs) {
      for (const name of [RUN_FILES.log, RUN_FILES.patchedScript, RUN_FILES.postprocessLog]) {
        if (fs.existsSync(path.join(dir, name))) files.push(name);
      }
    } else {
      // The log stays in scratch and goes with it: the record must not name it.
      outcome.log_path = null;
    }
    await mapLimit(files, 4, (name) => this.store.putFile(runKey(runId, name), path.join(dir, name)));
    await this.store.put(runKey(runId, RUN_FILES.outcome), options.keepLogs ? fs.readFileSync(outcomeFile) : `${JSON.stringify(outcome, null, 2)}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
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
    for await (const e of this.store.list('runs/')) {
      const m = /^runs\/run-(\d+)\/([^/]+)$/.exec(e.key);
      if (!m) continue;
      const id = Number(m[1]);
      let files = listing.get(id);
      if (!files) listing.set(id, (files = new Map()));
      files.set(m[2], e.size);
    }
    this.listing = listing;
    const withOutcome = [...listing].filter(([, files]) => files.has(RUN_FILES.outcome)).map(([id]) => id);
    await mapLimit(withOutcome, TRANSFER_CONCURRENCY, async (id) => void (await this.store.getFile(runKey(id, RUN_FILES.outcome), path.join(runDir(this.local, id), RUN_FILES.outcome))));
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
      const names = this.listing?.get(id)?.has(RUN_FILES.outcome) ? tablesOf(id) : [];
      const job = mapLimit(names, 4, async (name) => void (await this.store.getFile(runKey(id, name), path.join(runDir(this.local, id), name))));
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

/** `<os temp dir>/gsweep-scratch`: where runs of an object-store out execute unless --scratch says otherwise. */
export function defaultScratch(): string {
  return path.join(os.tmpdir(), 'gsweep-scratch');
}
