/**
 * The benchmark table: the aggregate's shape for a LEO ReportFile, 12 columns —
 * `run_id` INT64, `time` and `Sat.UTCGregorian` TIMESTAMP(ns), 8 DOUBLE, `__status` STRING.
 *
 * Values follow a circular two-body orbit per run (so compression sees realistic, high-entropy
 * doubles, not constants). `bench/parquet_pyarrow.py` generates the same values with numpy.
 */
import type { ColumnSpec } from '../../tables/parquet/writer';
import type { Column, Table } from '../../tables/table';

export const MU = 398600.4415;
export const STEP_S = 60;
/** 2026-03-20T06:00:00 in ns since the epoch (the leo_point_mass.script epoch). */
export const EPOCH_NS = BigInt(Date.UTC(2026, 2, 20, 6, 0, 0)) * 1_000_000n;
const INC = (51.6 * Math.PI) / 180;

export const DOUBLE_COLUMNS = [
  'Sat.ElapsedSecs',
  'Sat.EarthMJ2000Eq.X',
  'Sat.EarthMJ2000Eq.Y',
  'Sat.EarthMJ2000Eq.Z',
  'Sat.EarthMJ2000Eq.VX',
  'Sat.EarthMJ2000Eq.VY',
  'Sat.EarthMJ2000Eq.VZ',
  'Sat.Earth.SMA',
] as const;

/** The aggregate's columns, in the order writeAggregate writes them. */
export const AGGREGATE_COLUMNS: ColumnSpec[] = [
  { name: 'run_id', type: 'int64', nullable: false },
  { name: 'time', type: 'timestamp' },
  { name: 'Sat.UTCGregorian', type: 'timestamp' },
  ...DOUBLE_COLUMNS.map((name) => ({ name, type: 'double' as const })),
  { name: '__status', type: 'string' },
];

/** A per-run table's columns, as `runMission` writes them (time column appended last). */
export const RUN_COLUMNS: ColumnSpec[] = [
  { name: 'Sat.UTCGregorian', type: 'timestamp' },
  ...DOUBLE_COLUMNS.map((name) => ({ name, type: 'double' as const })),
  { name: 'time', type: 'timestamp' },
];

export interface Chunk {
  rows: number;
  runId: BigInt64Array;
  time: BigInt64Array;
  /** One Float64Array per DOUBLE_COLUMNS entry. */
  doubles: Float64Array[];
  /** Sum of run_id and of X over the chunk, to check what a reader sees. */
  sumRunId: number;
  sumX: number;
}

/** Rows [start, start + count) of the table where every run has `rowsPerRun` rows. */
export function makeChunk(start: number, count: number, rowsPerRun: number): Chunk {
  const runId = new BigInt64Array(count);
  const time = new BigInt64Array(count);
  const doubles = DOUBLE_COLUMNS.map(() => new Float64Array(count));
  const [el, x, y, z, vx, vy, vz, smaCol] = doubles;
  let sumRunId = 0;
  let sumX = 0;
  const cosI = Math.cos(INC);
  const sinI = Math.sin(INC);
  for (let i = 0; i < count; i++) {
    const row = start + i;
    const r = Math.floor(row / rowsPerRun);
    const k = row - r * rowsPerRun;
    const t = k * STEP_S;
    const sma = 6800 + (r % 600);
    const n = Math.sqrt(MU / (sma * sma * sma));
    const m = n * t + r * 0.001;
    const v = Math.sqrt(MU / sma);
    const c = Math.cos(m);
    const s = Math.sin(m);
    runId[i] = BigInt(r);
    time[i] = EPOCH_NS + BigInt(t) * 1_000_000_000n;
    el[i] = t;
    x[i] = sma * c;
    y[i] = sma * s * cosI;
    z[i] = sma * s * sinI;
    vx[i] = -v * s;
    vy[i] = v * c * cosI;
    vz[i] = v * c * sinI;
    smaCol[i] = sma + 1e-6 * Math.sin(7 * m);
    sumRunId += r;
    sumX += x[i];
  }
  return { rows: count, runId, time, doubles, sumRunId, sumX };
}

/** The chunk in gsweep's in-memory Table shape (JS arrays, BigInt ns timestamps), all 12 columns. */
export function chunkToTable(chunk: Chunk): Table {
  const time = Array.from(chunk.time);
  const columns: Column[] = [
    { name: 'run_id', type: 'int64', values: Array.from(chunk.runId) },
    { name: 'time', type: 'timestamp', scale: 'UTC', values: time },
    { name: 'Sat.UTCGregorian', type: 'timestamp', scale: 'UTC', values: time.slice() },
    ...DOUBLE_COLUMNS.map((name, i): Column => ({ name, type: 'double', values: Array.from(chunk.doubles[i]) })),
    { name: '__status', type: 'string', values: new Array<string>(chunk.rows).fill('ok') },
  ];
  return { rowCount: chunk.rows, columns };
}

/** One run's table as `runMission` hands it to the per-run Parquet writer. */
export function runTable(runId: number, rowsPerRun: number): { table: Table; sumX: number } {
  const chunk = makeChunk(runId * rowsPerRun, rowsPerRun, rowsPerRun);
  const time = Array.from(chunk.time);
  const columns: Column[] = [
    { name: 'Sat.UTCGregorian', type: 'timestamp', scale: 'UTC', values: time },
    ...DOUBLE_COLUMNS.map((name, i): Column => ({ name, type: 'double', values: Array.from(chunk.doubles[i]) })),
    { name: 'time', type: 'timestamp', scale: 'UTC', values: time.slice() },
  ];
  return { table: { rowCount: rowsPerRun, columns }, sumX: chunk.sumX };
}
