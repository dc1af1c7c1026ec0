/**
 * Reads a per-run Parquet file back, columnar, with exact ns timestamps.
 *
 * Files in the layout writer.ts produces (flat; DATA_PAGE_V2 pages of PLAIN values, or
 * RLE_DICTIONARY for strings; SNAPPY or uncompressed) are decoded straight into typed arrays;
 * anything else (numeric dictionaries, V1 pages, other encodings or codecs, files from other
 * writers such as older gsweep versions) goes through hyparquet's general reader.
 * hyparquet parses the footer and page headers and supplies the Snappy and RLE decoders
 * in both cases.
 */
import { parquetMetadata, parquetRead, snappyUncompress, type FileMetaData, type SchemaElement } from 'hyparquet';
import type { ColumnSpec, ColumnVector } from './writer';

/* eslint-disable @typescript-eslint/no-require-imports */
const { parquetHeader } = require('hyparquet/src/column.js') as typeof import('hyparquet/types/column');
const { readRleBitPackedHybrid } = require('hyparquet/src/encoding.js') as typeof import('hyparquet/types/encoding');
/* eslint-enable @typescript-eslint/no-require-imports */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One column as read: typed values for numbers, validity mask when the column has nulls. */
export interface TypedColumn extends ColumnVector {
  spec: ColumnSpec;
  /** Float64Array (double), BigInt64Array (int64, timestamp) or (string | null)[] (string). */
  values: Float64Array | BigInt64Array | (string | null)[];
  /** Present only when some value is null (`valid[i] === 0`). */
  valid?: Uint8Array;
}

export interface TypedTable {
  rowCount: number;
  columns: TypedColumn[];
}

type Chunk = { rowStart: number; data: ArrayLike<unknown> };

function toTyped(spec: ColumnSpec, chunks: Chunk[] | undefined, rowCount: number): TypedColumn {
  const values: TypedColumn['values'] =
    spec.type === 'double' ? new Float64Array(rowCount) : spec.type === 'string' ? new Array<string | null>(rowCount).fill(null) : new BigInt64Array(rowCount);
  // Typed single chunk covering the column (REQUIRED columns): use it as is.
  if (chunks?.length === 1 && chunks[0].rowStart === 0 && chunks[0].data.length === rowCount) {
    const data = chunks[0].data;
    if ((spec.type === 'double' && data instanceof Float64Array) || (spec.type !== 'double' && spec.type !== 'string' && data instanceof BigInt64Array)) {
      return { spec, values: data as Float64Array | BigInt64Array };
    }
  }
  let valid: Uint8Array | undefined;
  let covered = 0;
  const markNull = (i: number) => {
    valid ??= new Uint8Array(rowCount).fill(1);
    valid[i] = 0;
  };
  for (const { rowStart, data } of chunks ?? []) {
    covered += data.length;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      const at = rowStart + i;
      if (v === null || v === undefined) markNull(at);
      else if (spec.type === 'string') (values as (string | null)[])[at] = String(v);
      else if (spec.type === 'double') (values as Float64Array)[at] = v as number;
      else (values as BigInt64Array)[at] = typeof v === 'bigint' ? v : BigInt(v as number);
    }
  }
  if (covered < rowCount) {
    // Rows no chunk covered (a column absent from the file): null.
    const seen = new Uint8Array(rowCount);
    for (const { rowStart, data } of chunks ?? []) seen.fill(1, rowStart, rowStart + data.length);
    for (let i = 0; i < rowCount; i++) if (!seen[i]) markNull(i);
  }
  return { spec, values, ...(valid ? { valid } : {}) };
}

/** Physical type and logical shape a flat PLAIN column must have for the fast path. */
function fastPathMatches(spec: ColumnSpec, element: SchemaElement | undefined): boolean {
  if (!element || element.num_children || element.repetition_type === 'REPEATED') return false;
  switch (spec.type) {
    case 'double':
      return element.type === 'DOUBLE';
    case 'int64':
      return element.type === 'INT64' && !element.logical_type && !element.converted_type;
    case 'timestamp':
      return element.type === 'INT64' && element.logical_type?.type === 'TIMESTAMP' && element.logical_type.unit === 'NANOS';
    case 'string':
      return element.type === 'BYTE_ARRAY' && (element.converted_type === 'UTF8' || element.logical_type?.type === 'STRING');
  }
}

class NotFastPath extends Error {}

/** The file as the fast path reads it; `scratch` is reused by every Snappy page. */
interface FlatFile {
  bytes: Uint8Array;
  meta: FileMetaData;
  view: DataView;
  text: Buffer;
  rowCount: number;
  scratch: Uint8Array;
}

/** One column being filled: `target` is the numeric values' bytes; `valid` appears with the first null. */
interface ColumnFill {
  spec: ColumnSpec;
  optional: boolean;
  values: TypedColumn['values'];
  target: Uint8Array | undefined;
  valid: Uint8Array | undefined;
}

type PageReader = { view: DataView; offset: number };
type ColumnChunkMeta = NonNullable<FileMetaData['row_groups'][number]['columns'][number]['meta_data']>;

/**
 * Decodes the file when every wanted column chunk is PLAIN DATA_PAGE_V2 pages of a flat
 * schema (what writer.ts writes); throws NotFastPath otherwise.
 */
function readFlatPlain(bytes: Uint8Array, meta: FileMetaData, schema: ColumnSpec[]): TypedTable {
  const root = meta.schema[0];
  const leaves = meta.schema.slice(1);
  if (root.num_children !== leaves.length) throw new NotFastPath();
  const leafIndex = new Map(leaves.map((e, i) => [e.name, i]));
  const rowCount = Number(meta.num_rows);
  const file: FlatFile = {
    bytes,
    meta,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    rowCount,
    scratch: new Uint8Array(0),
  };
  const columns = schema.map((spec): TypedColumn => {
    const at = leafIndex.get(spec.name);
    if (at === undefined) {
      // Column absent from this file: all null.
      const values = spec.type === 'double' ? new Float64Array(rowCount) : spec.type === 'string' ? new Array<string | null>(rowCount).fill(null) : new BigInt64Array(rowCount);
      return { spec, values, valid: new Uint8Array(rowCount) };
    }
    const element = leaves[at];
    if (!fastPathMatches(spec, element)) throw new NotFastPath();
    return readFlatColumn(file, spec, at, element.repetition_type === 'OPTIONAL');
  });
  return { rowCount, columns };
}

/** Leaf `at` of every row group, page by page. */
function readFlatColumn(file: FlatFile, spec: ColumnSpec, at: number, optional: boolean): TypedColumn {
  const { rowCount } = file;
  const numeric = spec.type !== 'string';
  const values: TypedColumn['values'] =
    spec.type === 'double' ? new Float64Array(rowCount) : numeric ? new BigInt64Array(rowCount) : new Array<string | null>(rowCount).fill(null);
  const fill: ColumnFill = { spec, optional, values, target: numeric ? new Uint8Array((values as Float64Array).buffer) : undefined, valid: undefined };
  let row = 0;
  for (const group of file.meta.row_groups) {
    const chunk = group.columns[at].meta_data;
    if (!chunk || (chunk.codec !== 'SNAPPY' && chunk.codec !== 'UNCOMPRESSED')) throw new NotFastPath();
    const groupEnd = row + Number(group.num_rows);
    const reader: PageReader = { view: file.view, offset: Number(chunk.dictionary_page_offset ?? chunk.data_page_offset) };
    // Dictionary (writer.ts dictionary-encodes low-cardinality string chunks).
    let dictionary: string[] | undefined;
    if (chunk.dictionary_page_offset !== undefined) {
      if (numeric) throw new NotFastPath();
      dictionary = readDictionaryPage(file, reader, chunk);
    }
    while (row < groupEnd) row += readDataPage(file, fill, reader, chunk, dictionary, row, groupEnd);
  }
  if (row !== rowCount) throw new NotFastPath();
  return { spec, values, ...(fill.valid ? { valid: fill.valid } : {}) };
}

/** A chunk's PLAIN string dictionary; leaves `reader` at the first data page. */
function readDictionaryPage(file: FlatFile, reader: PageReader, chunk: ColumnChunkMeta): string[] {
  const header = parquetHeader(reader);
  if (header.type !== 'DICTIONARY_PAGE' || !header.dictionary_page_header) throw new NotFastPath();
  let page = file.bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
  if (chunk.codec === 'SNAPPY') {
    const plain = new Uint8Array(header.uncompressed_page_size);
    snappyUncompress(page, plain);
    page = plain;
  }
  const src = Buffer.from(page.buffer, page.byteOffset, page.byteLength);
  const dictionary = new Array<string>(header.dictionary_page_header.num_values);
  let p = 0;
  for (let i = 0; i < dictionary.length; i++) {
    const length = src.readUInt32LE(p);
    dictionary[i] = src.toString('utf8', p + 4, p + 4 + length);
    p += 4 + length;
  }
  reader.offset += header.compressed_page_size;
  return dictionary;
}

/** Decodes the data page at `reader` into rows from `row` on; returns its value count. */
function readDataPage(
  file: FlatFile,
  fill: ColumnFill,
  reader: PageReader,
  chunk: ColumnChunkMeta,
  dictionary: string[] | undefined,
  row: number,
  groupEnd: number,
): number {
  const { bytes } = file;
  const header = parquetHeader(reader);
  const v2 = header.data_page_header_v2;
  const encodingOk = v2?.encoding === 'PLAIN' || (dictionary !== undefined && v2?.encoding === 'RLE_DICTIONARY');
  if (header.type !== 'DATA_PAGE_V2' || !v2 || !encodingOk || v2.repetition_levels_byte_length !== 0) throw new NotFastPath();
  const pageStart = reader.offset;
  const n = v2.num_values;
  if (n <= 0 || row + n > groupEnd) throw new NotFastPath();
  let pageValid: Uint8Array | undefined;
  if (v2.num_nulls > 0) {
    if (!fill.optional) throw new NotFastPath();
    pageValid = new Uint8Array(n);
    readRleBitPackedHybrid({ view: file.view, offset: pageStart }, 1, pageValid, v2.definition_levels_byte_length);
    fill.valid ??= new Uint8Array(file.rowCount).fill(1);
    fill.valid.set(pageValid, row);
  }
  const levels = v2.definition_levels_byte_length;
  const stored = bytes.subarray(pageStart + levels, pageStart + header.compressed_page_size);
  let data = stored;
  let dataOffset = pageStart + levels;
  if (v2.is_compressed !== false && chunk.codec === 'SNAPPY') {
    const size = header.uncompressed_page_size - levels;
    if (file.scratch.length < size) file.scratch = new Uint8Array(Math.max(size, file.scratch.length * 2));
    data = file.scratch.subarray(0, size);
    snappyUncompress(stored, data);
    dataOffset = -1;
  }
  const present = n - v2.num_nulls;
  if (fill.target) {
    if (data.length !== present * 8) throw new NotFastPath();
    placeNumbers(fill.target, data, pageValid, row, n);
  } else if (v2.encoding === 'RLE_DICTIONARY') {
    placeDictionaryStrings(fill.values as (string | null)[], data, dictionary!, pageValid, row, n, present);
  } else {
    // Uncompressed pages are read in place, from the file's own bytes.
    const src = dataOffset >= 0 ? file.text : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    placePlainStrings(fill.values as (string | null)[], src, dataOffset >= 0 ? dataOffset : 0, data.length, pageValid, row, n);
  }
  reader.offset = pageStart + header.compressed_page_size;
  return n;
}

/** PLAIN 8-byte values, dense (non-null only), scattered to their rows when the page has nulls. */
function placeNumbers(target: Uint8Array, data: Uint8Array, pageValid: Uint8Array | undefined, row: number, n: number): void {
  if (!pageValid) {
    target.set(data, row * 8);
    return;
  }
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (pageValid[i] === 0) continue;
    target.set(data.subarray(k * 8, k * 8 + 8), (row + i) * 8);
    k++;
  }
}

function placeDictionaryStrings(
  strings: (string | null)[],
  data: Uint8Array,
  dictionary: string[],
  pageValid: Uint8Array | undefined,
  row: number,
  n: number,
  present: number,
): void {
  const indices = new Int32Array(present);
  if (present > 0) {
    const local = new DataView(data.buffer, data.byteOffset, data.byteLength);
    readRleBitPackedHybrid({ view: local, offset: 1 }, data[0], indices, data.length - 1);
  }
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (pageValid && pageValid[i] === 0) continue;
    const value = dictionary[indices[k++]];
    if (value === undefined) throw new NotFastPath();
    strings[row + i] = value;
  }
}

/** PLAIN BYTE_ARRAY values (4-byte length, UTF-8 bytes) from `src` at `start`, `length` bytes. */
function placePlainStrings(
  strings: (string | null)[],
  src: Buffer,
  start: number,
  length: number,
  pageValid: Uint8Array | undefined,
  row: number,
  n: number,
): void {
  let p = start;
  const end = p + length;
  for (let i = 0; i < n; i++) {
    if (pageValid && pageValid[i] === 0) continue;
    if (p + 4 > end) throw new NotFastPath();
    const size = src.readUInt32LE(p);
    strings[row + i] = src.toString('utf8', p + 4, p + 4 + size);
    p += 4 + size;
  }
}

/** Reads the named columns of a Parquet file's bytes (a file read whole, an object read from a Store) into typed arrays (no per-value boxing for numbers). */
export async function readParquetBytes(bytes: Buffer<ArrayBuffer>, schema: ColumnSpec[]): Promise<TypedTable> {
  const buffer =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes.buffer
      : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const meta = parquetMetadata(buffer);
  if (LITTLE_ENDIAN) {
    try {
      return readFlatPlain(new Uint8Array(buffer), meta, schema);
    } catch {
      // Not the layout writer.ts produces (NotFastPath) or not decodable by the fast path:
      // hyparquet's general reader decides (and reports a corrupt file in its own words).
    }
  }
  const chunks = new Map<string, Chunk[]>();
  let rowCount = 0;
  await parquetRead({
    file: buffer,
    // Only columns the file has: the others come back as nulls (a run whose table lacks a column).
    columns: schema.map((c) => c.name).filter((name) => meta.schema.some((e, i) => i > 0 && e.name === name)),
    // Keep INT64 timestamps as BigInt nanoseconds: the default parser would round to a Date (ms).
    parsers: { timestampFromNanoseconds: (nanos: bigint) => nanos },
    onChunk: (chunk) => {
      const list = chunks.get(chunk.columnName) ?? [];
      list.push({ rowStart: chunk.rowStart, data: chunk.columnData as ArrayLike<unknown> });
      chunks.set(chunk.columnName, list);
      rowCount = Math.max(rowCount, chunk.rowEnd);
    },
  });
  return { rowCount, columns: schema.map((spec) => toTyped(spec, chunks.get(spec.name), rowCount)) };
}
