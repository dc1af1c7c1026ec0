/**
 * Every Parquet byte gsweep writes goes through this module, so the writer library can be
 * swapped by measurement (SPEC §5). Current choice: hyparquet-writer — measured in
 * docs/benchmarks.md against parquetjs-lite (the design's first pick, ~20x slower and
 * ~890 MB RSS per million rows) and parquet-wasm.
 *
 * Files are written to a temp name beside the target and renamed into place, so a reader
 * (or a retried activity) never sees a half-written table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParquetWriter, ByteWriter } from 'hyparquet-writer';
import type { Column, ColumnType, Table } from '../table';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** false only for key columns that can never be null (run_id). */
  nullable?: boolean;
}

/** Rows per row group: large enough for readers to scan fast, small enough to bound memory. */
export const DEFAULT_ROW_GROUP_ROWS = 65_536;

type SchemaElement = Record<string, unknown>;

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

/** A ByteWriter that spills to a file descriptor whenever its buffer passes `spillBytes`. */
function fileByteWriter(fd: number, spillBytes = 4 << 20): ByteWriter {
  const writer = new ByteWriter();
  const flush = () => {
    if (writer.index > 0) {
      fs.writeSync(fd, new Uint8Array(writer.buffer, 0, writer.index));
      writer.index = 0;
    }
  };
  const ensure = writer.ensure.bind(writer);
  writer.ensure = (size: number) => {
    if (writer.index > spillBytes) flush();
    ensure(size);
  };
  writer.finish = () => flush();
  return writer;
}

function tempPathFor(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}.tmp`,
  );
}

/**
 * Streams row groups into one Parquet file. Memory is bounded by one row group, whatever
 * the number of rows appended.
 */
export class ParquetStreamWriter {
  private readonly fd: number;
  private readonly tempPath: string;
  private readonly writer: ParquetWriter;
  private readonly bytes: ByteWriter;
  private pending: (unknown[])[];
  private pendingRows = 0;
  private closed = false;

  constructor(
    private readonly targetPath: string,
    private readonly columns: ColumnSpec[],
    private readonly options: { rowGroupRows?: number; metadata?: Record<string, string> } = {},
  ) {
    this.tempPath = tempPathFor(targetPath);
    this.fd = fs.openSync(this.tempPath, 'w');
    this.bytes = fileByteWriter(this.fd);
    this.writer = new ParquetWriter({
      writer: this.bytes,
      schema: parquetSchema(columns) as never,
      kvMetadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      createdBy: 'gsweep (hyparquet-writer)',
    });
    this.pending = columns.map(() => []);
  }

  get rowGroupRows(): number {
    return this.options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  }

  /** Appends the rows of `table`; its columns are matched to the schema by name, missing ones are null. */
  append(table: Table): void {
    if (this.closed) throw new Error(`Parquet writer for ${this.targetPath} is closed`);
    const byName = new Map<string, Column>(table.columns.map((c) => [c.name, c]));
    this.columns.forEach((spec, i) => {
      const column = byName.get(spec.name);
      const sink = this.pending[i];
      if (column === undefined) {
        for (let r = 0; r < table.rowCount; r++) sink.push(null);
      } else {
        if (column.type !== spec.type) {
          throw new Error(
            `column "${spec.name}" is ${column.type} in this table but ${spec.type} in the Parquet schema`,
          );
        }
        for (let r = 0; r < table.rowCount; r++) sink.push(column.values[r]);
      }
    });
    this.pendingRows += table.rowCount;
    if (this.pendingRows >= this.rowGroupRows) this.flushRowGroup();
  }

  private flushRowGroup(): void {
    if (this.pendingRows === 0) return;
    this.writer.write({
      columnData: this.columns.map((spec, i) => ({
        name: spec.name,
        data: this.pending[i] as never,
      })),
      rowGroupSize: this.pendingRows,
    });
    this.pending = this.columns.map(() => []);
    this.pendingRows = 0;
  }

  /** Finishes the file and renames it into place (atomic on one filesystem). */
  close(): void {
    if (this.closed) return;
    this.flushRowGroup();
    this.writer.finish();
    this.bytes.finish();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.closed = true;
    fs.renameSync(this.tempPath, this.targetPath);
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
  const writer = new ParquetStreamWriter(targetPath, columnSpecsOf(table), { metadata });
  try {
    writer.append(table);
    writer.close();
  } catch (err) {
    writer.abort();
    throw err;
  }
}
