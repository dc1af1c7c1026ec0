/**
 * Explicit-row run sets (SPEC §3.2) from CSV, Parquet or JSON: one run per row, run_id =
 * row position, overrides in column order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { OverrideValue } from '../sweep/overrides';
import { coerceToken } from './grid-args';

export interface SamplesTable {
  columns: string[];
  rows: OverrideValue[][];
}

export class SamplesError extends Error {
  constructor(file: string, message: string) {
    super(`samples ${file}: ${message}`);
    this.name = 'SamplesError';
  }
}

/** A CSV cell: `true`/`false`, else the `--grid` token rules (int, else float, else string). */
export function coerceCell(token: string): OverrideValue {
  const t = token.trim();
  if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
  return coerceToken(t);
}

function fromCsv(file: string): SamplesTable {
  const records = parseCsv(fs.readFileSync(file, 'utf8'), { skip_empty_lines: true, bom: true }) as string[][];
  if (records.length === 0) throw new SamplesError(file, 'the file is empty; give a header row of override keys');
  const [columns, ...body] = records;
  return {
    columns: columns.map((c) => c.trim()),
    rows: body.map((record, r) => {
      if (record.length !== columns.length) {
        throw new SamplesError(file, `row ${r + 1} has ${record.length} cells, the header has ${columns.length}`);
      }
      return record.map((cell, c) => {
        if (cell.trim() === '') {
          throw new SamplesError(file, `row ${r + 1}, column "${columns[c]}" is empty; give every run every value`);
        }
        return coerceCell(cell);
      });
    }),
  };
}

function cellValue(file: string, value: unknown, r: number, column: string): OverrideValue {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  throw new SamplesError(file, `row ${r}, column "${column}" holds ${value === null ? 'null' : typeof value}; give numbers, strings or booleans`);
}

async function fromParquet(file: string): Promise<SamplesTable> {
  const bytes = fs.readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const columns = parquetMetadata(buffer)
    .schema.slice(1)
    .map((s) => s.name);
  const objects = await parquetReadObjects({ file: buffer });
  return { columns, rows: objects.map((o, r) => columns.map((c) => cellValue(file, o[c], r, c))) };
}

/** Rows given as objects (a JSON file, or the programmatic API): columns in first-seen order. */
export function tableFromObjects(source: string, rows: Record<string, unknown>[]): SamplesTable {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return {
    columns,
    rows: rows.map((row, r) =>
      columns.map((c) => {
        if (!(c in row)) throw new SamplesError(source, `row ${r} has no "${c}"; give every row every column`);
        return cellValue(source, row[c], r, c);
      }),
    ),
  };
}

function fromJson(file: string): SamplesTable {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(data)) throw new SamplesError(file, 'expected a JSON array of objects, one per run');
  return tableFromObjects(file, data as Record<string, unknown>[]);
}

/** Parquet reading is asynchronous in hyparquet; CSV and JSON are not. */
export async function readSamplesFileAsync(file: string): Promise<SamplesTable> {
  if (path.extname(file).toLowerCase() === '.parquet') return fromParquet(file);
  return readSamplesFile(file);
}

export function readSamplesFile(file: string): SamplesTable {
  if (!fs.existsSync(file)) throw new SamplesError(file, 'does not exist; give a .csv, .parquet or .json file');
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return fromCsv(file);
  if (ext === '.json') return fromJson(file);
  if (ext === '.parquet') {
    throw new SamplesError(file, 'Parquet samples must be read with readSamplesFileAsync');
  }
  throw new SamplesError(file, `unsupported extension "${ext}"; give a .csv, .parquet or .json file`);
}
