/**
 * Reading a finished sweep's out for analysis: its manifest and one aggregate table, read
 * by key through its Store (a directory or an object store), through the project's Parquet
 * reader. The only module of analysis/ that does I/O. Keys come from the manifest's own name
 * and the out's top-level listing only; nothing read from the out picks a file outside it.
 */
import { parquetMetadata } from 'hyparquet';
import { MANIFEST_NAME } from '../output/layout';
import { parseManifest, type ManifestEntry } from '../output/manifest';
import { displayOf, type Store } from '../output/store';
import { readParquetBytes } from '../tables/parquet/reader';
import type { ColumnSpec } from '../tables/parquet/writer';
import { AnalysisError, type SweepTable } from './table';
import { UnsafePathError } from '../output/safe-files';

export interface SweepOut {
  store: Store;
  /** How the out is named to the user: its directory, or its `s3://` address. */
  out: string;
  header: Record<string, unknown>;
  /** Manifest entries in run_id order. */
  entries: ManifestEntry[];
  /** Aggregate table keys present (`report__Track`, ...), sorted. */
  tables: string[];
}

const AGGREGATE_TABLE = /^(report|ephemeris|contact)__.+\.parquet$/;

export async function openSweep(store: Store): Promise<SweepOut> {
  store.checkTree?.();
  const missing = () => new AnalysisError(`${store.url} has no ${MANIFEST_NAME}; give the output directory of a finished gsweep sweep`);
  if (!(await store.exists(MANIFEST_NAME))) throw missing();
  const manifest = await readOutKey(store, MANIFEST_NAME, 'manifest');
  if (!manifest) throw missing();
  const { header, entries } = parseManifest(manifest.toString('utf8'));
  const tables: string[] = [];
  // Links and special files are listed too, so that reading one is refused by name.
  for await (const e of store.list('', { shallow: true, special: true })) {
    if (AGGREGATE_TABLE.test(e.key)) tables.push(e.key.slice(0, -'.parquet'.length));
  }
  tables.sort();
  return { store, out: store.url, header, entries: [...entries.values()].sort((a, b) => a.run_id - b.run_id), tables };
}

/** An object of the sweep; a directory's links and FIFOs (which would block or never end) are refused as bad input. */
async function readOutKey(store: Store, key: string, what: string): Promise<Buffer | undefined> {
  try {
    return await store.get(key, { what });
  } catch (err) {
    if (err instanceof UnsafePathError) throw new AnalysisError(err.message);
    throw err;
  }
}

/** gmat-sweep's `name=` rule: the sole report table, else the caller must name one. */
export function pickTable(sweep: SweepOut, wanted?: string): string {
  if (wanted) {
    const key = sweep.tables.includes(wanted) ? wanted : sweep.tables.find((t) => t === `report__${wanted}`);
    if (!key) throw new AnalysisError(`--table ${JSON.stringify(wanted)} is not a table of ${sweep.out}; tables: ${sweep.tables.join(', ') || '(none)'}`);
    return key;
  }
  const reports = sweep.tables.filter((t) => t.startsWith('report__'));
  if (reports.length === 1) return reports[0];
  if (reports.length === 0) {
    throw new AnalysisError(`${sweep.out} has no report__*.parquet aggregate table (has the sweep finished?); tables: ${sweep.tables.join(', ') || '(none)'}`);
  }
  throw new AnalysisError(`${sweep.out} has ${reports.length} report tables; choose one with --table (${reports.join(', ')})`);
}

function specOf(element: { name: string; type?: string; logical_type?: { type: string }; converted_type?: string }): ColumnSpec | undefined {
  if (element.type === 'DOUBLE' || element.type === 'FLOAT') return { name: element.name, type: 'double' };
  if (element.type === 'INT64' || element.type === 'INT32') {
    return { name: element.name, type: element.logical_type?.type === 'TIMESTAMP' ? 'timestamp' : 'int64' };
  }
  if (element.type === 'BYTE_ARRAY' && (element.converted_type === 'UTF8' || element.logical_type?.type === 'STRING')) return { name: element.name, type: 'string' };
  return undefined;
}

/** Reads the aggregate table `<key>.parquet` into the analysis shape (numeric columns only, plus keys). */
export async function readSweepTable(sweep: SweepOut, key: string): Promise<SweepTable> {
  const file = displayOf(sweep.store, `${key}.parquet`);
  const bytes = await readOutKey(sweep.store, `${key}.parquet`, 'table');
  if (!bytes) throw new AnalysisError(`${sweep.out} has no ${key}.parquet; tables: ${sweep.tables.join(', ') || '(none)'}`);
  try {
    return await tableFrom(file, bytes);
  } catch (err) {
    if (err instanceof AnalysisError) throw err;
    // A truncated or overwritten aggregate is the user's to fix, not a crash (and for `diff`,
    // never exit 1, which means "the sweeps differ").
    throw new AnalysisError(
      `${file} is not a readable Parquet table (${(err as Error).message.split('\n')[0]}); it was damaged after the sweep wrote it: restore it from a copy, or delete one run directory under runs/ and \`gsweep resume\` writes the aggregate again`,
    );
  }
}

async function tableFrom(file: string, bytes: Buffer): Promise<SweepTable> {
  // One ArrayBuffer of exactly the file, shared by the footer parse and the column reads.
  const exact = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const whole = Buffer.from(exact as ArrayBuffer);
  const meta = parquetMetadata(exact as ArrayBuffer);
  const specs = meta.schema.slice(1).map(specOf).filter((s): s is ColumnSpec => s !== undefined);
  const has = (name: string) => specs.some((s) => s.name === name);
  if (!has('run_id')) throw new AnalysisError(`${file} has no run_id column; give an aggregate table of a sweep`);
  const wanted = specs.filter((s) => s.name === 'run_id' || s.name === 'time' || s.name === '__status' || s.type === 'double');
  const typed = await readParquetBytes(whole, wanted);
  const byName = new Map(typed.columns.map((c) => [c.spec.name, c]));
  const n = typed.rowCount;
  const runIdCol = byName.get('run_id')!;
  const runId = new Float64Array(n);
  for (let i = 0; i < n; i++) runId[i] = Number((runIdCol.values as BigInt64Array)[i]);
  const timeCol = byName.get('time');
  const time: (bigint | null)[] = new Array(n).fill(null);
  if (timeCol) for (let i = 0; i < n; i++) time[i] = timeCol.valid && timeCol.valid[i] === 0 ? null : (timeCol.values as BigInt64Array)[i];
  const statusCol = byName.get('__status');
  const status: string[] = statusCol ? (statusCol.values as (string | null)[]).map((s) => s ?? 'ok') : new Array(n).fill('ok');
  const columns = typed.columns
    .filter((c) => c.spec.type === 'double')
    .map((c) => {
      const values = Float64Array.from(c.values as Float64Array);
      if (c.valid) for (let i = 0; i < n; i++) if (c.valid[i] === 0) values[i] = NaN;
      return { name: c.spec.name, values };
    });
  return { rowCount: n, runId, time, status, columns };
}
