/**
 * Every Parquet byte gsweep writes goes through this module, so the writer can be swapped by
 * measurement (figures and the decision in docs/benchmarks.md §1).
 *
 * gsweep's tables are flat (INT64, TIMESTAMP(ns), DOUBLE, STRING columns, optional or
 * required), so column chunks are encoded here directly from typed column buffers:
 * DATA_PAGE_V2 pages, PLAIN values (RLE_DICTIONARY for low-cardinality strings such as
 * `__status`), RLE definition levels, min/max/null-count statistics, SNAPPY by default with
 * pages Snappy cannot shrink (full-precision state vectors) stored raw. hyparquet-writer
 * supplies what is not per-value work: the Thrift page headers and footer
 * (`writePageHeader`, `writeMetadata`), the Snappy codec and the RLE/bit-packed encoder.
 * Going through hyparquet-writer's general path (nested data, boxed values, dictionary
 * trials for every column) cost ~2 s per million rows; this path ~0.35 s, close to pyarrow.
 *
 * Files are written to a temp name beside the target and renamed into place, so a reader
 * (or a retried activity) never sees a half-written table.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ByteWriter } from 'hyparquet-writer';
import type { ColumnChunk, CompressionCodec, FileMetaData, RowGroup, SchemaElement } from 'hyparquet';
import type { Column, ColumnSpec, Table } from '../table';

// Deep imports of hyparquet-writer's own building blocks (exported as `hyparquet-writer/src/*.js`).
/* eslint-disable @typescript-eslint/no-require-imports */
const { writeMetadata } = require('hyparquet-writer/src/metadata.js') as typeof import('hyparquet-writer/types/metadata');
const { writePageHeader } = require('hyparquet-writer/src/datapage.js') as typeof import('hyparquet-writer/types/datapage');
const { snappyCompress } = require('hyparquet-writer/src/snappy.js') as typeof import('hyparquet-writer/types/snappy');
const { writeRleBitPackedHybrid } = require('hyparquet-writer/src/encoding.js') as typeof import('hyparquet-writer/types/encoding');
/* eslint-enable @typescript-eslint/no-require-imports */

export type { ColumnSpec } from '../table';

/** Rows per row group: large enough for readers to scan fast, small enough to bound memory. */
export const DEFAULT_ROW_GROUP_ROWS = 65_536;
/** Rows per data page inside a column chunk (≤ 512 KiB of DOUBLE values). */
const PAGE_ROWS = 65_536;
/** Snappy output above this fraction of the input counts as "does not compress". */
const INCOMPRESSIBLE_RATIO = 0.9;
/** Row groups an incompressible column is stored raw before Snappy is probed again. */
const COMPRESSION_PROBE_INTERVAL = 16;
/** String column chunks with at most this many distinct values (and bytes) are dictionary-encoded. */
const MAX_DICTIONARY_VALUES = 4096;
const MAX_DICTIONARY_BYTES = 1 << 20;

export type ParquetCodec = 'SNAPPY' | 'UNCOMPRESSED';

const LITTLE_ENDIAN = os.endianness() === 'LE';
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function schemaElement(spec: ColumnSpec): SchemaElement {
  const repetition_type = spec.nullable === false ? 'REQUIRED' : 'OPTIONAL';
  switch (spec.type) {
    case 'double':
      return { name: spec.name, type: 'DOUBLE', repetition_type };
    case 'int64':
      return { name: spec.name, type: 'INT64', repetition_type };
    case 'timestamp':
      // Naive (not UTC-adjusted) nanoseconds: GMAT epochs are instants in their own time
      // scale (UTC, A1, TAI, ...) and gmat-sweep's tables are datetime64[ns] without a zone.
      return {
        name: spec.name,
        type: 'INT64',
        repetition_type,
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' },
      };
    case 'string':
      return {
        name: spec.name,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
        repetition_type,
      };
  }
}

export function parquetSchema(columns: ColumnSpec[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElement)];
}

/** A ByteWriter that spills to a file descriptor; large value blocks go straight to the file. */
class FileSink extends ByteWriter {
  constructor(
    private readonly fd: number,
    private readonly spillBytes = 1 << 20,
  ) {
    super(64 * 1024);
  }

  override ensure(size: number): void {
    if (this.index > this.spillBytes) this.flush();
    super.ensure(size);
  }

  flush(): void {
    if (this.index > 0) {
      fs.writeSync(this.fd, new Uint8Array(this.buffer, 0, this.index));
      this.index = 0;
    }
  }

  /** Writes `bytes` without copying them into the buffer. */
  writeBlock(bytes: Uint8Array): void {
    if (bytes.length < 4096) {
      this.appendBytes(bytes);
      return;
    }
    this.flush();
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, bytes.length - done);
    this.offset += bytes.length;
  }

  override finish(): void {
    this.flush();
  }
}

function tempPathFor(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}.tmp`,
  );
}

/**
 * Column data without boxing, for bulk writers (the aggregate): typed arrays for numbers
 * (`Float64Array` for double, `BigInt64Array` for int64/timestamp), plain arrays for strings
 * (or for any type, with `null` for missing values), and an optional validity mask
 * (`valid[i] === 0` means row i is null; its value is ignored).
 */
export interface ColumnVector {
  values: ArrayLike<unknown>;
  valid?: Uint8Array;
}

/** Growable typed storage for one column of the pending row group. */
class ColumnBuffer {
  numbers: Float64Array | BigInt64Array | null;
  strings: (string | null)[] | null;
  valid: Uint8Array;
  nulls = 0;
  /**
   * Row groups left before Snappy is tried again on this column. Columns Snappy cannot
   * shrink (full-precision state vectors) are stored uncompressed page by page
   * (DATA_PAGE_V2 `is_compressed = false`) instead of paying the codec for nothing.
   */
  skipCompression = 0;

  constructor(
    readonly spec: ColumnSpec,
    capacity: number,
  ) {
    this.valid = new Uint8Array(capacity);
    this.numbers = spec.type === 'double' ? new Float64Array(capacity) : spec.type === 'string' ? null : new BigInt64Array(capacity);
    this.strings = spec.type === 'string' ? new Array<string | null>(capacity) : null;
  }

  get capacity(): number {
    return this.valid.length;
  }

  grow(capacity: number, used: number): void {
    const valid = new Uint8Array(capacity);
    valid.set(this.valid.subarray(0, used));
    this.valid = valid;
    if (this.numbers) {
      const numbers = this.numbers instanceof Float64Array ? new Float64Array(capacity) : new BigInt64Array(capacity);
      numbers.set(this.numbers.subarray(0, used) as never);
      this.numbers = numbers;
    }
    if (this.strings) this.strings.length = capacity;
  }

  reset(): void {
    this.nulls = 0;
  }
}

function badValue(spec: ColumnSpec, value: unknown): Error {
  const shown = typeof value === 'bigint' ? `${value}n` : JSON.stringify(value) ?? String(value);
  return new Error(`column "${spec.name}" (${spec.type}) cannot hold the value ${shown}`);
}

/** Copies rows [from, from + n) of `source` into `buf` at `pos`. */
function copyInto(buf: ColumnBuffer, pos: number, source: ColumnVector | undefined, from: number, n: number): void {
  const { spec, valid } = buf;
  if (!source) {
    if (spec.nullable === false) throw new Error(`column "${spec.name}" is required but missing from the appended rows`);
    valid.fill(0, pos, pos + n);
    buf.nulls += n;
    return;
  }
  const values = source.values;
  const mask = source.valid;
  if (spec.type === 'string') {
    const out = buf.strings!;
    for (let i = 0; i < n; i++) {
      const v = values[from + i];
      if ((mask && mask[from + i] === 0) || v === null || v === undefined) {
        valid[pos + i] = 0;
        out[pos + i] = null;
        buf.nulls++;
      } else {
        if (typeof v !== 'string') throw badValue(spec, v);
        valid[pos + i] = 1;
        out[pos + i] = v;
      }
    }
  } else if ((spec.type === 'double' && values instanceof Float64Array) || (spec.type !== 'double' && values instanceof BigInt64Array)) {
    // Typed input: one block copy.
    (buf.numbers as Float64Array).set((values as Float64Array).subarray(from, from + n), pos);
    if (mask) {
      let nulls = 0;
      for (let i = 0; i < n; i++) {
        const m = mask[from + i] === 0 ? 0 : 1;
        valid[pos + i] = m;
        nulls += 1 - m;
      }
      buf.nulls += nulls;
    } else valid.fill(1, pos, pos + n);
  } else if (spec.type === 'double') {
    const out = buf.numbers as Float64Array;
    for (let i = 0; i < n; i++) {
      const v = values[from + i];
      if ((mask && mask[from + i] === 0) || v === null || v === undefined) {
        valid[pos + i] = 0;
        out[pos + i] = 0;
        buf.nulls++;
      } else {
        if (typeof v !== 'number') throw badValue(spec, v);
        valid[pos + i] = 1;
        out[pos + i] = v;
      }
    }
  } else {
    const out = buf.numbers as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const v = values[from + i];
      if ((mask && mask[from + i] === 0) || v === null || v === undefined) {
        valid[pos + i] = 0;
        out[pos + i] = 0n;
        buf.nulls++;
      } else {
        if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) throw badValue(spec, v);
        valid[pos + i] = 1;
        out[pos + i] = v;
      }
    }
  }
  if (spec.nullable === false && buf.nulls > 0) throw new Error(`column "${spec.name}" is required but has null values`);
}

// ---------------------------------------------------------------------------------------
// Encoding

/** Unsigned LEB128 varint (Parquet's RLE run headers). */
function pushVarInt(out: number[], value: number): void {
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

/**
 * Definition levels (bit width 1) as Parquet's RLE/bit-packed hybrid, without the length
 * prefix (DATA_PAGE_V2 keeps levels outside the compressed values).
 */
function definitionLevels(valid: Uint8Array, start: number, n: number, nulls: number): Uint8Array {
  const out: number[] = [];
  if (nulls === 0 || nulls === n) {
    pushVarInt(out, n * 2); // RLE run: (count << 1) | 0
    out.push(nulls === 0 ? 1 : 0);
    return Uint8Array.from(out);
  }
  const groups = Math.ceil(n / 8);
  pushVarInt(out, groups * 2 + 1); // bit-packed run: (groups << 1) | 1
  const bytes = new Uint8Array(out.length + groups);
  bytes.set(out);
  let o = out.length;
  for (let g = 0; g < groups; g++) {
    let byte = 0;
    const base = start + g * 8;
    const end = Math.min(8, n - g * 8);
    for (let b = 0; b < end; b++) byte |= valid[base + b] << b;
    bytes[o++] = byte;
  }
  return bytes;
}

interface Scratch {
  f64: Float64Array;
  i64: BigInt64Array;
  bytes: Buffer;
}

function numericPlain(buf: ColumnBuffer, start: number, n: number, pageNulls: number, scratch: Scratch): Uint8Array {
  const data = buf.numbers!;
  let dense: Float64Array | BigInt64Array;
  let count = n;
  if (pageNulls === 0) {
    dense = data.subarray(start, start + n);
  } else {
    const isDouble = data instanceof Float64Array;
    if (isDouble && scratch.f64.length < n) scratch.f64 = new Float64Array(n);
    if (!isDouble && scratch.i64.length < n) scratch.i64 = new BigInt64Array(n);
    const out = isDouble ? scratch.f64 : scratch.i64;
    const valid = buf.valid;
    count = 0;
    for (let i = start; i < start + n; i++) if (valid[i] === 1) (out as Float64Array)[count++] = (data as Float64Array)[i];
    dense = out.subarray(0, count);
  }
  if (LITTLE_ENDIAN) return new Uint8Array(dense.buffer, dense.byteOffset, count * 8);
  const bytes = new Uint8Array(count * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) {
    if (dense instanceof Float64Array) view.setFloat64(i * 8, dense[i], true);
    else view.setBigInt64(i * 8, dense[i], true);
  }
  return bytes;
}

function stringPlain(buf: ColumnBuffer, start: number, n: number, scratch: Scratch): Uint8Array {
  const strings = buf.strings!;
  const valid = buf.valid;
  let size = 0;
  let last: string | null = null;
  let lastLength = 0;
  for (let i = start; i < start + n; i++) {
    if (valid[i] === 0) continue;
    const s = strings[i]!;
    if (s !== last) {
      last = s;
      lastLength = Buffer.byteLength(s, 'utf8');
    }
    size += 4 + lastLength;
  }
  if (scratch.bytes.length < size) scratch.bytes = Buffer.allocUnsafe(Math.max(size, scratch.bytes.length * 2));
  const out = scratch.bytes;
  let o = 0;
  last = null;
  let lastAt = 0;
  for (let i = start; i < start + n; i++) {
    if (valid[i] === 0) continue;
    const s = strings[i]!;
    if (s === last) {
      // Repeated value (e.g. __status): copy the previous encoding.
      out.writeUInt32LE(lastLength, o);
      if (lastLength <= 32) for (let b = 0; b < lastLength; b++) out[o + 4 + b] = out[lastAt + b];
      else out.copy(out, o + 4, lastAt, lastAt + lastLength);
      o += 4 + lastLength;
      continue;
    }
    const length = out.write(s, o + 4, 'utf8');
    out.writeUInt32LE(length, o);
    last = s;
    lastLength = length;
    lastAt = o + 4;
    o += 4 + length;
  }
  return new Uint8Array(out.buffer, out.byteOffset, o);
}

interface StringDictionary {
  values: string[];
  /** Dictionary index per row (rows that are null are not read). */
  indices: Int32Array;
}

/** A column chunk's statistics: null count, and min/max (and NaN count) for numbers. */
function chunkStatistics(buf: ColumnBuffer, rows: number): Record<string, unknown> {
  let statistics: Record<string, unknown> = { null_count: BigInt(buf.nulls) };
  if (buf.spec.type === 'double') {
    const { min, max, nan } = doubleMinMax(buf.numbers as Float64Array, buf.valid, rows);
    statistics = { ...statistics, min_value: min, max_value: max, nan_count: BigInt(nan) };
  } else if (buf.spec.type !== 'string') {
    const { min, max } = int64MinMax(buf.numbers as BigInt64Array, buf.valid, rows);
    statistics = { ...statistics, min_value: min, max_value: max };
  }
  return statistics;
}

/** Dictionary of a string column chunk, or undefined when it has too many distinct values. */
function stringDictionary(buf: ColumnBuffer, rows: number): StringDictionary | undefined {
  const strings = buf.strings!;
  const valid = buf.valid;
  const lookup = new Map<string, number>();
  const values: string[] = [];
  const indices = new Int32Array(rows);
  let bytes = 0;
  let last: string | null = null;
  let lastIndex = 0;
  for (let i = 0; i < rows; i++) {
    if (valid[i] === 0) continue;
    const s = strings[i]!;
    if (s !== last) {
      let index = lookup.get(s);
      if (index === undefined) {
        index = values.length;
        values.push(s);
        lookup.set(s, index);
        bytes += 4 + Buffer.byteLength(s, 'utf8');
        if (values.length > MAX_DICTIONARY_VALUES || bytes > MAX_DICTIONARY_BYTES) return undefined;
      }
      last = s;
      lastIndex = index;
    }
    indices[i] = lastIndex;
  }
  return { values, indices };
}

function plainStrings(list: string[]): Uint8Array {
  let size = 0;
  for (const s of list) size += 4 + Buffer.byteLength(s, 'utf8');
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const s of list) {
    const length = out.write(s, o + 4, 'utf8');
    out.writeUInt32LE(length, o);
    o += 4 + length;
  }
  return new Uint8Array(out.buffer, out.byteOffset, o);
}

/** RLE_DICTIONARY page values: bit width, then the indices of the page's non-null rows. */
function dictionaryIndices(dictionary: StringDictionary, valid: Uint8Array, start: number, n: number, pageNulls: number): Uint8Array {
  let indices = dictionary.indices.subarray(start, start + n);
  if (pageNulls > 0) {
    const dense = new Int32Array(n - pageNulls);
    let k = 0;
    for (let i = start; i < start + n; i++) if (valid[i] === 1) dense[k++] = dictionary.indices[i];
    indices = dense;
  }
  const bitWidth = dictionary.values.length <= 1 ? 0 : Math.ceil(Math.log2(dictionary.values.length));
  const out = new ByteWriter(Math.max(64, (indices.length * bitWidth) / 8 + 64));
  out.appendUint8(bitWidth);
  writeRleBitPackedHybrid(out, indices, bitWidth);
  return out.getBytes();
}

/** Min/max of an INT64 range without materialising a BigInt per value. */
function int64MinMax(data: BigInt64Array, valid: Uint8Array, n: number): { min?: bigint; max?: bigint } {
  const words = new Int32Array(data.buffer, data.byteOffset, n * 2);
  const hiAt = LITTLE_ENDIAN ? 1 : 0;
  const loAt = 1 - hiAt;
  let minI = -1;
  let maxI = -1;
  let minHi = 0;
  let minLo = 0;
  let maxHi = 0;
  let maxLo = 0;
  for (let i = 0; i < n; i++) {
    if (valid[i] === 0) continue;
    const hi = words[2 * i + hiAt];
    const lo = words[2 * i + loAt] >>> 0;
    if (minI < 0 || hi < minHi || (hi === minHi && lo < minLo)) {
      minI = i;
      minHi = hi;
      minLo = lo;
    }
    if (maxI < 0 || hi > maxHi || (hi === maxHi && lo > maxLo)) {
      maxI = i;
      maxHi = hi;
      maxLo = lo;
    }
  }
  return minI < 0 ? {} : { min: data[minI], max: data[maxI] };
}

function doubleMinMax(data: Float64Array, valid: Uint8Array, n: number): { min?: number; max?: number; nan: number } {
  let min = Infinity;
  let max = -Infinity;
  let seen = false;
  let nan = 0;
  for (let i = 0; i < n; i++) {
    if (valid[i] === 0) continue;
    const v = data[i];
    if (v !== v) {
      nan++;
      continue;
    }
    seen = true;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!seen) return { nan };
  // Parquet: a zero minimum is written as -0.0 and a zero maximum as +0.0.
  return { min: min === 0 ? -0 : min, max: max === 0 ? 0 : max, nan };
}

/**
 * Streams row groups into one Parquet file. Memory is bounded by one row group, whatever
 * the number of rows appended.
 */
export class ParquetStreamWriter {
  private readonly fd: number;
  private readonly tempPath: string;
  private readonly sink: FileSink;
  private readonly schema: SchemaElement[];
  private readonly buffers: ColumnBuffer[];
  private readonly byName: Map<string, number>;
  private readonly rowGroups: RowGroup[] = [];
  private readonly codec: ParquetCodec;
  private readonly scratch: Scratch = { f64: new Float64Array(0), i64: new BigInt64Array(0), bytes: Buffer.alloc(0) };
  private pendingRows = 0;
  private totalRows = 0;
  private closed = false;

  constructor(
    private readonly targetPath: string,
    private readonly columns: ColumnSpec[],
    private readonly options: {
      rowGroupRows?: number;
      metadata?: Record<string, string>;
      codec?: ParquetCodec;
      /** Rows expected in the file, to size buffers for small one-shot tables. */
      expectedRows?: number;
    } = {},
  ) {
    if (new Set(columns.map((c) => c.name)).size !== columns.length) {
      throw new Error(`duplicate column names in Parquet schema: ${columns.map((c) => c.name).join(', ')}`);
    }
    this.codec = options.codec ?? 'SNAPPY';
    this.schema = parquetSchema(columns);
    const capacity = Math.max(1, Math.min(this.rowGroupRows, options.expectedRows ?? 1024));
    this.buffers = columns.map((spec) => new ColumnBuffer(spec, capacity));
    this.byName = new Map(columns.map((c, i) => [c.name, i]));
    this.tempPath = tempPathFor(targetPath);
    this.fd = fs.openSync(this.tempPath, 'w');
    this.sink = new FileSink(this.fd);
    this.sink.appendUint32(0x31524150); // "PAR1"
  }

  get rowGroupRows(): number {
    return this.options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  }

  /** Appends the rows of `table`; its columns are matched to the schema by name, missing ones are null. */
  append(table: Table): void {
    const byName = new Map<string, Column>(table.columns.map((c) => [c.name, c]));
    const vectors = this.columns.map((spec): ColumnVector | undefined => {
      const column = byName.get(spec.name);
      if (column === undefined) return undefined;
      if (column.type !== spec.type) {
        throw new Error(`column "${spec.name}" is ${column.type} in this table but ${spec.type} in the Parquet schema`);
      }
      return { values: column.values };
    });
    this.appendVectors(table.rowCount, vectors);
  }

  /**
   * Appends `rowCount` rows given column by column in schema order (`undefined` = all null).
   * Typed arrays are block-copied; nothing is boxed per value.
   */
  appendVectors(rowCount: number, vectors: (ColumnVector | undefined)[]): void {
    if (this.closed) throw new Error(`Parquet writer for ${this.targetPath} is closed`);
    if (vectors.length !== this.columns.length) {
      throw new Error(`expected ${this.columns.length} column vectors, got ${vectors.length}`);
    }
    let from = 0;
    while (from < rowCount) {
      const n = Math.min(rowCount - from, this.rowGroupRows - this.pendingRows);
      const needed = this.pendingRows + n;
      if (needed > this.buffers[0].capacity) {
        const capacity = Math.min(this.rowGroupRows, Math.max(needed, this.buffers[0].capacity * 2));
        for (const b of this.buffers) b.grow(capacity, this.pendingRows);
      }
      this.buffers.forEach((buf, i) => copyInto(buf, this.pendingRows, vectors[i], from, n));
      this.pendingRows += n;
      from += n;
      if (this.pendingRows >= this.rowGroupRows) this.flushRowGroup();
    }
  }

  /** Index of a schema column by name (for building `appendVectors` input). */
  columnIndex(name: string): number | undefined {
    return this.byName.get(name);
  }

  private writeColumnChunk(buf: ColumnBuffer, rows: number): ColumnChunk {
    const sink = this.sink;
    const chunkStart = sink.offset;
    const optional = buf.spec.nullable !== false;
    const element = this.schema[this.byName.get(buf.spec.name)! + 1];
    let uncompressed = 0;
    const firstProbe = buf.skipCompression === 0;
    const dictionary = buf.spec.type === 'string' ? stringDictionary(buf, rows) : undefined;
    let dictionaryPageOffset: bigint | undefined;
    if (dictionary) {
      dictionaryPageOffset = BigInt(sink.offset);
      uncompressed += this.writeDictionaryPage(dictionary);
    }
    const dataPageOffset = BigInt(sink.offset);
    for (let start = 0; start < rows; start += PAGE_ROWS) {
      uncompressed += this.writeDataPage(buf, start, Math.min(PAGE_ROWS, rows - start), optional, dictionary);
    }
    if (buf.skipCompression > 0 && !firstProbe) buf.skipCompression--;
    return {
      file_offset: BigInt(chunkStart),
      meta_data: {
        type: element.type!,
        encodings: dictionary ? ['PLAIN', 'RLE', 'RLE_DICTIONARY'] : optional ? ['PLAIN', 'RLE'] : ['PLAIN'],
        path_in_schema: [buf.spec.name],
        codec: this.codec as CompressionCodec,
        num_values: BigInt(rows),
        total_uncompressed_size: BigInt(uncompressed),
        total_compressed_size: BigInt(sink.offset - chunkStart),
        data_page_offset: dataPageOffset,
        ...(dictionaryPageOffset !== undefined ? { dictionary_page_offset: dictionaryPageOffset } : {}),
        statistics: chunkStatistics(buf, rows) as never,
      },
    };
  }

  /** Writes a chunk's PLAIN dictionary page; returns its uncompressed size (header included). */
  private writeDictionaryPage(dictionary: StringDictionary): number {
    const sink = this.sink;
    // Dictionary pages have no "is_compressed" flag: they always use the chunk's codec.
    const plain = plainStrings(dictionary.values);
    const stored = this.codec === 'SNAPPY' ? snappyCompress(plain) : plain;
    const headerStart = sink.offset;
    writePageHeader(sink, {
      type: 'DICTIONARY_PAGE',
      uncompressed_page_size: plain.length,
      compressed_page_size: stored.length,
      dictionary_page_header: { num_values: dictionary.values.length, encoding: 'PLAIN' },
    });
    const uncompressed = sink.offset - headerStart + plain.length;
    sink.writeBlock(stored);
    return uncompressed;
  }

  /** Writes rows [start, start + n) as one DATA_PAGE_V2; returns its uncompressed size (header included). */
  private writeDataPage(buf: ColumnBuffer, start: number, n: number, optional: boolean, dictionary: StringDictionary | undefined): number {
    const sink = this.sink;
    let pageNulls = 0;
    if (buf.nulls > 0) for (let i = start; i < start + n; i++) pageNulls += 1 - buf.valid[i];
    const levels = optional ? definitionLevels(buf.valid, start, n, pageNulls) : new Uint8Array(0);
    const values = dictionary
      ? dictionaryIndices(dictionary, buf.valid, start, n, pageNulls)
      : buf.spec.type === 'string'
        ? stringPlain(buf, start, n, this.scratch)
        : numericPlain(buf, start, n, pageNulls, this.scratch);
    let stored = values;
    let compressed = false;
    if (this.codec === 'SNAPPY' && buf.skipCompression === 0) {
      const packed = snappyCompress(values);
      if (packed.length <= values.length * INCOMPRESSIBLE_RATIO) {
        stored = packed;
        compressed = true;
      } else {
        // Not worth it: store this column raw for the next few row groups.
        buf.skipCompression = COMPRESSION_PROBE_INTERVAL;
      }
    }
    const headerStart = sink.offset;
    writePageHeader(sink, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levels.length + values.length,
      compressed_page_size: levels.length + stored.length,
      data_page_header_v2: {
        num_values: n,
        num_nulls: pageNulls,
        num_rows: n,
        encoding: dictionary ? 'RLE_DICTIONARY' : 'PLAIN',
        definition_levels_byte_length: levels.length,
        repetition_levels_byte_length: 0,
        is_compressed: compressed,
      },
    });
    const uncompressed = sink.offset - headerStart + levels.length + values.length;
    sink.appendBytes(levels);
    sink.writeBlock(stored);
    return uncompressed;
  }

  private flushRowGroup(): void {
    const rows = this.pendingRows;
    if (rows === 0) return;
    const groupStart = this.sink.offset;
    const columns = this.buffers.map((buf) => this.writeColumnChunk(buf, rows));
    let totalBytes = 0n;
    for (const c of columns) totalBytes += c.meta_data!.total_uncompressed_size;
    this.rowGroups.push({
      columns,
      total_byte_size: totalBytes,
      num_rows: BigInt(rows),
      file_offset: BigInt(groupStart),
      total_compressed_size: BigInt(this.sink.offset - groupStart),
    });
    for (const b of this.buffers) b.reset();
    this.totalRows += rows;
    this.pendingRows = 0;
  }

  /** Finishes the file and renames it into place (atomic on one filesystem). */
  close(): void {
    if (this.closed) return;
    this.finishFile();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.closed = true;
    fs.renameSync(this.tempPath, this.targetPath);
  }

  /**
   * close() with the fsync, close and rename on libuv's thread pool: a worker's main thread
   * keeps serving its other GMAT slots while the disk flushes (the per-run tables' path).
   */
  async closeAsync(): Promise<void> {
    if (this.closed) return;
    this.finishFile();
    this.closed = true;
    const fd = this.fd;
    try {
      try {
        await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
      } finally {
        await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
      }
      await fs.promises.rename(this.tempPath, this.targetPath);
    } catch (err) {
      await fs.promises.rm(this.tempPath, { force: true });
      throw err;
    }
  }

  private finishFile(): void {
    this.flushRowGroup();
    const metadata: FileMetaData = {
      version: 2,
      created_by: 'gsweep',
      schema: this.schema,
      num_rows: BigInt(this.totalRows),
      row_groups: this.rowGroups,
      key_value_metadata: Object.entries(this.options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      metadata_length: 0,
    };
    writeMetadata(this.sink, metadata);
    this.sink.appendUint32(0x31524150); // "PAR1"
    this.sink.finish();
  }

  /** Drops the partial file; the target is left as it was. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } finally {
      fs.rmSync(this.tempPath, { force: true });
    }
  }
}

export function columnSpecsOf(table: Table): ColumnSpec[] {
  return table.columns.map((c) => ({ name: c.name, type: c.type }));
}

/** Writes one whole table atomically. */
export function writeParquetTable(
  targetPath: string,
  table: Table,
  metadata?: Record<string, string>,
): void {
  const writer = new ParquetStreamWriter(targetPath, columnSpecsOf(table), { metadata, expectedRows: table.rowCount });
  try {
    writer.append(table);
    writer.close();
  } catch (err) {
    writer.abort();
    throw err;
  }
}

/** writeParquetTable whose fsync, close and rename run off the main thread (see closeAsync). */
export async function writeParquetTableAsync(targetPath: string, table: Table, metadata?: Record<string, string>): Promise<void> {
  const writer = new ParquetStreamWriter(targetPath, columnSpecsOf(table), { metadata, expectedRows: table.rowCount });
  try {
    writer.append(table);
  } catch (err) {
    writer.abort();
    throw err;
  }
  await writer.closeAsync();
}
