/**
 * The aggregate of a sweep whose out is an object store: memory and time of the path the
 * writeAggregate activity takes for an `s3://` out (output/run-source.ts): one listing of
 * the store, every outcome.json fetched into a local spill file, then the per-run tables streamed run by
 * run through a bounded prefetch window into one Parquet table, uploaded (multipart) with the
 * manifest last.
 *
 * Fills a prefix of a local SeaweedFS (started here) with N runs the way workers leave them
 * (each run's outcome.json and one 91-row report__Track.parquet written by gsweep's per-run
 * writer; one file, uploaded under every run), then runs that aggregate in this process and
 * prints its wall time and the process's peak RSS. Checks the result with DuckDB.
 *
 * With --packed the runs are uploaded as batches leave them, in packs (run-pack.ts).
 *
 *   npx tsx bench/s3-aggregate.ts [--runs 10000] [--rows-per-run 91] [--packed]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { aggregateRuns } from '../output/aggregate';
import { RUN_FILES } from '../output/layout';
import { S3Store, s3ClientConfig } from '../output/s3-store';
import { encodePack, packKey } from '../output/run-pack';
import { mapLimit } from '../output/transfers';
import { PACK_LIMITS, Workspace } from '../output/workspace';
import { columnSpecsOf, writeParquetTable } from '../tables/parquet/writer';
import type { AggregateInput } from '../sweep/types';
import { duckDbQuery } from '../test/helpers/duckdb';
import { startSeaweed } from '../test/helpers/seaweedfs';
import { fmt, numberFlag, parseArgs, peakRssMiB, printMachine } from './lib/common';
import { runTable } from './lib/table-data';

const KEY = 'report__Track';

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const runs = numberFlag(flags, 'runs', 10_000);
  const rowsPerRun = numberFlag(flags, 'rows-per-run', 91);
  const packed = flags.packed === true;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-bench-s3-aggregate-'));
  const weed = await startSeaweed();
  Object.assign(process.env, weed.env);
  const s3 = new S3Client(s3ClientConfig());
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'gsweep-bench' }));
    printMachine();
    const url = 's3://gsweep-bench/aggregate';
    const store = new S3Store(url);
    const { table } = runTable(0, rowsPerRun);
    const file = path.join(root, 'run.parquet');
    writeParquetTable(file, table, { 'gsweep.run_id': '0' });
    const bytes = fs.readFileSync(file);
    const tables = { [KEY]: { rows: table.rowCount, columns: columnSpecsOf(table) } };
    const now = new Date().toISOString().replace('Z', '+00:00');
    const t0 = performance.now();
    // As collectRun writes it (indented), so the outcomes held in memory have their real size.
    const outcomeOf = (id: number) =>
      Buffer.from(`${JSON.stringify({
        run_id: id, status: 'ok', overrides: { 'Sat.SMA': 6800 + id * 0.01 }, started_at: now, ended_at: now, duration_s: 0.06,
        output_paths: { [KEY]: `${KEY}.parquet` }, tables, log_path: null, stderr: null, attempt: 1, worker: 'bench:0',
        engine: { kind: 'stand-in', root: '/bench', version: null },
      }, null, 2)}\n`);
    if (packed) {
      // As batches leave them: one pack per PACK_LIMITS.runs runs.
      const firsts = Array.from({ length: Math.ceil(runs / PACK_LIMITS.runs) }, (_, i) => i * PACK_LIMITS.runs);
      await mapLimit(firsts, 8, async (first) => {
        const last = Math.min(runs, first + PACK_LIMITS.runs) - 1;
        const files = Array.from({ length: last - first + 1 }, (_, i) => [
          { runId: first + i, name: `${KEY}.parquet`, data: bytes },
          { runId: first + i, name: RUN_FILES.outcome, data: outcomeOf(first + i) },
        ]).flat();
        await store.put(packKey(first, last), await encodePack(files));
      });
    } else {
      await mapLimit(Array.from({ length: runs }, (_, i) => i), 32, async (id) => {
        await store.put(`runs/run-${id}/${KEY}.parquet`, bytes);
        await store.put(`runs/run-${id}/${RUN_FILES.outcome}`, outcomeOf(id));
      });
    }
    console.log(`# ${runs} runs × ${rowsPerRun} rows uploaded${packed ? ' in packs' : ''} in ${fmt((performance.now() - t0) / 1000)} s; peak RSS so far ${fmt(peakRssMiB(), 0)} MiB`);

    const input: AggregateInput = {
      context: { sweepId: 'bench-s3-aggregate', outDir: url, scriptPath: '/bench/leo.script', scriptName: 'leo.script', scriptSha256: '0'.repeat(64), engine: { kind: 'stand-in' }, runTimeoutMs: 600_000 },
      runSet: { kind: 'grid', axes: { 'Sat.SMA': { linspace: [6800, 6800 + (runs - 1) * 0.01, runs] } } },
      runCount: runs,
    };
    const a0 = performance.now();
    const ws = Workspace.open(url, path.join(root, 'scratch'));
    const summary = await aggregateRuns(input, () => ({}), null, await ws.aggregateIO());
    const published = await ws.publishAggregate(summary);
    const wall = (performance.now() - a0) / 1000;
    ws.close();
    const back = path.join(root, 'back.parquet');
    await store.getFile(`${KEY}.parquet`, back);
    const [check] = await duckDbQuery(`SELECT count(*) AS n, count(DISTINCT run_id) AS r FROM '${back}'`);
    console.log(`aggregate from the store: ${fmt(wall)} s, peak RSS ${fmt(peakRssMiB(), 0)} MiB (this process, upload included); ${published.tables[KEY]}: ${check.n} rows, ${check.r} runs (expected ${runs * rowsPerRun}, ${runs})`);
  } finally {
    s3.destroy();
    await weed.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
