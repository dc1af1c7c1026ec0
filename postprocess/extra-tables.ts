/**
 * Files a postprocess hook leaves in `<run>/extra/` -> tables (gmat-sweep 0.6's
 * `extra_outputs`): `<name>.csv` (header row), `<name>.json` (an array of objects) or
 * `<name>.parquet`. Per column: all numbers (or empty) -> DOUBLE, a column named `time` of
 * ISO-8601 UTC strings -> TIMESTAMP, anything else -> STRING; empty cells and JSON null are
 * nulls. `<name>` is a letter or digit, then letters, digits, `_`, `-`, `.`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { Column, Table } from '../tables/table';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const FORMATS = ['.csv', '.json', '.parquet'] as const;

export class ExtraTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtraTableError';
  }
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|\+00:00)?$/;

function isoToNs(s: string): bigint {
  const m = /^(.*?:\d\d)(?:\.(\d{1,9}))?(?:Z|\+00:00)?$/.exec(s)!;
  const ms = Date.parse(`${m[1]}Z`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

function columnOf(name: string, cells: unknown[]): Column {
  const present = cells.filter((v) => v !== null && v !== undefined && v !== '');
  if (present.every((v) => typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))))) {
    return { name, type: 'double', values: cells.map((v) => (v === null || v === undefined || v === '' ? null : Number(v))) };
  }
  if (name === 'time' && present.every((v) => v instanceof Date || (typeof v === 'string' && ISO_UTC.test(v)))) {
    return {
      name,
      type: 'timestamp',
      scale: 'UTC',
      values: cells.map((v) => (v === null || v === undefined || v === '' ? null : v instanceof Date ? BigInt(v.getTime()) * 1_000_000n : isoToNs(v as string))),
    };
  }
  return { name, type: 'string', values: cells.map((v) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v))) };
}

function fromObjects(rows: Record<string, unknown>[], columns?: string[]): Table {
  const names = columns ?? [];
  if (!columns) for (const r of rows) for (const k of Object.keys(r)) if (!names.includes(k)) names.push(k);
  return { rowCount: rows.length, columns: names.map((n) => columnOf(n, rows.map((r) => r[n]))) };
}

export async function readExtraTable(file: string): Promise<Table> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') {
    const records = parseCsv(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
    const header = parseCsv(fs.readFileSync(file, 'utf8'), { to_line: 1, bom: true }) as string[][];
    return fromObjects(records, header[0] ?? []);
  }
  if (ext === '.json') {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (!Array.isArray(data) || !data.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) {
      throw new ExtraTableError(`${file}: a JSON extra table is an array of objects (one per row)`);
    }
    return fromObjects(data as Record<string, unknown>[]);
  }
  const bytes = fs.readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const columns = parquetMetadata(buffer).schema.slice(1).map((s) => s.name);
  return fromObjects((await parquetReadObjects({ file: buffer })) as Record<string, unknown>[], columns);
}

/** `name` -> file of every extra table in `dir`, refusing names and formats it cannot take. */
export function listExtraTables(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!fs.existsSync(dir)) return found;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const ext = path.extname(entry.name).toLowerCase();
    const name = entry.name.slice(0, entry.name.length - ext.length);
    if (!entry.isFile() || !(FORMATS as readonly string[]).includes(ext) || !NAME.test(name)) {
      throw new ExtraTableError(
        `${path.join(dir, entry.name)}: the extra directory takes only <name>.csv, <name>.json or <name>.parquet files ` +
          '(name: a letter or digit, then letters, digits, "_", "-", "."); move other files elsewhere in the run directory',
      );
    }
    if (found.has(name)) throw new ExtraTableError(`${dir}: two extra tables are named "${name}" (${path.basename(found.get(name)!)}, ${entry.name}); keep one`);
    found.set(name, path.join(dir, entry.name));
  }
  return found;
}
