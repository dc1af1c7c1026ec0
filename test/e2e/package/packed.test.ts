/**
 * The npm package as a user gets it: `npm pack`, install the tarball into a fresh project,
 * and there, with only public imports, run sweeps on a real dev server — once with a worker
 * that gets everything from GsweepPlugin, once as a fleet whose own workflows file
 * re-exports sweepWorkflow. The runs use the stand-in engine (a named test double; the
 * package is what is under test here, not GMAT).
 *
 * Dependencies come from the npm cache the repository's install filled (--prefer-offline;
 * the registry is only asked for what the cache lacks).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckDbQuery } from '../../helpers/duckdb';
import { MISSIONS, REPO_ROOT, startLocalTemporal, tempDir } from '../../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** What `require('gsweep')` exports at run time (types are checked separately below). */
const PUBLIC_VALUES = [
  'ACTIVITY_PREFIX',
  'GsweepPlugin',
  'RequestError',
  'cancelSweep',
  'createWorker',
  'getSweep',
  'listSweeps',
  'prepareRequest',
  'readManifestSummary',
  'resumeSweep',
  'runOne',
  'setMaxInFlight',
  'startSweep',
  'sweepProgress',
  'waitForSweep',
  'writeArchive',
];

const CONSUMER_MAIN = `
const { Client, Connection } = require('@temporalio/client');
const { NativeConnection, Worker } = require('@temporalio/worker');
const { GsweepPlugin, startSweep, waitForSweep, sweepProgress, readManifestSummary } = require('gsweep');

async function main() {
  const [mode, address, script, out] = process.argv.slice(2);
  const native = await NativeConnection.connect({ address });
  const taskQueue = 'consumer-' + mode;
  const worker = await Worker.create(
    mode === 'fleet'
      ? {
          connection: native,
          taskQueue,
          // The fleet's own workflows file (re-exports sweepWorkflow) and its own activity.
          workflowsPath: require.resolve('./workflows.js'),
          activities: { greet: async (name) => 'hello ' + name },
          plugins: [new GsweepPlugin()],
        }
      : { connection: native, taskQueue, plugins: [new GsweepPlugin()] },
  );
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const result = await worker.runUntil(async () => {
    const handle = await startSweep(client, { script, grid: { 'Sat.SMA': [7000, 7100, 7200, 7300] }, engine: 'stand-in', out }, { taskQueue });
    const outcome = await waitForSweep(handle);
    const greeting = mode === 'fleet'
      ? await client.workflow.execute('greetWorkflow', { taskQueue, workflowId: 'greet-' + Date.now(), args: ['fleet'] })
      : undefined;
    return { outcome, progress: await sweepProgress(handle), manifest: await readManifestSummary(out), greeting };
  });
  process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
  await connection.close();
  await native.close();
}
main().catch((err) => { console.error(err); process.exit(1); });
`;

const CONSUMER_WORKFLOWS = `
// A fleet's workflows file: its own workflow plus gsweep's, re-exported.
const { proxyActivities } = require('@temporalio/workflow');
const { greet } = proxyActivities({ startToCloseTimeout: '1 minute' });
exports.sweepWorkflow = require('gsweep/workflows').sweepWorkflow;
exports.greetWorkflow = async (name) => greet(name);
`;

const CONSUMER_TYPES = `
import type { Client } from '@temporalio/client';
import { createWorker, GsweepPlugin, runOne, startSweep, sweepProgress, type SweepProgress, type SweepRequest } from 'gsweep';
import { sweepWorkflow } from 'gsweep/workflows';

export async function typed(client: Client): Promise<number> {
  const request: SweepRequest = { script: 'a.script', grid: { 'Sat.SMA': [7000, 7100] }, engine: 'stand-in' };
  const handle = await startSweep(client, request, { taskQueue: 'q', gmatTaskQueue: 'gmat' });
  const progress: SweepProgress = await sweepProgress(handle);
  const plugin = new GsweepPlugin({ role: 'gmat', engine: { gmatRoot: '/opt/gmat' } });
  void plugin;
  void createWorker;
  void sweepWorkflow;
  const run = await runOne({ script: 'a.script', out: 'run', overrides: { 'Sat.SMA': 7000 }, engine: 'stand-in' });
  return progress.ok + run.outcome.duration_s;
}

// The types are real, not \`any\`: each misuse below must be an error (else TS2578 fails the check).
export async function misused(client: Client): Promise<void> {
  // @ts-expect-error: 'scrpt' is not a request field
  await startSweep(client, { scrpt: 'a.script', grid: {} });
  const handle = await startSweep(client, { script: 'a.script', grid: { 'Sat.SMA': [1] } });
  // @ts-expect-error: progress has no 'done' field
  void (await sweepProgress(handle)).done;
  // @ts-expect-error: role is all | control | gmat
  void new GsweepPlugin({ role: 'everything' });
  // @ts-expect-error: gsweep/workflows exports workflow code, not the client API
  void (await import('gsweep/workflows')).startSweep;
}
`;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('the packed npm package, installed in a fresh project', () => {
  let consumer: string;
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    const work = tempDir('gsweep-packed-');
    // `npm pack` runs prepare (the build), so the tarball holds a fresh dist/.
    const tarball = path.join(work, run(NPM, ['pack', '--silent', '--pack-destination', work], REPO_ROOT).trim().split('\n').pop()!);
    consumer = path.join(work, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], consumer, { GSWEEP_SKIP_SETUP: '1' });
    fs.writeFileSync(path.join(consumer, 'main.js'), CONSUMER_MAIN);
    fs.writeFileSync(path.join(consumer, 'workflows.js'), CONSUMER_WORKFLOWS);
    env = await startLocalTemporal();
  }, 900_000);

  afterAll(async () => {
    await env?.teardown();
  });

  it('ships compiled JavaScript and declarations, no TypeScript sources or tests', () => {
    const pkg = path.join(consumer, 'node_modules', 'gsweep');
    expect(fs.existsSync(path.join(pkg, 'dist', 'api', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(pkg, 'dist', 'api', 'index.d.ts'))).toBe(true);
    expect(fs.existsSync(path.join(pkg, 'api'))).toBe(false);
    expect(fs.existsSync(path.join(pkg, 'cli'))).toBe(false);
    expect(fs.existsSync(path.join(pkg, 'test'))).toBe(false);
    expect(fs.existsSync(path.join(pkg, 'gmat-stand-in', 'bin', 'GmatConsole'))).toBe(true);
  });

  it('exports exactly the public API and refuses deep imports', () => {
    const script = `
      console.log(JSON.stringify(Object.keys(require('gsweep')).sort()));
      console.log(typeof require('gsweep/workflows').sweepWorkflow);
      try { require('gsweep/dist/gmat/script'); } catch (err) { console.log(err.code); }`;
    const [keys, workflowType, deepError] = run(process.execPath, ['-e', script], consumer).trim().split('\n');
    expect(JSON.parse(keys!)).toEqual(PUBLIC_VALUES);
    expect(workflowType).toBe('function');
    expect(deepError).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  // node16 follows package.json "exports"; node10 (moduleResolution "node", still common in
  // CommonJS projects) needs "typesVersions" for gsweep/workflows.
  for (const resolution of ['node16', 'node10'] as const) {
    it(`type-checks a consumer that uses the public types (moduleResolution ${resolution})`, () => {
      fs.writeFileSync(path.join(consumer, 'typed.ts'), CONSUMER_TYPES);
      fs.writeFileSync(
        path.join(consumer, `tsconfig.${resolution}.json`),
        JSON.stringify({
          compilerOptions: {
            strict: true, noEmit: true, target: 'ES2022', skipLibCheck: true,
            ...(resolution === 'node16' ? { module: 'node16', moduleResolution: 'node16' } : { module: 'commonjs', moduleResolution: 'node10' }),
            types: ['node'], typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
          },
          files: ['typed.ts'],
        }),
      );
      const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = spawnSync(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: consumer, encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }

  for (const mode of ['plugin', 'fleet'] as const) {
    it(`${mode}: a 4-run sweep through the public API, aggregate read back with DuckDB`, async () => {
      const out = path.join(tempDir(), 'sweep');
      const stdout = run(process.execPath, ['main.js', mode, env.address, LEO, out], consumer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      expect(line, stdout).toBeDefined();
      const result = JSON.parse(line!.slice('RESULT '.length));
      expect(result.outcome.status).toBe('completed');
      expect(result.outcome.summary).toMatchObject({ total: 4, ok: 4, failed: 0, outDir: out });
      expect(result.progress).toMatchObject({ total: 4, ok: 4, phase: 'done' });
      expect(result.manifest.counts).toEqual({ ok: 4 });
      expect(result.manifest.header.gsweep_version).toBe(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version);
      if (mode === 'fleet') expect(result.greeting).toBe('hello fleet');

      const table = result.outcome.summary.tables.report__Track as string;
      expect(table).toBe(path.join(out, 'report__Track.parquet'));
      const rows = await duckDbQuery(
        `SELECT run_id, count(*) AS n, min("Sat.Earth.SMA") AS sma FROM read_parquet('${table}') GROUP BY run_id ORDER BY run_id`,
      );
      expect(rows.map((r) => Number(r.run_id))).toEqual([0, 1, 2, 3]);
      // Each run's orbit has the SMA its override set (point-mass gravity keeps it constant).
      expect(rows.map((r) => Math.round(Number(r.sma)))).toEqual([7000, 7100, 7200, 7300]);
      for (const r of rows) expect(Number(r.n)).toBeGreaterThan(1);

      // Activities ran under gsweep's prefixed names.
      const history = await env.client.workflow.getHandle(result.outcome.summary.sweepId).fetchHistory();
      const types = new Set(history.events!.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean));
      expect([...types].sort()).toEqual(['gsweep.prepareSweep', 'gsweep.runBatch', 'gsweep.writeAggregate']);
    });
  }

  it('bin entries run the compiled JavaScript', () => {
    const entry = path.join(consumer, 'node_modules', 'gsweep', 'bin', 'lib', 'entry.js');
    expect(run(process.execPath, [entry, '--mode'], consumer).trim()).toBe('dist');
    const runDir = path.join(tempDir(), 'one');
    const stdout = execFileSync(
      path.join(consumer, 'node_modules', '.bin', 'gsweep'),
      ['run-one', LEO, '--engine', 'stand-in', '--set', 'Sat.SMA=7100', '--out', runDir],
      { cwd: consumer, encoding: 'utf8' },
    );
    expect(stdout).toContain(`report__Track: ${path.join(runDir, 'report__Track.parquet')}`);
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'outcome.json'), 'utf8'))).toMatchObject({ status: 'ok', overrides: { 'Sat.SMA': 7100 } });
  });
});
