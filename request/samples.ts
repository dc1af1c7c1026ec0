/**
 * Explicit-row run sets from CSV, Parquet or JSON: one run per row, run_id =
 * row position, overrides in column order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { formatCount, MAX_RUNS, MAX_SAMPLES_FILE_BYTES } from '../sweep/limits';
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

/**
 * Column names become override keys: each once (a repeated column would silently lose
 * values), and none that is a JavaScript object's special key.
 */
function checkColumns(file: string, columns: string[]): string[] {
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '__proto__' || c === 'constructor' || c === 'prototype') {
      throw new SamplesError(file, `column "${c}" is not an override key; name columns Resource.Field (e.g. Sat.SMA)`);
    }
    if (seen.has(c)) throw new SamplesError(file, `column "${c}" appears twice; give each override key one column`);
    seen.add(c);
  }
  return columns;
}

function checkRowCount(file: string, rows: number): void {
  if (rows > MAX_RUNS) {
    throw new SamplesError(file, `${formatCount(rows)} rows is more than gsweep's limit of ${formatCount(MAX_RUNS)} runs per sweep; split the file`);
  }
}

function fromCsv(file: string): SamplesTable {
  let records: string[][];
  try {
    records = parseCsv(fs.readFileSync(file, 'utf8'), { skip_empty_lines: true, bom: true }) as string[][];
  } catch (err) {
    throw new SamplesError(file, `is not valid CSV: ${(err as Error).message}`);
  }
  if (records.length === 0) throw new SamplesError(file, 'the file is empty; give a header row of override keys');
  const [header, ...body] = records;
  const columns = checkColumns(file, header.map((c) => c.trim()));
  checkRowCount(file, body.length);
  return {
    columns,
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
  let columns: string[];
  let objects: Record<string, unknown>[];
  try {
    const metadata = parquetMetadata(buffer);
    columns = metadata.schema.slice(1).map((s) => s.name);
    checkColumns(file, columns);
    checkRowCount(file, Number(metadata.num_rows));
    objects = await parquetReadObjects({ file: buffer });
  } catch (err) {
    if (err instanceof SamplesError) throw err;
    throw new SamplesError(file, `is not a readable Parquet file: ${(err as Error).message}`);
  }
  return { columns, rows: objects.map((o, r) => columns.map((c) => cellValue(file, o[c], r, c))) };
}

/** Rows given as objects (a JSON file, or the programmatic API): columns in first-seen order. */
export function tableFromObjects(source: string, rows: Record<string, unknown>[]): SamplesTable {
  checkRowCount(source, rows.length);
  const seen = new Set<string>();
  const columns: string[] = [];
  rows.forEach((row, r) => {
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new SamplesError(source, `row ${r} is ${row === null ? 'null' : Array.isArray(row) ? 'an array' : typeof row}; give one object {"Resource.Field": value} per run`);
    }
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  });
  checkColumns(source, columns);
  return {
    columns,
    rows: rows.map((row, r) =>
      columns.map((c) => {
        if (!Object.prototype.hasOwnProperty.call(row, c)) throw new SamplesError(source, `row ${r} has no "${c}"; give every row every column`);
        return cellValue(source, row[c], r, c);
      }),
    ),
  };
}

/**
 * The first object key that appears twice in one object of valid JSON `text`, with the index
 * of the top-level array element it is in. JSON.parse keeps only the last value of a repeated
 * key, so a row `{"Sat.SMA": 7000, "Sat.SMA": 7100}` would silently lose a value.
 */
export function findDuplicateJsonKey(text: string): { row: number; key: string } | undefined {
  const stack: Array<{ keys: Set<string> } | { index: number }> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top && 'keys' in top) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) {
          const outer = stack[0];
          return { row: outer && 'index' in outer ? outer.index : 0, key };
        }
        top.keys.add(key);
      }
      expectKey = false;
      i = j;
    } else if (c === '{') {
      stack.push({ keys: new Set() });
      expectKey = true;
    } else if (c === '[') {
      stack.push({ index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top && 'index' in top) top.index++;
      else expectKey = true;
    }
  }
  return undefined;
}

function fromJson(file: string): SamplesTable {
  let data: unknown;
  const text = fs.readFileSync(file, 'utf8');
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SamplesError(file, `is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new SamplesError(file, 'expected a JSON array of objects, one per run');
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate) {
    throw new SamplesError(file, `row ${duplicate.row} has key ${JSON.stringify(duplicate.key)} twice (JSON keeps only the last value); give each override key once per row`);
  }
  return tableFromObjects(file, data as Record<string, unknown>[]);
}

/** Parquet reading is asynchronous in hyparquet; CSV and JSON are not. */
export async function readSamplesFileAsync(file: string): Promise<SamplesTable> {
  checkSamplesFile(file);
  if (path.extname(file).toLowerCase() === '.parquet') return fromParquet(file);
  return readSamplesFile(file);
}

/** A regular file within the size limit: a FIFO would block the client, a huge file exhaust its memory. */
function checkSamplesFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new SamplesError(file, 'does not exist; give a .csv, .parquet or .json file');
  }
  if (!stat.isFile()) {
    const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO (named pipe)' : 'not a regular file';
    throw new SamplesError(file, `is ${kind}; give a regular .csv, .parquet or .json file`);
  }
  if (stat.size > MAX_SAMPLES_FILE_BYTES) {
    throw new SamplesError(file, `is ${formatCount(stat.size)} bytes, over the limit of ${formatCount(MAX_SAMPLES_FILE_BYTES)} bytes for a samples file; split the sweep`);
  }
}

function readSamplesFile(file: string): SamplesTable {
  checkSamplesFile(file);
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return fromCsv(file);
  if (ext === '.json') return fromJson(file);
  if (ext === '.parquet') {
    throw new SamplesError(file, 'Parquet samples must be read with readSamplesFileAsync');
  }
  throw new SamplesError(file, `unsupported extension "${ext}"; give a .csv, .parquet or .json file`);
}
