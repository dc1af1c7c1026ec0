/** Reads a per-run Parquet file back into the in-memory `Table` shape (columnar, exact ns timestamps). */
import * as fs from 'node:fs';
import { parquetRead } from 'hyparquet';
import type { Column, Table } from '../table';
import type { ColumnSpec } from './writer';

export async function readParquetTable(file: string, schema: ColumnSpec[]): Promise<Table> {
  const bytes = fs.readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const chunks = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
  let rowCount = 0;
  await parquetRead({
    file: buffer,
    columns: schema.map((c) => c.name),
    // Keep INT64 timestamps as BigInt nanoseconds: the default parser would round to a Date (ms).
    parsers: { timestampFromNanoseconds: (nanos: bigint) => nanos },
    onChunk: (chunk) => {
      const list = chunks.get(chunk.columnName) ?? [];
      list.push({ rowStart: chunk.rowStart, data: chunk.columnData as ArrayLike<unknown> });
      chunks.set(chunk.columnName, list);
      rowCount = Math.max(rowCount, chunk.rowEnd);
    },
  });
  const columns = schema.map((spec): Column => {
    const values: unknown[] = new Array(rowCount).fill(null);
    for (const { rowStart, data } of chunks.get(spec.name) ?? []) {
      for (let i = 0; i < data.length; i++) values[rowStart + i] = data[i] ?? null;
    }
    return { ...spec, values, ...(spec.type === 'timestamp' ? { scale: 'UTC' } : {}) } as Column;
  });
  return { columns, rowCount };
}
