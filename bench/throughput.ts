/**
 * Raw orchestration throughput (SPEC §8): an in-process engine that returns at once (no
 * process spawned), embedded dev server, end to end: ≥ 300 runs/s on a 2-core machine.
 *
 * The worker is gsweep's (same workflow bundle, same activities and worker options as
 * `createSweepWorker`) except that `runGmat` returns immediately. Figures:
 *   end to end  — startSweep → result (prepareSweep, every run, continue-as-new, writeAggregate)
 *   run phase   — startSweep → writeAggregate starts (the part that scales with runs)
 *
 *   npx tsx bench/throughput.ts [--runs 5000] [--max-in-flight 500] [--concurrency 500]
 *                               [--repeat 2] [--wft N] [--pollers N] [--max-cached N] [--eager N] [--history] [--max-buffered N]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, registeredActivities } from '../activities';
import { DEFAULT_TASK_QUEUE } from '../temporal/connection';
import { startDevServer } from '../temporal/dev-server';
import { prepareRequest } from '../client/request';
import { startSweep } from '../client/sweeps';
import { linspace } from '../sweep/grid';
import type { AggregateInput, RunTask } from '../sweep/sweep';
import { workflowBundlePath } from '../workers/bundle';
import { fmt, numberFlag, parseArgs, printMachine, SHARED_MISSIONS } from './lib/common';

interface Result {
  endToEndMs: number;
  runPhaseMs: number;
  executions: number;
  ok: number;
  workflowId: string;
}

/** The history event types this bench reports (temporal.api.enums.v1.EventType). */
const EVENT_TYPES: Record<number, string> = {
  5: 'WORKFLOW_TASK_SCHEDULED',
  6: 'WORKFLOW_TASK_STARTED',
  7: 'WORKFLOW_TASK_COMPLETED',
  8: 'WORKFLOW_TASK_TIMED_OUT',
  9: 'WORKFLOW_TASK_FAILED',
  10: 'ACTIVITY_TASK_SCHEDULED',
  11: 'ACTIVITY_TASK_STARTED',
  12: 'ACTIVITY_TASK_COMPLETED',
};
/** temporal.api.enums.v1.WorkflowTaskFailedCause, the values seen here. */
const WFT_FAILED_CAUSES: Record<number, string> = { 1: 'UNHANDLED_COMMAND', 13: 'RESET_STICKY_TASK_QUEUE', 17: 'FORCE_CLOSE_COMMAND', 24: 'NON_DETERMINISTIC_ERROR' };

/** Event counts over every execution of the sweep (continue-as-new chain). */
async function historyCounts(client: Client, workflowId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    for (const event of history.events ?? []) {
      const type = EVENT_TYPES[Number(event.eventType ?? 0)] ?? `type ${String(event.eventType)}`;
      counts[type] = (counts[type] ?? 0) + 1;
      const cause = event.workflowTaskFailedEventAttributes?.cause;
      if (cause !== undefined && cause !== null) {
        const key = `WORKFLOW_TASK_FAILED cause ${WFT_FAILED_CAUSES[Number(cause)] ?? String(cause)}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }
  }
  return counts;
}

async function once(
  client: Client,
  connection: NativeConnection,
  namespace: string,
  opts: { runs: number; maxInFlight: number; concurrency: number; workerOptions: Partial<WorkerOptions> },
  outDir: string,
): Promise<Result> {
  const activities = createActivities();
  let aggregateStartedAt = 0;
  let completed = 0;
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue: DEFAULT_TASK_QUEUE,
    workflowBundle: { codePath: await workflowBundlePath() },
    activities: registeredActivities({
      ...activities,
      runGmat: async (task: RunTask) => {
        completed++;
        return { runId: task.runId, status: 'ok' as const, rows: 0 };
      },
      writeAggregate: async (input: AggregateInput) => {
        aggregateStartedAt = performance.now();
        return activities.writeAggregate(input);
      },
    }),
    maxConcurrentActivityTaskExecutions: opts.concurrency,
    shutdownGraceTime: '5 seconds',
    ...opts.workerOptions,
  });
  return worker.runUntil(async () => {
    const prepared = await prepareRequest({
      script: path.join(SHARED_MISSIONS, 'leo_point_mass.script'),
      grid: { 'Sat.SMA': linspace(6800, 7400, opts.runs) },
      engine: 'stand-in',
      out: outDir,
      maxInFlight: opts.maxInFlight,
    });
    const t0 = performance.now();
    const handle = await startSweep(client, prepared, { taskQueue: DEFAULT_TASK_QUEUE, namespace });
    const summary = await handle.result();
    const t1 = performance.now();
    if (completed < opts.runs) throw new Error(`only ${completed} of ${opts.runs} runs executed`);
    return { endToEndMs: t1 - t0, runPhaseMs: aggregateStartedAt - t0, executions: summary.executions, ok: summary.ok, workflowId: handle.workflowId };
  });
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const runs = numberFlag(flags, 'runs', 5000);
  const maxInFlight = numberFlag(flags, 'max-in-flight', 500);
  const concurrency = numberFlag(flags, 'concurrency', 500);
  const repeat = numberFlag(flags, 'repeat', 2);
  const workerOptions: Partial<WorkerOptions> = {};
  if (flags.wft !== undefined) workerOptions.maxConcurrentWorkflowTaskExecutions = numberFlag(flags, 'wft', 40);
  if (flags.pollers !== undefined) {
    const n = numberFlag(flags, 'pollers', 5);
    workerOptions.maxConcurrentActivityTaskPolls = n;
    workerOptions.maxConcurrentWorkflowTaskPolls = n;
  }
  if (flags['max-cached'] !== undefined) workerOptions.maxCachedWorkflows = numberFlag(flags, 'max-cached', 100);
  if (flags.eager !== undefined) workerOptions.maxEagerActivityReservationsPerWorkflowTask = numberFlag(flags, 'eager', 3);
  printMachine();
  const dynamicConfigText = flags['max-buffered'] !== undefined ? `{"history.maximumBufferedEventsBatch":${String(flags['max-buffered'])}}` : '{}';
  console.log(
    `throughput: ${runs} runs, in-process engine returning at once, maxInFlight ${maxInFlight}, activity concurrency ${concurrency}, worker options ${JSON.stringify(workerOptions)}, server dynamic config ${dynamicConfigText}, ${repeat} repeats`,
  );
  // history.maximumBufferedEventsBatch (default 100): the server force-fails a workflow task
  // (FORCE_CLOSE_COMMAND) when more events than this arrive while it runs.
  const dynamicConfig: Record<string, number> = {};
  if (flags['max-buffered'] !== undefined) dynamicConfig['history.maximumBufferedEventsBatch'] = numberFlag(flags, 'max-buffered', 100);
  const server = await startDevServer({ headless: true, dynamicConfig });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-bench-throughput-'));
  const results: Result[] = [];
  let connection: Connection | undefined;
  let native: NativeConnection | undefined;
  try {
    connection = await Connection.connect({ address: server.address });
    native = await NativeConnection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    for (let r = 0; r < repeat; r++) {
      const res = await once(client, native, server.namespace, { runs, maxInFlight, concurrency, workerOptions }, path.join(work, `out-${r}`));
      results.push(res);
      console.log(
        `  end to end ${fmt(res.endToEndMs / 1000, 2)} s = ${fmt((runs * 1000) / res.endToEndMs, 0)} runs/s;  run phase ${fmt(res.runPhaseMs / 1000, 2)} s = ${fmt((runs * 1000) / res.runPhaseMs, 0)} runs/s;  ${res.executions} execution(s), ${res.ok} ok`,
      );
      if (flags.history === true) {
        // Visibility is eventually consistent: give the last execution a moment to be listed.
        await new Promise((r) => setTimeout(r, 1500));
        const counts = await historyCounts(client, res.workflowId);
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        const wft = counts.WORKFLOW_TASK_COMPLETED ?? 0;
        console.log(
          `    history: ${total} events (${fmt(total / runs, 2)}/run), ${wft} workflow tasks completed (${fmt(runs / Math.max(1, wft), 2)} runs per workflow task); ` +
            Object.entries(counts)
              .filter(([k]) => /TIMED_OUT|FAILED/.test(k))
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
        );
      }
      fs.rmSync(path.join(work, `out-${r}`), { recursive: true, force: true });
    }
  } finally {
    await connection?.close();
    await native?.close();
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const best = Math.min(...results.map((r) => r.endToEndMs));
  const rate = (runs * 1000) / best;
  console.log(`\nbest of repeats: ${fmt(rate, 0)} runs/s end to end (target >= 300: ${rate >= 300 ? 'met' : 'MISSED'})`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
