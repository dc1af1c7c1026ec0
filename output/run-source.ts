/**
 * How the aggregate and resume read a finished sweep's runs: `outcome.json` and per-run
 * tables as bytes, through the out's Store.
 *
 * - A directory out reads each file when asked (DirStore refuses links and special files).
 * - An object store is listed once; every run's outcome.json is fetched into memory (from
 *   the packs, run-pack.ts, or as per-run objects), and tables stream through a bounded window
 *   of runs: asking for run `n`'s table fetches runs `n .. n + PREFETCH_RUNS - 1`, and
 *   `release(n)` drops run `n`. A pack is fetched again when the window reaches it rather
 *   than kept from the listing pass: holding every pack until its runs are read would hold
 *   the sweep.
 */
import * as path from 'node:path';
import { RUN_FILES } from './layout';
import { decodePack, PACKS_PREFIX, packsInOrder, type PackKey } from './run-pack';
import { UnsafePathError } from './safe-files';
import { Spill } from './spill';
import { checkKey, DirStore, type Store } from './store';
import { mapLimit, mapOrdered, TRANSFER_CONCURRENCY } from './transfers';

/** Runs whose tables a store's reader fetches ahead of the one being read. */
const PREFETCH_RUNS = 16;

export interface RunSource {
  /** The out as paths in outcomes and messages name it: the directory, or the store's `s3://` address. */
  readonly root: string;
  /** The run's outcome.json; undefined when it has none. Throws UnsafePathError for a link or special file. */
  outcome(runId: number): Promise<Buffer | undefined>;
  /** A file of the run (a table); undefined when missing. Throws UnsafePathError for a link or special file. */
  table(runId: number, name: string): Promise<Buffer | undefined>;
  /**
   * What is known of a table without its bytes (a store's listing): 'missing', 'truncated',
   * or null (present); undefined when only reading it tells.
   */
  tableProblem?(runId: number, name: string): string | null | undefined | Promise<string | null | undefined>;
  /** The reader is done with the run: what was fetched of it may go. */
  release?(runId: number): void;
  /** Removes what the source keeps locally (an object store's spilled outcomes). */
  close?(): void;
}

const runKey = (runId: number, name: string) => checkKey(`runs/run-${runId}/${name}`);

/** A run's directory (no `name`) or a file in it, as `root` names it (a path, or an `s3://` address). */
export function runFileOf(root: string, runId: number, name?: string): string {
  const parts = ['runs', `run-${runId}`, ...(name === undefined ? [] : [name])];
  return /^s3:\/\//i.test(root) ? [root, ...parts].join('/') : path.join(root, ...parts);
}

/** A file of `root` as the manifest stores it: relative to `out`, `/`-separated. */
export function relativeToRoot(root: string, file: string): string {
  if (/^s3:\/\//i.test(root)) return file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file;
  return path.relative(root, file).split(path.sep).join('/');
}

/** The runs of a directory out, each file read when asked. */
export class DirRunSource implements RunSource {
  readonly root: string;

  constructor(private readonly store: DirStore) {
    this.root = store.dir;
  }

  async outcome(runId: number): Promise<Buffer | undefined> {
    this.store.checkDirectory(`runs/run-${runId}`);
    return this.store.get(runKey(runId, RUN_FILES.outcome), { what: 'outcome' });
  }

  table(runId: number, name: string): Promise<Buffer | undefined> {
    return this.store.get(runKey(runId, name));
  }

  /** The Parquet magic at both ends, read without the rest of the table (the aggregate's first pass, resume). */
  async tableProblem(runId: number, name: string): Promise<string | null> {
    let ends: ReturnType<DirStore['ends']>;
    try {
      ends = this.store.ends(runKey(runId, name), 4);
    } catch (err) {
      // As table() reading it would: a refused link or special file says why, anything else is missing.
      return err instanceof UnsafePathError ? err.message : 'missing';
    }
    if (ends === undefined) return 'missing';
    return parquetEndsProblem(ends.size, ends.head, ends.tail);
  }
}

/** Whether a Parquet file is whole, from its size and end bytes: magic at both ends (catches truncation and most corruption). */
export function parquetEndsProblem(size: number, head: Buffer, tail: Buffer): string | null {
  if (size < 12) return 'truncated';
  return head.toString('latin1') === 'PAR1' && tail.toString('latin1') === 'PAR1' ? null : 'not a Parquet file';
}

/** The runs of an object store: one listing, outcomes in a local spill file, tables through a window. */
export class StoreRunSource implements RunSource {
  readonly root: string;
  /** File sizes by run, from the listing (a run in a pack: its entries in that pack). */
  private readonly listing = new Map<number, Map<string, number>>();
  /** Every run's outcome.json, read twice (schemas, then rows): on local disk, not in memory (spill.ts). */
  private readonly outcomes: Spill;
  /** The pack holding each packed run's current files. */
  private readonly packOf = new Map<number, PackKey>();
  private readonly fetched = new Map<number, Map<string, Buffer>>();
  private readonly prefetch = new Map<number, Promise<void>>();
  private readonly extracted = new Map<string, Promise<void>>();
  /** Runs below this were released: a pack read late keeps nothing of them. */
  private releasedBelow = 0;

  private constructor(
    private readonly store: Store,
    scratch?: string,
  ) {
    this.root = store.url;
    this.outcomes = new Spill(scratch);
  }

  /** Lists the store and fetches every run's outcome.json; `scratch` holds them (default: the OS temp directory). */
  static async open(store: Store, scratch?: string): Promise<StoreRunSource> {
    const source = new StoreRunSource(store, scratch);
    try {
      await source.load();
    } catch (err) {
      source.close();
      throw err;
    }
    return source;
  }

  close(): void {
    this.outcomes.close();
  }

  private async load(): Promise<void> {
    const packKeys: string[] = [];
    for await (const e of this.store.list('')) {
      if (e.key.startsWith(PACKS_PREFIX)) packKeys.push(e.key);
      const m = /^runs\/run-(\d+)\/([^/]+)$/.exec(e.key);
      if (!m) continue;
      this.filesOf(this.listing, Number(m[1])).set(m[2], e.size);
    }
    // Packs in the order they were written: a run's latest pack holds its files (run-pack.ts).
    await mapOrdered(packsInOrder(packKeys), TRANSFER_CONCURRENCY / 4, (k) => this.store.get(k.key), async (k, bytes) => {
      if (!bytes) return;
      const entries = await decodePack(bytes, k, (_id, name) => name === RUN_FILES.outcome);
      const runs = new Map<number, Map<string, number>>();
      for (const e of entries) {
        this.filesOf(runs, e.runId).set(e.name, e.size);
        if (e.data) this.outcomes.set(e.runId, e.data);
      }
      for (const [id, files] of runs) {
        this.listing.set(id, files);
        this.packOf.set(id, k);
        if (!files.has(RUN_FILES.outcome)) this.outcomes.delete(id);
      }
    });
    const single = [...this.listing].filter(([id, files]) => files.has(RUN_FILES.outcome) && !this.packOf.has(id)).map(([id]) => id);
    await mapLimit(single, TRANSFER_CONCURRENCY, async (id) => {
      const bytes = await this.store.get(runKey(id, RUN_FILES.outcome));
      if (bytes) this.outcomes.set(id, bytes);
    });
  }

  private filesOf<V>(map: Map<number, Map<string, V>>, runId: number): Map<string, V> {
    let files = map.get(runId);
    if (!files) map.set(runId, (files = new Map()));
    return files;
  }

  async outcome(runId: number): Promise<Buffer | undefined> {
    return this.outcomes.get(runId);
  }

  tableProblem(runId: number, name: string): string | null {
    const size = this.listing.get(runId)?.get(name);
    if (size === undefined) return 'missing';
    return size < 12 ? 'truncated' : null;
  }

  async table(runId: number, name: string): Promise<Buffer | undefined> {
    for (let id = runId; id < runId + PREFETCH_RUNS; id++) this.start(id);
    await this.prefetch.get(runId);
    return this.fetched.get(runId)?.get(name);
  }

  release(runId: number): void {
    this.prefetch.delete(runId);
    this.fetched.delete(runId);
    this.outcomes.delete(runId);
    this.releasedBelow = Math.max(this.releasedBelow, runId + 1);
  }

  /** Starts fetching the tables of `runId` (once): its pack's, or its per-run objects. */
  private start(runId: number): void {
    if (this.prefetch.has(runId) || runId < this.releasedBelow) return;
    const files = this.listing.get(runId);
    if (!files?.has(RUN_FILES.outcome)) return;
    const pack = this.packOf.get(runId);
    const names = [...files.keys()].filter((name) => name.endsWith('.parquet'));
    const job = pack
      ? this.extract(pack)
      : mapLimit(names, 4, async (name) => {
          const bytes = await this.store.get(runKey(runId, name));
          if (bytes && runId >= this.releasedBelow) this.filesOf(this.fetched, runId).set(name, bytes);
        });
    // A failed fetch shows as a missing table when the run is read; never an unhandled rejection.
    this.prefetch.set(runId, job.catch(() => undefined));
  }

  /** Keeps the tables of the runs whose current pack is `k` and that are not released yet; once per pack. */
  private extract(k: PackKey): Promise<void> {
    let job = this.extracted.get(k.key);
    if (!job) {
      job = (async () => {
        const bytes = await this.store.get(k.key);
        if (!bytes) return;
        const want = (id: number, name: string) => name.endsWith('.parquet') && id >= this.releasedBelow && this.packOf.get(id) === k;
        for (const e of await decodePack(bytes, k, want)) {
          if (e.data && want(e.runId, e.name)) this.filesOf(this.fetched, e.runId).set(e.name, e.data);
        }
      })();
      this.extracted.set(k.key, job);
    }
    return job;
  }
}

/** The runs of the out behind `store`: read in place for a directory, listed and fetched for an object store. */
export async function openRunSource(store: Store, scratch?: string): Promise<RunSource> {
  return store instanceof DirStore ? new DirRunSource(store) : StoreRunSource.open(store, scratch);
}
