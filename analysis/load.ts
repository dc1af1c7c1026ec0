/**
 * Reading a finished sweep's output directory for analysis: its manifest and one aggregate
 * table, through the project's Parquet reader. The only module of analysis/ that does I/O.
 * Paths come from the user's `<out>` argument only; nothing read from the directory picks
 * a file outside it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { parseManifest, type ManifestEntry } from '../output/manifest';
import { readParquetColumns } from '../tables/parquet/reader';
import type { ColumnSpec } from '../tables/parquet/writer';
import { AnalysisError, type SweepTable } from './table';
import { checkOutTree, readRegularFile, UnsafePathError } from '../output/safe-files';

export interface SweepDir {
  outDir: string;
  header: Record<string, unknown>;
  /** Manifest entries in run_id order. */
  entries: ManifestEntry[];
  /** Aggregate table keys present (`report__Track`, ...), sorted. */
  tables: string[];
}

export function openSweep(out: string): SweepDir {
  const outDir = path.resolve(out);
  checkOutTree(outDir);
  const manifest = path.join(outDir, 'manifest.jsonl');
  if (!fs.existsSync(manifest)) {
    throw new AnalysisError(`${outDir} has no manifest.jsonl; give the output directory of a finished gsweep sweep`);
  }
  const { header, entries } = parseManifest(readOutFile(manifest, 'manifest').toString('utf8'));
  const tables = fs
    .readdirSync(outDir)
    .filter((f) => /^(report|ephemeris|contact)__.+\.parquet$/.test(f))
    .map((f) => f.slice(0, -'.parquet'.length))
    .sort();
  return { outDir, header, entries: [...entries.values()].sort((a, b) => a.run_id - b.run_id), tables };
}

/** A file of the sweep, read only if it is a regular file (a FIFO or device in `out` would block or never end). */
function readOutFile(file: string, what: string): Buffer {
  try {
    return readRegularFile(file, { what });
  } catch (err) {
    if (err instanceof UnsafePathError) throw new AnalysisError(err.message);
    throw err;
  }
}

/** gmat-sweep's `name=` rule: the sole report table, else the caller must name one. */
export function pickTable(sweep: SweepDir, wanted?: string): string {
  if (wanted) {
    const key = sweep.tables.includes(wanted) ? wanted : sweep.tables.find((t) => t === `report__${wanted}`);
    if (!key) throw new AnalysisError(`--table ${JSON.stringify(wanted)} is not a table of ${sweep.outDir}; tables: ${sweep.tables.join(', ') || '(none)'}`);
    return key;
  }
  const reports = sweep.tables.filter((t) => t.startsWith('report__'));
  if (reports.length === 1) return reports[0];
  if (reports.length === 0) {
    throw new AnalysisError(`${sweep.outDir} has no report__*.parquet aggregate table (has the sweep finished?); tables: ${sweep.tables.join(', ') || '(none)'}`);
  }
  throw new AnalysisError(`${sweep.outDir} has ${reports.length} report tables; choose one with --table (${reports.join(', ')})`);
}

function specOf(element: { name: string; type?: string; logical_type?: { type: string }; converted_type?: string }): ColumnSpec | undefined {
  if (element.type === 'DOUBLE' || element.type === 'FLOAT') return { name: element.name, type: 'double' };
  if (element.type === 'INT64' || element.type === 'INT32') {
    return { name: element.name, type: element.logical_type?.type === 'TIMESTAMP' ? 'timestamp' : 'int64' };
  }
  if (element.type === 'BYTE_ARRAY' && (element.converted_type === 'UTF8' || element.logical_type?.type === 'STRING')) return { name: element.name, type: 'string' };
  return undefined;
}

/** Reads `<out>/<key>.parquet` into the analysis shape (numeric columns only, plus keys). */
export async function readSweepTable(sweep: SweepDir, key: string): Promise<SweepTable> {
  const file = path.join(sweep.outDir, `${key}.parquet`);
  const bytes = readOutFile(file, 'table');
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
  const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const specs = meta.schema.slice(1).map(specOf).filter((s): s is ColumnSpec => s !== undefined);
  const has = (name: string) => specs.some((s) => s.name === name);
  if (!has('run_id')) throw new AnalysisError(`${file} has no run_id column; give an aggregate table of a sweep`);
  const wanted = specs.filter((s) => s.name === 'run_id' || s.name === 'time' || s.name === '__status' || s.type === 'double');
  const typed = await readParquetColumns(file, wanted);
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
