/**
 * Parquet writer comparison: the 12-column aggregate table
 * (INT64 run_id, 2 TIMESTAMP, 8 DOUBLE, 1 STRING), SNAPPY everywhere.
 *
 *   big:   1 000 000 rows into one file, fed in 65 536-row chunks — write time and peak RSS
 *   small: 200 files of 91 rows (one leo_point_mass run each) — mean cost per file
 *
 * Writers: parquetjs-lite; hyparquet-writer 0.17 used directly (streaming ParquetWriter, the
 * way gsweep's module used it at first; no fsync/rename); gsweep's own module
 * (tables/parquet/writer.ts: typed column buffers, PLAIN/RLE_DICTIONARY pages, fsync +
 * atomic rename); parquet-wasm + apache-arrow; and pyarrow (bench/parquet_pyarrow.py).
 * Every measurement runs in its own child process so peak RSS belongs to one writer, and
 * every output is read back with DuckDB (row count, sum(run_id), sum(X)) before its figure
 * is printed.
 *
 *   npx tsx bench/parquet-writers.ts [--repeat 2] [--rows 1000000] [--files 200] [--only a,b]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { duckDbQuery } from '../test/helpers/duckdb';
import { BENCH_DIR, fmt, mib, nodeTs, numberFlag, parseArgs, peakRssMiB, printMachine, python, runChild } from './lib/common';
import { AGGREGATE_COLUMNS, DOUBLE_COLUMNS, chunkToTable, makeChunk, type Chunk } from './lib/table-data';

const ROWS_PER_RUN = 91;
const CHUNK_ROWS = 65_536;
const WARMUP_FILES = 10;

type Mode = 'big' | 'small';
const WRITERS = [
  'parquetjs-lite',
  'hyparquet-writer 0.17 (library)',
  'gsweep writer.ts',
  'gsweep writer.ts, typed input',
  'parquet-wasm + apache-arrow',
  'pyarrow',
] as const;
type WriterName = (typeof WRITERS)[number];
const SLUG: Record<WriterName, string> = {
  'parquetjs-lite': 'parquetjs-lite',
  'hyparquet-writer 0.17 (library)': 'hyparquet-raw',
  'gsweep writer.ts': 'gsweep',
  'gsweep writer.ts, typed input': 'gsweep-typed',
  'parquet-wasm + apache-arrow': 'parquet-wasm',
  pyarrow: 'pyarrow',
};

interface Report {
  writer: string;
  mode: Mode;
  rows: number;
  files: number;
  /** Time inside writer calls only (data generation excluded). */
  writeMs: number;
  perFileMs?: number;
  wallMs: number;
  maxRssMiB: number;
  baselineRssMiB: number;
  bytes: number;
  sumRunId: number;
  sumX: number;
}

// ---------------------------------------------------------------------------------------
// Child side: one writer, one mode, one process.

interface FileWriter {
  /** Writes one chunk (timed by the caller). */
  write(chunk: Chunk, prepared: unknown): Promise<void> | void;
  /** Untimed conversion of a chunk into the writer's natural input. */
  prepare(chunk: Chunk): unknown;
  close(): Promise<void> | void;
}

async function openWriter(slug: string, file: string, rows: number): Promise<FileWriter> {
  switch (slug) {
    case 'gsweep': {
      const { ParquetStreamWriter } = await import('../tables/parquet/writer');
      const w = new ParquetStreamWriter(file, AGGREGATE_COLUMNS);
      return {
        prepare: chunkToTable,
        write: (_c, table) => w.append(table as ReturnType<typeof chunkToTable>),
        close: () => w.close(),
      };
    }
    case 'gsweep-typed': {
      // The aggregate's path: typed column vectors (appendVectors), no boxed values.
      const { ParquetStreamWriter } = await import('../tables/parquet/writer');
      const w = new ParquetStreamWriter(file, AGGREGATE_COLUMNS, { expectedRows: rows });
      return {
        prepare: (chunk) => [
          { values: chunk.runId },
          { values: chunk.time },
          { values: chunk.time },
          ...chunk.doubles.map((values) => ({ values })),
          { values: new Array<string>(chunk.rows).fill('ok') },
        ],
        write: (chunk, vectors) => w.appendVectors(chunk.rows, vectors as never),
        close: () => w.close(),
      };
    }
    case 'hyparquet-raw': {
      // hyparquet-writer used directly, the way gsweep's module used it before it encoded
      // columns itself: ParquetWriter streaming 65 536-row groups, boxed JS arrays, SNAPPY.
      const { ParquetWriter, ByteWriter } = await import('hyparquet-writer');
      const { parquetSchema } = await import('../tables/parquet/writer');
      const bytes = new ByteWriter();
      const w = new ParquetWriter({ writer: bytes, schema: parquetSchema(AGGREGATE_COLUMNS) as never });
      return {
        prepare: chunkToTable,
        write: (_c, table) => {
          const t = table as ReturnType<typeof chunkToTable>;
          w.write({ columnData: t.columns.map((c) => ({ name: c.name, data: c.values as never })), rowGroupSize: t.rowCount });
          if (bytes.index > 4 << 20) {
            fs.appendFileSync(file, new Uint8Array(bytes.buffer, 0, bytes.index));
            bytes.index = 0;
          }
        },
        close: () => {
          w.finish();
          fs.appendFileSync(file, new Uint8Array(bytes.buffer, 0, bytes.index));
        },
      };
    }
    case 'parquetjs-lite': {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const parquet = require('parquetjs-lite') as {
        ParquetSchema: new (s: Record<string, unknown>) => unknown;
        ParquetWriter: { openFile(schema: unknown, file: string, opts?: Record<string, unknown>): Promise<{ appendRow(row: Record<string, unknown>): Promise<void>; close(): Promise<void> }> };
      };
      const fields: Record<string, unknown> = {
        run_id: { type: 'INT64', compression: 'SNAPPY' },
        // parquetjs-lite has no nanosecond timestamps: MICROS is its closest.
        time: { type: 'TIMESTAMP_MICROS', optional: true, compression: 'SNAPPY' },
        'Sat.UTCGregorian': { type: 'TIMESTAMP_MICROS', optional: true, compression: 'SNAPPY' },
      };
      for (const name of DOUBLE_COLUMNS) fields[name] = { type: 'DOUBLE', optional: true, compression: 'SNAPPY' };
      fields.__status = { type: 'UTF8', optional: true, compression: 'SNAPPY' };
      const w = await parquet.ParquetWriter.openFile(new parquet.ParquetSchema(fields), file);
      return {
        prepare: (chunk) => {
          const rows: Record<string, unknown>[] = new Array(chunk.rows);
          for (let i = 0; i < chunk.rows; i++) {
            const micros = chunk.time[i] / 1000n;
            const row: Record<string, unknown> = { run_id: Number(chunk.runId[i]), time: micros, 'Sat.UTCGregorian': micros, __status: 'ok' };
            DOUBLE_COLUMNS.forEach((name, j) => (row[name] = chunk.doubles[j][i]));
            rows[i] = row;
          }
          return rows;
        },
        write: async (_c, rows) => {
          for (const row of rows as Record<string, unknown>[]) await w.appendRow(row);
        },
        close: () => w.close(),
      };
    }
    case 'parquet-wasm': {
      const arrow = await import('apache-arrow');
      const wasm = await import('parquet-wasm');
      const schema = new arrow.Schema([
        new arrow.Field('run_id', new arrow.Int64(), false),
        new arrow.Field('time', new arrow.TimestampNanosecond(), true),
        new arrow.Field('Sat.UTCGregorian', new arrow.TimestampNanosecond(), true),
        ...DOUBLE_COLUMNS.map((n) => new arrow.Field(n, new arrow.Float64(), true)),
        new arrow.Field('__status', new arrow.Utf8(), true),
      ]);
      const batches: InstanceType<typeof arrow.RecordBatch>[] = [];
      return {
        prepare: (chunk) => {
          const status = arrow.vectorFromArray(new Array<string>(chunk.rows).fill('ok'), new arrow.Utf8()).data[0];
          const children = [
            arrow.makeData({ type: new arrow.Int64(), data: chunk.runId, length: chunk.rows }),
            arrow.makeData({ type: new arrow.TimestampNanosecond(), data: chunk.time, length: chunk.rows }),
            arrow.makeData({ type: new arrow.TimestampNanosecond(), data: chunk.time.slice(), length: chunk.rows }),
            ...chunk.doubles.map((d) => arrow.makeData({ type: new arrow.Float64(), data: d, length: chunk.rows })),
            status,
          ];
          const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: chunk.rows, children });
          return new arrow.RecordBatch(schema, struct);
        },
        write: (_c, batch) => {
          batches.push(batch as InstanceType<typeof arrow.RecordBatch>);
        },
        close: () => {
          // parquet-wasm's synchronous writer takes a whole table (it has no incremental API
          // besides a web-stream transform), so the whole table is in memory at this point.
          const ipc = arrow.tableToIPC(new arrow.Table(schema, batches), 'stream');
          const table = wasm.Table.fromIPCStream(ipc);
          const props = new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.SNAPPY).setMaxRowGroupSize(CHUNK_ROWS).build();
          const bytes = wasm.writeParquet(table, props);
          fs.writeFileSync(file, bytes);
        },
      };
    }
    default:
      throw new Error(`unknown writer ${slug}`);
  }
}

async function child(slug: string, mode: Mode, out: string, rows: number, files: number): Promise<void> {
  const baselineRssMiB = peakRssMiB();
  const started = performance.now();
  let writeMs = 0;
  let sumRunId = 0;
  let sumX = 0;
  let bytes = 0;
  const timed = async (fn: () => unknown) => {
    const t0 = performance.now();
    await fn();
    writeMs += performance.now() - t0;
  };
  if (mode === 'big') {
    const w = await openWriter(slug, out, rows);
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const chunk = makeChunk(start, Math.min(CHUNK_ROWS, rows - start), ROWS_PER_RUN);
      sumRunId += chunk.sumRunId;
      sumX += chunk.sumX;
      const prepared = w.prepare(chunk);
      await timed(() => w.write(chunk, prepared));
    }
    await timed(() => w.close());
    bytes = fs.statSync(out).size;
  } else {
    fs.mkdirSync(out, { recursive: true });
    const warm = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-bench-warm-'));
    for (let f = -WARMUP_FILES; f < files; f++) {
      const run = f < 0 ? files + 1000 - f : f;
      const chunk = makeChunk(run * ROWS_PER_RUN, ROWS_PER_RUN, ROWS_PER_RUN);
      const file = f < 0 ? path.join(warm, `w${-f}.parquet`) : path.join(out, `run-${f}.parquet`);
      const write = async () => {
        const w = await openWriter(slug, file, ROWS_PER_RUN);
        await w.write(chunk, w.prepare(chunk));
        await w.close();
      };
      if (f < 0) {
        await write();
        continue;
      }
      // Per-file cost = open + prepare + write + close: everything a run pays for its table.
      await timed(write);
      sumRunId += chunk.sumRunId;
      sumX += chunk.sumX;
      bytes += fs.statSync(file).size;
    }
    fs.rmSync(warm, { recursive: true, force: true });
  }
  const report: Report = {
    writer: slug,
    mode,
    rows: mode === 'big' ? rows : files * ROWS_PER_RUN,
    files: mode === 'big' ? 1 : files,
    writeMs,
    ...(mode === 'small' ? { perFileMs: writeMs / files } : {}),
    wallMs: performance.now() - started,
    maxRssMiB: peakRssMiB(),
    baselineRssMiB,
    bytes,
    sumRunId,
    sumX,
  };
  console.log(JSON.stringify(report));
}

// ---------------------------------------------------------------------------------------
// Parent side.

function num(v: unknown): number {
  return Number(typeof v === 'object' && v !== null ? String(v) : v);
}

async function verify(report: Report, out: string): Promise<string> {
  const glob = report.mode === 'big' ? out : path.join(out, '*.parquet');
  const [row] = await duckDbQuery(
    `SELECT count(*) AS n, sum(run_id) AS s, sum("Sat.EarthMJ2000Eq.X") AS x, count(time) AS t, count(DISTINCT __status) AS st FROM read_parquet('${glob}')`,
  );
  const n = num(row.n);
  const s = num(row.s);
  const x = num(row.x);
  const problems: string[] = [];
  if (n !== report.rows) problems.push(`rows ${n} != ${report.rows}`);
  if (num(row.t) !== report.rows) problems.push(`non-null time ${num(row.t)} != ${report.rows}`);
  if (s !== report.sumRunId) problems.push(`sum(run_id) ${s} != ${report.sumRunId}`);
  if (Math.abs(x - report.sumX) > 1e-6 * Math.max(1, Math.abs(report.sumX))) problems.push(`sum(X) ${x} != ${report.sumX}`);
  if (num(row.st) !== 1) problems.push(`__status has ${num(row.st)} distinct values`);
  if (problems.length) throw new Error(`${report.writer} ${report.mode}: DuckDB read-back failed: ${problems.join('; ')}`);
  return `DuckDB ok (${n} rows)`;
}

async function measure(writer: WriterName, mode: Mode, rows: number, files: number, work: string): Promise<Report> {
  const slug = SLUG[writer];
  const out = path.join(work, `${slug}-${mode}${mode === 'big' ? '.parquet' : ''}`);
  fs.rmSync(out, { recursive: true, force: true });
  const [cmd, args] =
    slug === 'pyarrow'
      ? [python(), [path.join(BENCH_DIR, 'parquet_pyarrow.py'), 'writers', mode, out, '--rows', String(rows), '--files', String(files)]]
      : nodeTs(__filename, ['child', slug, mode, out, '--rows', String(rows), '--files', String(files)]);
  const result = await runChild(cmd, args);
  if (result.code !== 0 || !result.json) throw new Error(`${writer} ${mode} failed (exit ${result.code}):\n${result.stderr}`);
  const report = result.json as unknown as Report;
  const check = await verify(report, out);
  const what = mode === 'big' ? `${fmt(report.writeMs / 1000, 2)} s write` : `${fmt(report.perFileMs!, 3)} ms/file`;
  console.log(
    `  ${writer.padEnd(34)} ${mode.padEnd(5)} ${what.padStart(16)}  peak RSS ${fmt(report.maxRssMiB, 0).padStart(5)} MiB (baseline ${fmt(report.baselineRssMiB, 0)})  ${fmt(mib(report.bytes), 1)} MiB on disk  ${check}`,
  );
  fs.rmSync(out, { recursive: true, force: true });
  return report;
}

async function main(): Promise<void> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const rows = numberFlag(flags, 'rows', 1_000_000);
  const files = numberFlag(flags, 'files', 200);
  if (positional[0] === 'child') {
    await child(positional[1], positional[2] as Mode, positional[3], rows, files);
    return;
  }
  const repeat = numberFlag(flags, 'repeat', 2);
  const only = typeof flags.only === 'string' ? flags.only.split(',') : undefined;
  const writers = WRITERS.filter((w) => !only || only.includes(SLUG[w]));
  printMachine();
  console.log(`parquet writers: ${rows} rows (big) and ${files} x ${ROWS_PER_RUN}-row files (small), SNAPPY, ${repeat} repeats`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-bench-writers-'));
  const best = new Map<string, Report>();
  try {
    for (let r = 0; r < repeat; r++) {
      console.log(`repeat ${r + 1}/${repeat}`);
      for (const writer of writers) {
        for (const mode of ['big', 'small'] as Mode[]) {
          const report = await measure(writer, mode, rows, files, work);
          const key = `${writer}|${mode}`;
          const prev = best.get(key);
          if (!prev || report.writeMs < prev.writeMs) best.set(key, { ...report, maxRssMiB: Math.min(report.maxRssMiB, prev?.maxRssMiB ?? Infinity) });
        }
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log('\nbest of repeats (time: min; RSS: min):');
  console.log(`| writer | ${rows / 1e6} M rows: write time | peak RSS | file size | ${ROWS_PER_RUN}-row file: mean cost |`);
  console.log('|---|---:|---:|---:|---:|');
  for (const writer of writers) {
    const big = best.get(`${writer}|big`);
    const small = best.get(`${writer}|small`);
    console.log(
      `| ${writer} | ${big ? `${fmt(big.writeMs / 1000, 2)} s` : '—'} | ${big ? `${fmt(big.maxRssMiB, 0)} MiB` : '—'} | ${big ? `${fmt(mib(big.bytes), 1)} MiB` : '—'} | ${small ? `${fmt(small.perFileMs!, 3)} ms` : '—'} |`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
