/**
 * Independent Parquet reader for tests: DuckDB (a C++ Parquet implementation that shares no
 * code with the writer gsweep uses).
 */
import { DuckDBInstance } from '@duckdb/node-api';

export interface ParquetReadBack {
  /** DuckDB's column types, e.g. BIGINT, DOUBLE, TIMESTAMP_NS, VARCHAR. */
  types: Record<string, string>;
  rows: Record<string, unknown>[];
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export async function readParquetWithDuckDb(file: string, orderBy?: string): Promise<ParquetReadBack> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const describe = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
    const types: Record<string, string> = {};
    for (const row of describe.getRowObjects()) types[String(row.column_name)] = String(row.column_type);
    const query = `SELECT * FROM read_parquet(${sqlString(file)})${orderBy ? ` ORDER BY ${orderBy}` : ''}`;
    const result = await connection.runAndReadAll(query);
    return { types, rows: result.getRowObjects() as Record<string, unknown>[] };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Runs one SQL query over Parquet files (use `read_parquet('...')` in the query). */
export async function duckDbQuery(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const result = await connection.runAndReadAll(sql);
    return result.getRowObjects() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
