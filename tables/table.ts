/**
 * The in-memory shape every GMAT output parser produces and every Parquet writer consumes.
 *
 * Timestamps are BigInt nanoseconds since 1970-01-01T00:00:00 *in the column's own time
 * scale* (GMAT writes UTC, A1, TAI, TT or TDB epochs; no scale conversion is done, exactly
 * like gmat-run). Nanoseconds because gmat-sweep's tables are datetime64[ns] and GMAT's
 * ModJulian epochs carry sub-millisecond digits.
 */
export type TimeScale = 'UTC' | 'A1' | 'TAI' | 'TT' | 'TDB';

export type DoubleColumn = { name: string; type: 'double'; values: (number | null)[] };
export type Int64Column = { name: string; type: 'int64'; values: (bigint | null)[] };
export type TimestampColumn = {
  name: string;
  type: 'timestamp';
  values: (bigint | null)[];
  scale: TimeScale;
};
export type StringColumn = { name: string; type: 'string'; values: (string | null)[] };

export type Column = DoubleColumn | Int64Column | TimestampColumn | StringColumn;
export type ColumnType = Column['type'];

export interface Table {
  columns: Column[];
  rowCount: number;
}

/** The kinds of GMAT output gsweep turns into tables; also the Parquet file-name prefix. */
export type OutputKind = 'report' | 'ephemeris' | 'contact';

/** One column's name and type, as recorded in outcome.json and used to build Parquet schemas. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** false only for key columns that can never be null (run_id). */
  nullable?: boolean;
}
