/**
 * Sweeps whose out is `s3://bucket/prefix`, end to end through the real CLI, on a real S3
 * gateway (SeaweedFS, started here) and real GMAT: the aggregate equals the same sweep into a
 * directory; the commands that read a sweep read it from the store; bad starts are refused
 * before anything is created; one sweep per prefix; resume and extend read the sweep from the
 * store alone; a store that goes away for 20 s mid-sweep costs retries, not runs.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { decodePack, encodePack, packsInOrder } from '../../../output/run-pack';
import { S3Store } from '../../../output/s3-store';
import { readParquetWithDuckDb } from '../../helpers/duckdb';
import { storedRunIds, type SeaweedServer } from '../../helpers/seaweedfs';
import { MISSIONS, runCli, tempDir, waitFor } from '../../helpers/temporal';
import { realGmat } from '../../helpers/real-gmat';
import { useSeaweedBucket } from '../../helpers/use-seaweed';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const BUCKET = 'gsweep-sweeps';
const seaweed = useSeaweedBucket(BUCKET);
let weed: SeaweedServer;
let client: S3Client;
let gmatRoot: string;
const dirs: string[] = [];

/** The prerequisites (real GMAT, SeaweedFS), awaited inside each test: a missing one fails it, never a skip. */
let ready: Promise<void>;

beforeAll(() => {
  ready = (async () => {
    gmatRoot = (await realGmat()).root;
    await seaweed.ready;
    ({ weed, client } = seaweed);
  })();
  ready.catch(() => undefined);
});

afterAll(async () => {
  await ready?.catch(() => undefined);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function work(): string {
  const d = fs.realpathSync(tempDir('gsweep-s3-sweep-'));
  dirs.push(d);
  return d;
}

const cli = (args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 240_000) =>
  runCli(args, { cwd: work(), env: { ...weed.env, GMAT_ROOT: gmatRoot, ...env }, timeoutMs });

async function keysOf(url: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const e of new S3Store(url, { client }).list('')) keys.push(e.key);
  return keys.sort();
}

/** The manifest's runs without what differs between two executions of one sweep (times, paths, workflow id). */
function manifestRuns(file: string): unknown[] {
  const [header, ...runs] = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(header.run_count).toBe(runs.length);
  return runs.map((r) => {
    const { started_at: _s, ended_at: _e, duration_s: _d, output_paths, log_path: _l, ...rest } = r;
    return { ...rest, output_keys: Object.keys(output_paths as object) };
  });
}

describe('gsweep run --out s3://', () => {
  it('writes the same aggregate as the same sweep into a directory, and every reading command reads it', async () => {
    await ready;
    const grid = ['--grid', 'Sat.SMA=6800:7400:12'];
    const url = `s3://${BUCKET}/same/sma`;
    const s3 = await cli(['run', LEO, ...grid, '--out', url, '--concurrency', '2']);
    expect(s3.code, s3.stderr).toBe(0);
    expect(s3.stdout).toBe(`report__Track: ${url}/report__Track.parquet\nmanifest: ${url}/manifest.jsonl\n`);
    const localOut = path.join(work(), 'sma');
    const local = await cli(['run', LEO, ...grid, '--out', localOut, '--concurrency', '2']);
    expect(local.code, local.stderr).toBe(0);

    // What the store holds: the aggregate, the record, the runs in packs (each run's table and
    // outcome, a pack per batch or every few seconds); no lock, no logs, no per-run objects.
    const keys = await keysOf(url);
    expect(keys.filter((k) => !k.startsWith('packs/'))).toEqual(['manifest.jsonl', 'report__Track.parquet', 'request.json', 'script/leo_point_mass.script']);
    const packs = keys.filter((k) => k.startsWith('packs/'));
    expect(packs.length).toBeGreaterThan(0);
    expect(packs.length).toBeLessThan(12);
    expect([...(await storedRunIds(new S3Store(url, { client })))].sort((a, b) => a - b)).toEqual([...Array(12).keys()]);

    const copy = path.join(work(), 'copy');
    const pulled = await cli(['pull', url, copy]);
    expect(pulled.code, pulled.stderr).toBe(0);
    const a = await readParquetWithDuckDb(path.join(localOut, 'report__Track.parquet'), 'run_id, time');
    const b = await readParquetWithDuckDb(path.join(copy, 'report__Track.parquet'), 'run_id, time');
    expect(b.rows).toHaveLength(12 * 91);
    expect(b.rows).toEqual(a.rows);
    expect(manifestRuns(path.join(copy, 'manifest.jsonl'))).toEqual(manifestRuns(path.join(localOut, 'manifest.jsonl')));
    // The copy's manifest names the copy's own files: paths relative to the out, as on every out.
    const first = JSON.parse(fs.readFileSync(path.join(copy, 'manifest.jsonl'), 'utf8').split('\n')[1]);
    expect(first.output_paths.report__Track).toBe('runs/run-0/report__Track.parquet');
    expect(fs.statSync(path.join(copy, first.output_paths.report__Track)).isFile()).toBe(true);

    const diff = await cli(['diff', localOut, url]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('same within tolerance');
    const show = await cli(['show', url]);
    expect(show.stdout).toBe(`12 runs (12 ok) · grid · script sha256 ${JSON.parse(fs.readFileSync(path.join(copy, 'manifest.jsonl'), 'utf8').split('\n')[0]).script_sha256}\n${url}/report__Track.parquet\n`);
    const summary = await cli(['summary', url, '--json']);
    expect(JSON.parse(summary.stdout).table).toBe('report__Track');
    const report = await cli(['report', url]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(new RegExp(`^${url}/report.html \\(\\d+ charts, \\d+ KiB\\)\\n$`));
    expect(await keysOf(url)).toContain('report.html');
    // --output: the local page is the one named, and the same page is beside the tables.
    const page = path.join(work(), 'sma.html');
    const copied = await cli(['report', url, '--output', page, '--json']);
    expect(copied.code, copied.stderr).toBe(0);
    expect(JSON.parse(copied.stdout).file).toBe(page);
    expect((await new S3Store(url, { client }).get('report.html'))?.toString()).toBe(fs.readFileSync(page, 'utf8'));
    const mc = await cli(['mc-convergence', url, '--metric', 'Sat.Earth.SMA', '--json']);
    expect(mc.code, mc.stderr).toBe(0);
    expect(JSON.parse(mc.stdout).metrics[0].rows).toHaveLength(12);
    const zip = path.join(work(), 'sma.zip');
    const archive = await cli(['archive', url, '--output', zip, '--json']);
    expect(archive.code, archive.stderr).toBe(0);
    expect(JSON.parse(archive.stdout)).toMatchObject({ runs: 12, ok: 12, failed: 0, cancelled: 0, zipPath: zip });
    // Every run's table is in the bundle (unzip, which gsweep setup-gmat needs anyway, lists it).
    const entries = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n');
    for (let id = 0; id < 12; id++) expect(entries.some((e) => e.endsWith(`run-${id}/report__Track.parquet`)), `run ${id}`).toBe(true);
    const resume = await cli(['resume', url]);
    expect(resume.code, resume.stderr).toBe(0);
    expect(resume.stderr).toContain(`gsweep: all 12 runs of ${url} are ok; nothing to resume`);
  });

  it('resume s3:// re-runs exactly the run whose outcome is gone, extend s3:// appends runs, and their refusals name s3:// addresses', async () => {
    await ready;
    const url = `s3://${BUCKET}/resumed`;
    const store = new S3Store(url, { client });
    const first = await cli(['run', LEO, '--grid', 'Sat.SMA=6800:7400:4', '--engine', 'stand-in', '--out', url]);
    expect(first.code, first.stderr).toBe(0);
    // Run 2's outcome.json taken out of the pack that holds it (its table stays): run 2 has no record.
    const packsBefore = (await keysOf(url)).filter((k) => k.startsWith('packs/'));
    for (const k of packsInOrder(packsBefore)) {
      const entries = await decodePack((await store.get(k.key))!, k);
      if (!entries.some((e) => e.runId === 2 && e.name === 'outcome.json')) continue;
      const kept = entries.filter((e) => !(e.runId === 2 && e.name === 'outcome.json'));
      await store.put(k.key, await encodePack(kept.map((e) => ({ runId: e.runId, name: e.name, data: e.data! }))));
    }
    expect([...(await storedRunIds(store))].sort()).toEqual([0, 1, 3]);

    const resumed = await cli(['resume', url, '--engine', 'stand-in']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`gsweep: resuming ${url}: 1 runs to run (3 ok kept, 0 failed before)`);
    expect(resumed.stderr).toContain('gsweep: 4/4 runs ok, 0 failed');
    // The packs the resume wrote hold run 2 alone.
    const newPacks = packsInOrder((await keysOf(url)).filter((k) => k.startsWith('packs/') && !packsBefore.includes(k)));
    expect(newPacks.length).toBeGreaterThan(0);
    const rerun = new Set<number>();
    for (const k of newPacks) for (const e of await decodePack((await store.get(k.key))!, k)) rerun.add(e.runId);
    expect([...rerun]).toEqual([2]);
    const [, ...runs] = (await store.get('manifest.jsonl'))!.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { run_id: number; status: string });
    expect(runs.map((r) => [r.run_id, r.status])).toEqual([[0, 'ok'], [1, 'ok'], [2, 'ok'], [3, 'ok']]);

    const mcUrl = `s3://${BUCKET}/extended`;
    const mc = await cli(['monte-carlo', LEO, '--n', '3', '--seed', '7', '--perturb', 'Sat.SMA=normal:7000:25', '--engine', 'stand-in', '--out', mcUrl]);
    expect(mc.code, mc.stderr).toBe(0);
    const extended = await cli(['extend', mcUrl, '--n', '2', '--engine', 'stand-in']);
    expect(extended.code, extended.stderr).toBe(0);
    expect(extended.stderr).toContain(`gsweep: extending ${mcUrl} from 3 to 5 runs`);
    expect(extended.stderr).toContain('gsweep: 5/5 runs ok, 0 failed');
    const shown = await cli(['show', mcUrl]);
    expect(shown.stdout).toContain('5 runs (5 ok) · monte_carlo');

    // What resume refuses in the store is named by its s3:// address.
    const mcStore = new S3Store(mcUrl, { client });
    const request = (await mcStore.get('request.json'))!;
    await mcStore.delete('script/leo_point_mass.script');
    const noScript = await cli(['resume', mcUrl, '--engine', 'stand-in']);
    expect(noScript.code).toBe(2);
    expect(noScript.stderr).toContain(`gsweep: error: out: the archived script ${mcUrl}/script/leo_point_mass.script is missing; resume needs the exact script the sweep ran, so start a new sweep`);
    await mcStore.put('request.json', request.subarray(0, 20));
    const notJson = await cli(['extend', mcUrl, '--n', '1', '--engine', 'stand-in']);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(new RegExp(`gsweep: error: out: ${mcUrl}/request\\.json is not valid JSON \\(.*\\); gsweep only resumes a request\\.json it wrote itself`));
  });

  it('refuses a missing bucket, bad credentials and a prefix in use before anything starts', async () => {
    await ready;
    const missing = await cli(['run', LEO, '--grid', 'Sat.SMA=6800:7400:2', '--out', 's3://no-such-bucket/x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`gsweep: error: out: s3://no-such-bucket/x: bucket no-such-bucket does not exist on ${weed.endpoint}; create it first`);
    const creds = await cli(['run', LEO, '--grid', 'Sat.SMA=6800:7400:2', '--out', `s3://${BUCKET}/creds`], { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(creds.code).toBe(2);
    expect(creds.stderr).toContain(`gsweep: error: out: s3://${BUCKET}/creds: the store refused these credentials`);
    expect(await keysOf(`s3://${BUCKET}/creds`)).toEqual([]);
    // The commands that read a sweep say the same.
    const noBucket = await cli(['show', 's3://no-such-bucket/x']);
    expect(noBucket.code).toBe(2);
    expect(noBucket.stderr).toContain(`gsweep: error: out: s3://no-such-bucket/x: bucket no-such-bucket does not exist on ${weed.endpoint}; create it first`);
    const unreadable = await cli(['summary', `s3://${BUCKET}/creds`], { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain(`gsweep: error: out: s3://${BUCKET}/creds: the store refused these credentials`);
    // resume and extend check the store in their plan, with the same sentence.
    const noResume = await cli(['resume', 's3://no-such-bucket/x']);
    expect(noResume.code).toBe(2);
    expect(noResume.stderr).toContain(`gsweep: error: out: s3://no-such-bucket/x: bucket no-such-bucket does not exist on ${weed.endpoint}; create it first`);
    const noExtend = await cli(['extend', `s3://${BUCKET}/creds`, '--n', '4'], { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(noExtend.code).toBe(2);
    expect(noExtend.stderr).toContain(`gsweep: error: out: s3://${BUCKET}/creds: the store refused these credentials`);
    await new S3Store(`s3://${BUCKET}/used`, { client }).put('notes.txt', 'mine');
    const used = await cli(['run', LEO, '--grid', 'Sat.SMA=6800:7400:2', '--out', `s3://${BUCKET}/used`]);
    expect(used.code).toBe(2);
    expect(used.stderr).toContain(`gsweep: error: out: s3://${BUCKET}/used is not empty (it holds notes.txt); give a new prefix`);
    expect(await keysOf(`s3://${BUCKET}/used`)).toEqual(['notes.txt']);
  });

  it('run-one --out s3:// uploads the run files, outcome.json with them, and refuses a prefix in use', async () => {
    await ready;
    const url = `s3://${BUCKET}/one`;
    const ok = await cli(['run-one', LEO, '--set', 'Sat.SMA=7100', '--out', url]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^report__Track: ${url}/report__Track\\.parquet \\(\\d+ rows\\)\n$`));
    expect(ok.stderr).toContain(`gsweep: run ok; outcome: ${url}/outcome.json`);
    const keys = await keysOf(url);
    expect(keys).toContain('outcome.json');
    expect(keys).toContain('report__Track.parquet');
    const outcome = JSON.parse((await new S3Store(url, { client }).get('outcome.json'))!.toString('utf8'));
    expect(outcome.status).toBe('ok');
    expect(outcome.overrides).toEqual({ 'Sat.SMA': 7100 });
    const again = await cli(['run-one', LEO, '--out', url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`gsweep: error: out: ${url} is not empty (it holds`);
    expect(await keysOf(url)).toEqual(keys);
  });

  it('one sweep per prefix: a live lock refuses, a stale one is taken over', async () => {
    await ready;
    const url = `s3://${BUCKET}/locked`;
    const store = new S3Store(url, { client });
    const live = { sweepId: 's1', workflowId: 'w1', host: (await import('node:os')).hostname(), pid: process.pid, embedded: true, startedAt: new Date().toISOString() };
    await store.put('.gsweep.lock', JSON.stringify(live));
    const refused = await cli(['run', LEO, '--grid', 'Sat.SMA=6800:7400:2', '--out', url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`gsweep: error: out: ${url} is in use by sweep s1 (workflow w1, pid ${process.pid} on ${live.host}, embedded Temporal`);
    // The same lock from a process that is gone, which ran an embedded server: stale.
    await store.put('.gsweep.lock', JSON.stringify({ ...live, pid: 2 ** 22 + 7 }));
    const taken = await cli(['run', LEO, '--grid', 'Sat.SMA=6800:7400:2', '--out', url]);
    expect(taken.code, taken.stderr).toBe(0);
    expect(await keysOf(url)).not.toContain('.gsweep.lock');
    expect(await keysOf(url)).toContain('manifest.jsonl');
  });

  it('a store that is down for 20 s mid-sweep costs retries, not runs', async () => {
    await ready;
    const url = `s3://${BUCKET}/outage`;
    const running = cli(['run', LEO, '--grid', 'Sat.SMA=6800:7400:40', '--out', url, '--concurrency', '2', '--engine', 'stand-in'], { GSWEEP_STANDIN_DELAY_MS: '400' }, 400_000);
    // Down once some runs are in the store and the rest are still to come.
    await waitFor(async () => (await storedRunIds(new S3Store(url, { client }))).size >= 4, 'the first runs in the store', 120_000, 300);
    await weed.outage(20_000);
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('gsweep: 40/40 runs ok, 0 failed');
    const copy = path.join(work(), 'outage');
    expect((await cli(['pull', url, copy])).code).toBe(0);
    const runs = manifestRuns(path.join(copy, 'manifest.jsonl')) as Array<{ status: string }>;
    expect(runs.map((x) => x.status)).toEqual(new Array(40).fill('ok'));
    const table = await readParquetWithDuckDb(path.join(copy, 'report__Track.parquet'), 'run_id, time');
    expect(new Set(table.rows.map((row) => Number(row.run_id))).size).toBe(40);
  }, 600_000);
});
