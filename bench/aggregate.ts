/**
 * Aggregation benchmark: "the aggregate write streams; 10 million rows within 3× of
 * pyarrow's time for the same table, peak RSS under 1 GiB".
 *
 * 1. Generates a sweep's output directory the way runs leave it (cached between invocations):
 *    `runs/run-<id>/report__Track.parquet` written by gsweep's own per-run writer
 *    (`writeParquetTable`) and `runs/run-<id>/outcome.json` (`writeOutcome`).
 * 2. Times `aggregateRuns` (called directly, no Temporal) in a child process: wall time and
 *    peak RSS. The aggregate is checked with DuckDB (row count, run count, sum(run_id),
 *    (run_id, time) order).
 * 3. pyarrow on the same data: (a) pyarrow.dataset reading every per-run file in run order and
 *    streaming one file (the fair analogue of aggregateRuns), (b) pure write of the same
 *    10 M-row table from memory.
 *
 * For 10^6 runs (1 000 000 runs x 91 rows), `--link` generates the directory in
 * minutes instead of hours: one per-run Parquet file written by gsweep's writer (copied once
 * per 50 000 runs: ext4's link limit), hard-linked into every run directory, and one outcome.json per run (not fsynced). writeAggregate still
 * opens, parses and streams every run's file; the page cache holds 20 files instead of a
 * million, which favours the reader slightly (say so next to its figure). pyarrow.dataset
 * needs ~3 GiB per 110 000 files, so `--pyarrow pure` runs only the pure-write reference.
 *
 *   npx tsx bench/aggregate.ts [--runs 10000] [--rows-per-run 1000] [--repeat 2]
 *                              [--regenerate] [--link] [--cpu-prof DIR] [--skip-pyarrow]
 *                              [--pyarrow both|pure|dataset]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aggregateRuns } from '../output/aggregate';
import { Workspace } from '../output/workspace';
import { writeOutcome, type RunOutcome } from '../output/outcome';
import { RUN_FILES, runDir } from '../output/layout';
import { runTablePath } from '../test/helpers/out-paths';
import { columnSpecsOf, writeParquetTable } from '../tables/parquet/writer';
import type { AggregateInput } from '../sweep/types';
import { duckDbQuery } from '../test/helpers/duckdb';
import { BENCH_DIR, dirBytes, fmt, mib, nodeTs, numberFlag, parseArgs, peakRssMiB, printMachine, python, runChild } from './lib/common';
import { runTable } from './lib/table-data';

const KEY = 'report__Track';

function aggregateInput(outDir: string, runs: number): AggregateInput {
  return {
    context: {
      sweepId: `bench-aggregate-${runs}`,
      outDir,
      scriptPath: path.join(outDir, 'script', 'leo_point_mass.script'),
      scriptName: 'leo_point_mass.script',
      scriptSha256: '0'.repeat(64),
      engine: { kind: 'stand-in' },
      runTimeoutMs: 600_000,
    },
    runSet: { kind: 'grid', axes: { 'Sat.SMA': { linspace: [6800, 6800 + (runs - 1) * 0.01, runs] } } },
    runCount: runs,
  };
}

/** The outcome.json of generated run `id`, as a finished ok run leaves it. */
function benchOutcome(id: number, dir: string, file: string, tables: RunOutcome['tables'], now: string): RunOutcome {
  return {
    run_id: id,
    status: 'ok',
    overrides: { 'Sat.SMA': 6800 + id * 0.01 },
    started_at: now,
    ended_at: now,
    duration_s: 0.065,
    output_paths: { [KEY]: file },
    tables,
    log_path: path.join(dir, 'GmatLog.txt'),
    stderr: null,
    attempt: 1,
    worker: `bench:${process.pid}`,
    engine: { kind: 'stand-in', root: '/bench', version: null },
  } as RunOutcome;
}

/** Child: writes runs [from, to) of the generated sweep directory. */
function generate(outDir: string, from: number, to: number, rowsPerRun: number): void {
  let sumX = 0;
  for (let id = from; id < to; id++) {
    const dir = runDir(outDir, id);
    fs.mkdirSync(dir, { recursive: true });
    const { table, sumX: x } = runTable(id, rowsPerRun);
    sumX += x;
    const file = runTablePath(outDir, id, KEY);
    writeParquetTable(file, table, { 'gsweep.run_id': String(id), 'gsweep.source': path.join(dir, 'track.txt') });
    const now = new Date().toISOString().replace('Z', '+00:00');
    writeOutcome(dir, benchOutcome(id, dir, file, { [KEY]: { rows: table.rowCount, columns: columnSpecsOf(table) } }, now));
  }
  console.log(JSON.stringify({ from, to, sumX }));
}

/** ext4 allows 65 000 links per inode: one template file per this many runs. */
const RUNS_PER_TEMPLATE = 50_000;
const templatePath = (outDir: string, k: number) => path.join(outDir, 'template', `${KEY}-${k}.parquet`);

/** Child (--link): runs [from, to) as hard links to a per-run file, plus their outcome.json. */
function generateLinked(outDir: string, from: number, to: number, rowsPerRun: number): void {
  const { table } = runTable(0, rowsPerRun);
  const tables = { [KEY]: { rows: table.rowCount, columns: columnSpecsOf(table) } };
  const now = new Date().toISOString().replace('Z', '+00:00');
  for (let id = from; id < to; id++) {
    const dir = runDir(outDir, id);
    fs.mkdirSync(dir, { recursive: true });
    const file = runTablePath(outDir, id, KEY);
    fs.linkSync(templatePath(outDir, Math.floor(id / RUNS_PER_TEMPLATE)), file);
    // Not writeOutcome: --link skips its fsync and rename (header comment: 10^6 runs in minutes).
    fs.writeFileSync(path.join(dir, RUN_FILES.outcome), JSON.stringify(benchOutcome(id, dir, file, tables, now)));
  }
  console.log(JSON.stringify({ from, to }));
}

/** Child: one timed writeAggregate. */
async function aggregateChild(outDir: string, runs: number): Promise<void> {
  const baselineRssMiB = peakRssMiB();
  const t0 = performance.now();
  const summary = await aggregateRuns(aggregateInput(outDir, runs), () => ({}), null, await Workspace.open(outDir).aggregateIO());
  const wallMs = performance.now() - t0;
  console.log(JSON.stringify({ wallMs, maxRssMiB: peakRssMiB(), baselineRssMiB, rows: summary.rows[KEY], ok: summary.ok, table: summary.tables[KEY] }));
}

function num(v: unknown): number {
  return Number(typeof v === 'object' && v !== null ? String(v) : v);
}

async function verifyAggregate(file: string, runs: number, rowsPerRun: number): Promise<string> {
  const f = file.replace(/'/g, "''");
  // Bounded, spilling to disk: the order check sorts every row (91 M for 10^6 runs).
  const settings = `SET memory_limit='2GB'; SET threads=1; SET temp_directory='${path.dirname(file).replace(/'/g, "''")}/.duckdb-tmp'; `;
  const [row] = await duckDbQuery(
    `${settings}SELECT count(*) AS n, count(DISTINCT run_id) AS r, sum(run_id) AS s, count(time) AS t, count(*) FILTER (WHERE __status <> 'ok') AS bad FROM read_parquet('${f}')`,
  );
  const [order] = await duckDbQuery(
    `${settings}SELECT count(*) AS unsorted FROM (
       SELECT run_id, time, lag(run_id) OVER w AS pr, lag(time) OVER w AS pt
       FROM read_parquet('${f}', file_row_number = true) WINDOW w AS (ORDER BY file_row_number))
     WHERE pr IS NOT NULL AND (run_id < pr OR (run_id = pr AND time < pt))`,
  );
  const expectRows = runs * rowsPerRun;
  const expectSum = rowsPerRun * ((runs - 1) * runs) / 2;
  const problems: string[] = [];
  if (num(row.n) !== expectRows) problems.push(`rows ${num(row.n)} != ${expectRows}`);
  if (num(row.r) !== runs) problems.push(`run_ids ${num(row.r)} != ${runs}`);
  if (num(row.s) !== expectSum) problems.push(`sum(run_id) ${num(row.s)} != ${expectSum}`);
  if (num(row.t) !== expectRows) problems.push(`non-null time ${num(row.t)}`);
  if (num(row.bad) !== 0) problems.push(`${num(row.bad)} rows not ok`);
  if (num(order.unsorted) !== 0) problems.push(`${num(order.unsorted)} rows out of (run_id, time) order`);
  if (problems.length) throw new Error(`aggregate read-back failed: ${problems.join('; ')}`);
  return `DuckDB ok (${expectRows} rows, ${runs} run_ids, sorted)`;
}

async function ensureSweepDir(root: string, runs: number, rowsPerRun: number, regenerate: boolean, link: boolean): Promise<string> {
  const outDir = path.join(root, `${runs}x${rowsPerRun}${link ? '-linked' : ''}`);
  const marker = path.join(outDir, '.generated');
  if (!regenerate && fs.existsSync(marker)) {
    console.log(`per-run files: reusing ${outDir}`);
    return outDir;
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const t0 = performance.now();
  if (link) {
    fs.mkdirSync(path.join(outDir, 'template'), { recursive: true });
    writeParquetTable(templatePath(outDir, 0), runTable(0, rowsPerRun).table, { 'gsweep.source': 'bench template' });
    for (let k = 1; k * RUNS_PER_TEMPLATE < runs; k++) fs.copyFileSync(templatePath(outDir, 0), templatePath(outDir, k));
  }
  const workers = Math.max(1, os.availableParallelism());
  const per = Math.ceil(runs / workers);
  const results = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const from = w * per;
      const to = Math.min(runs, from + per);
      const [cmd, args] = nodeTs(__filename, [link ? 'child-link' : 'child-generate', outDir, String(from), String(to), '--rows-per-run', String(rowsPerRun)]);
      return runChild(cmd, args);
    }),
  );
  for (const r of results) if (r.code !== 0) throw new Error(`generation failed:\n${r.stderr}`);
  fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
  console.log(
    `per-run files${link ? ' (hard links to one file)' : ''}: generated ${runs} runs x ${rowsPerRun} rows in ${fmt((performance.now() - t0) / 1000, 1)} s (${fmt(mib(dirBytes(path.join(outDir, 'runs'))), 0)} MiB) in ${outDir}`,
  );
  return outDir;
}

async function main(): Promise<void> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  const rowsPerRun = numberFlag(flags, 'rows-per-run', 1000);
  if (positional[0] === 'child-generate') {
    generate(positional[1], Number(positional[2]), Number(positional[3]), rowsPerRun);
    return;
  }
  if (positional[0] === 'child-link') {
    generateLinked(positional[1], Number(positional[2]), Number(positional[3]), rowsPerRun);
    return;
  }
  if (positional[0] === 'child-aggregate') {
    await aggregateChild(positional[1], Number(positional[2]));
    return;
  }
  const runs = numberFlag(flags, 'runs', 10_000);
  const repeat = numberFlag(flags, 'repeat', 2);
  const root = typeof flags.dir === 'string' ? flags.dir : path.join(os.tmpdir(), 'gsweep-bench-aggregate');
  printMachine();
  console.log(`aggregate: ${runs} runs x ${rowsPerRun} rows = ${runs * rowsPerRun} rows, ${repeat} repeats`);
  const outDir = await ensureSweepDir(root, runs, rowsPerRun, flags.regenerate === true, flags.link === true);
  const pyarrowMode = typeof flags.pyarrow === 'string' ? flags.pyarrow : 'both';
  const aggregateFile = path.join(outDir, `${KEY}.parquet`);

  const ours: { wallMs: number; maxRssMiB: number }[] = [];
  for (let r = 0; r < repeat; r++) {
    fs.rmSync(aggregateFile, { force: true });
    const nodeFlags = typeof flags['cpu-prof'] === 'string' ? ['--cpu-prof', '--cpu-prof-dir', flags['cpu-prof']] : [];
    const [cmd, args] = nodeTs(__filename, ['child-aggregate', outDir, String(runs)], nodeFlags);
    const res = await runChild(cmd, args);
    if (res.code !== 0 || !res.json) throw new Error(`aggregateRuns failed (exit ${res.code}):\n${res.stderr}`);
    const j = res.json as { wallMs: number; maxRssMiB: number; baselineRssMiB: number; rows: number };
    const check = await verifyAggregate(aggregateFile, runs, rowsPerRun);
    console.log(
      `  gsweep aggregateRuns            ${fmt(j.wallMs / 1000, 2).padStart(7)} s  peak RSS ${fmt(j.maxRssMiB, 0)} MiB (baseline ${fmt(j.baselineRssMiB, 0)})  ${fmt(mib(fs.statSync(aggregateFile).size), 0)} MiB  ${check}`,
    );
    ours.push(j);
  }

  const pyDataset: number[] = [];
  const pyPure: number[] = [];
  let pyDatasetRss = Infinity;
  if (flags['skip-pyarrow'] !== true) {
    const paFile = path.join(outDir, 'pyarrow-aggregate.parquet');
    for (let r = 0; r < repeat; r++) {
      if (pyarrowMode !== 'pure') {
        const ds = await runChild(python(), [path.join(BENCH_DIR, 'parquet_pyarrow.py'), 'aggregate', outDir, paFile, '--runs', String(runs), '--key', KEY]);
        if (ds.code !== 0 || !ds.json) throw new Error(`pyarrow aggregate failed:\n${ds.stderr}`);
        const check = await verifyAggregate(paFile, runs, rowsPerRun);
        const d = ds.json as { wallMs: number; maxRssMiB: number };
        console.log(`  pyarrow.dataset -> one file      ${fmt(d.wallMs / 1000, 2).padStart(7)} s  peak RSS ${fmt(d.maxRssMiB, 0)} MiB  ${check}`);
        pyDataset.push(d.wallMs);
        pyDatasetRss = Math.min(pyDatasetRss, d.maxRssMiB);
        fs.rmSync(paFile, { force: true });
      }
      if (pyarrowMode === 'dataset') continue;

      const pure = await runChild(python(), [path.join(BENCH_DIR, 'parquet_pyarrow.py'), 'write-table', paFile, '--rows', String(runs * rowsPerRun), '--rows-per-run', String(rowsPerRun)]);
      if (pure.code !== 0 || !pure.json) throw new Error(`pyarrow write-table failed:\n${pure.stderr}`);
      const check2 = await verifyAggregate(paFile, runs, rowsPerRun);
      const p = pure.json as { writeMs: number; maxRssMiB: number };
      console.log(`  pyarrow pure write (in memory)   ${fmt(p.writeMs / 1000, 2).padStart(7)} s  peak RSS ${fmt(p.maxRssMiB, 0)} MiB  ${check2}`);
      pyPure.push(p.writeMs);
      fs.rmSync(paFile, { force: true });
    }
  }

  const best = Math.min(...ours.map((o) => o.wallMs));
  const rss = Math.min(...ours.map((o) => o.maxRssMiB));
  console.log('\nbest of repeats:');
  console.log(`  gsweep aggregateRuns: ${fmt(best / 1000, 2)} s, peak RSS ${fmt(rss, 0)} MiB (target < 1024 MiB: ${rss < 1024 ? 'met' : 'MISSED'})`);
  if (pyDataset.length) {
    const d = Math.min(...pyDataset);
    console.log(`  pyarrow.dataset -> one file: ${fmt(d / 1000, 2)} s (peak RSS ${fmt(pyDatasetRss, 0)} MiB); ratio gsweep/pyarrow = ${fmt(best / d, 2)}x (target <= 3x: ${best / d <= 3 ? 'met' : 'MISSED'})`);
  }
  if (pyPure.length) {
    const p = Math.min(...pyPure);
    console.log(`  pyarrow pure write:          ${fmt(p / 1000, 2)} s; ratio gsweep/pyarrow = ${fmt(best / p, 2)}x (target <= 3x: ${best / p <= 3 ? 'met' : 'MISSED'})`);
  }
  if (flags.keep !== true) fs.rmSync(aggregateFile, { force: true });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
