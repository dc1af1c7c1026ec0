/**
 * Records the workflow histories that `test/e2e/durability/replay.test.ts` replays, so a change
 * to workflow code that breaks determinism fails CI.
 *
 *   npx tsx test/histories/record.ts              # rewrites test/histories/*.json
 *   npx tsx test/histories/record.ts request      # (re)records only the named sweeps
 *
 * Re-record only on purpose, when a workflow change is meant to be incompatible (and then
 * version it with `patched()` instead where running sweeps must survive the deploy).
 * Each sweep runs for real: a `temporal server start-dev`, an in-process worker and the
 * stand-in GmatConsole, with the engine's fault hooks set in this process's environment
 * (the in-process worker's GmatConsole children inherit it).
 *
 * Recorded sweeps (all in batches; test/histories/per-run/ holds the same set recorded before
 * batches, when every run was one activity, and is never re-recorded):
 *   grid             8-run grid, window of 3 batches in flight, all ok
 *   sized            60-run grid whose batches are sized from measured engine time
 *   failures         GMAT rejections, an engine crash, and an infrastructure failure whose
 *                    retries run out (a file where a run directory belongs): the batch is
 *                    retried from that run, the run is failed, the rest goes to a new batch
 *   resume           `resume` of the failures sweep: already-ok runs skipped by the batches
 *   continue-as-new  30 runs in 1-run batches on a server that suggests continue-as-new early
 *                    (one file per execution)
 *   cancelled        cancelled while a run hangs: batches in flight cancelled, aggregate written
 *   samples          explicit rows, read by the batches from the output directory
 *   monte-carlo      Monte Carlo draws expanded by the batches
 *   request          started by workflow name with a plain JSON request (as from Python):
 *                    gsweep.prepareRequest prepares it on the worker, then the sweep as usual
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { ConnectionSettings } from '../../temporal/connection';
import { startDevServer } from '../../temporal/dev-server';
import { prepareRequest, type PreparedSweep, type SweepRequest } from '../../request/request';
import { planResume } from '../../api/resume';
import { startSweep, sweepProgress, waitForSweep, type SweepOutcome } from '../../api';
import { createSweepWorker } from '../../workers/worker';
import { historyToJsonText } from './format';

const HERE = __dirname;
const SCRIPT = path.resolve(HERE, '..', '..', '..', 'shared', 'missions', 'leo_point_mass.script');
const TASK_QUEUE = 'gsweep-record';

type History = temporal.api.history.v1.IHistory;

interface Recorder {
  client: Client;
  settings: ConnectionSettings;
  work: string;
}

async function withTemporal(dynamicConfig: Record<string, number>, fn: (r: Recorder) => Promise<void>): Promise<void> {
  const server = await startDevServer({ headless: true, dynamicConfig });
  const settings: ConnectionSettings = { address: server.address, namespace: server.namespace, taskQueue: TASK_QUEUE };
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-record-'));
  try {
    const client = new Client({ connection, namespace: server.namespace });
    const { worker } = await createSweepWorker(settings, { connection: native, concurrency: 2 });
    await worker.runUntil(fn({ client, settings, work }));
  } finally {
    await connection.close();
    await native.close();
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function request(r: Recorder, name: string, fields: Partial<SweepRequest>): SweepRequest {
  return {
    script: SCRIPT,
    engine: 'stand-in',
    out: path.join(r.work, name),
    sweepId: `replay-${name}`,
    heartbeatTimeoutSeconds: 3,
    runTimeoutSeconds: 30,
    retry: { maximumAttempts: 2, initialIntervalSeconds: 0.5 },
    ...fields,
  };
}

/** Saves the history of every execution of the chain (continue-as-new) that ended in the latest run of `workflowId`. */
async function save(r: Recorder, name: string, workflowId: string): Promise<void> {
  const chain: History[] = [];
  let runId: string | undefined = (await r.client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history: History = await r.client.workflow.getHandle(workflowId, runId).fetchHistory();
    chain.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  const files = chain.map((history, i) => {
    const file = path.join(HERE, `${name}${chain.length > 1 ? `-${i + 1}` : ''}.json`);
    fs.writeFileSync(file, historyToJsonText(history));
    return path.basename(file);
  });
  console.log(`${name}: ${files.join(', ')}`);
}

async function run(r: Recorder, name: string, prepared: PreparedSweep, expect: SweepOutcome['status'], during?: (h: Awaited<ReturnType<typeof startSweep>>) => Promise<void>): Promise<void> {
  const handle = await startSweep(r.client, prepared, { taskQueue: r.settings.taskQueue, namespace: r.settings.namespace });
  await during?.(handle);
  const outcome = await waitForSweep(handle);
  if (outcome.status !== expect) throw new Error(`${name}: expected ${expect}, got ${JSON.stringify(outcome)}`);
  await save(r, name, handle.workflowId);
}

/** Starts sweepWorkflow by its name with a plain request, as a client in another language does. */
async function runByName(r: Recorder, name: string, fields: Partial<SweepRequest>): Promise<void> {
  const { sweepId, ...plain } = request(r, name, fields);
  const handle = await r.client.workflow.start('sweepWorkflow', { taskQueue: r.settings.taskQueue, workflowId: sweepId!, args: [plain] });
  const summary = (await handle.result()) as { ok: number; total: number };
  if (summary.ok !== summary.total) throw new Error(`${name}: expected every run ok, got ${JSON.stringify(summary)}`);
  await save(r, name, handle.workflowId);
}

/** Sweeps that can be recorded alone (`record.ts request`); the others depend on each other or on a server setting. */
const ALONE: Record<string, (r: Recorder) => Promise<void>> = {
  request: (r) => runByName(r, 'request', { grid: { 'Sat.SMA': [6800, 7000, 7200], 'Sat.ECC': [0.001, 0.01] }, maxInFlight: 3 }),
};

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const only = process.argv.slice(2);
  if (only.length > 0) {
    const other = only.filter((name) => !(name in ALONE));
    if (other.length > 0) throw new Error(`${other.join(', ')}: only ${Object.keys(ALONE).join(', ')} can be recorded alone; run without arguments to record every sweep`);
    await withTemporal({}, async (r) => {
      for (const name of only) await ALONE[name]!(r);
    });
    return;
  }
  for (const f of fs.readdirSync(HERE).filter((f) => f.endsWith('.json'))) fs.rmSync(path.join(HERE, f));

  await withTemporal({}, async (r) => {
    for (const record of Object.values(ALONE)) await record(r);
    await run(r, 'grid', await prepareRequest(request(r, 'grid', { grid: { 'Sat.SMA': [6800, 7000, 7200, 7400], 'Sat.ECC': [0.001, 0.01] }, maxInFlight: 3 })), 'completed');
    await run(r, 'sized', await prepareRequest(request(r, 'sized', { grid: { 'Sat.SMA': { lo: 6800, hi: 7400, count: 60 } } })), 'completed');

    // Failures: ECC = 1.5 is rejected by GMAT, SMA = 6900 crashes the engine, and run 2's
    // directory is blocked by a file, so its activity fails, is retried, and runs out of attempts.
    const failures = await prepareRequest(request(r, 'failures', { grid: { 'Sat.SMA': [6800, 6900, 7000], 'Sat.ECC': [0.001, 1.5] }, maxInFlight: 4 }));
    const obstacle = path.join(failures.input.context.outDir, 'runs', 'run-4');
    fs.mkdirSync(path.dirname(obstacle), { recursive: true });
    fs.writeFileSync(obstacle, 'not a directory\n');
    process.env.GSWEEP_STANDIN_CRASH_IF = 'Sat.SMA = 6900;';
    await run(r, 'failures', failures, 'completed');
    delete process.env.GSWEEP_STANDIN_CRASH_IF;

    fs.rmSync(obstacle);
    const plan = await planResume(failures.input.context.outDir, { engine: 'stand-in' });
    await run(r, 'resume', { input: { ...plan.input, searchAttributes: false }, engine: 'stand-in', workflowId: 'replay-failures-resume', inputTables: plan.inputTables }, 'completed');

    process.env.GSWEEP_STANDIN_HANG_IF = 'Sat.SMA = 7000;';
    process.env.GSWEEP_STANDIN_DELAY_MS = '200';
    await run(r, 'cancelled', await prepareRequest(request(r, 'cancelled', { grid: { 'Sat.SMA': [6800, 6900, 7000, 7100, 7200, 7300, 7400, 7500] }, maxInFlight: 4 })), 'cancelled', async (handle) => {
      for (;;) {
        const p = await sweepProgress(handle).catch(() => undefined);
        if (p && p.ok >= 2 && p.running > 0) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      await handle.cancel();
    });
    delete process.env.GSWEEP_STANDIN_HANG_IF;
    delete process.env.GSWEEP_STANDIN_DELAY_MS;

    await run(
      r,
      'samples',
      await prepareRequest(request(r, 'samples', { samples: [{ 'Sat.SMA': 7000, 'Sat.INC': 28.5 }, { 'Sat.SMA': 7100, 'Sat.INC': 51.6 }, { 'Sat.SMA': 7200, 'Sat.INC': 97.8 }] })),
      'completed',
    );
    await run(
      r,
      'monte-carlo',
      await prepareRequest(request(r, 'monte-carlo', { monteCarlo: { n: 5, seed: 42, perturb: { 'Sat.SMA': ['normal', 7000, 10], 'Sat.TA': ['uniform', 0, 360] } } })),
      'completed',
    );
  });

  // A server that suggests continue-as-new after 40 history events.
  await withTemporal({ 'limit.historyCount.suggestContinueAsNew': 40 }, async (r) => {
    await run(r, 'continue-as-new', await prepareRequest(request(r, 'continue-as-new', { grid: { 'Sat.SMA': Array.from({ length: 30 }, (_, i) => 6800 + 20 * i) }, maxInFlight: 4, batchSize: 1 })), 'completed');
  });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
