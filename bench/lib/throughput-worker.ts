/**
 * The worker process of `bench/throughput.ts`: gsweep's workflow bundle, activities and
 * worker options (as `createSweepWorker`), except that the engine returns at once: the real
 * batch activity expands each run's overrides and takes an engine slot for it, but starts no
 * GMAT and writes no run directory (so does the per-run `runGmat` of sweeps started before
 * batches). Runs in its own process so its peak RSS is its own. Prints one JSON line when
 * ready and one with its figures after SIGTERM (graceful shutdown).
 *
 *   node --import tsx bench/lib/throughput-worker.ts --address A --namespace N --task-queue Q
 *        [--concurrency 500] [--slots 2] [--wft N] [--pollers N] [--max-cached N] [--eager N]
 */
import { connectionSettings, connectOptions, type ConnectionSettings } from '../../temporal/connection';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry, type WorkerOptions } from '@temporalio/worker';
import { createActivities, registeredActivities } from '../../activities';
import { runBatch } from '../../activities/batch';
import { EngineSlots } from '../../gmat/slots';
import { recordFailures } from '../../output/failures';
import { InputTables } from '../../output/input-tables';
import { openStore } from '../../output/open-store';
import type { AggregateInput, BatchTask, RunTask } from '../../sweep/types';
import { workflowBundlePath } from '../../workers/bundle';
import { EAGER_ACTIVITIES_PER_WORKFLOW_TASK, HEARTBEAT_THROTTLE } from '../../workers/plugin';
import { numberFlag, parseArgs } from './common';

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  // Dies with the bench (a killed bench must not leave a polling worker behind).
  process.stdin.on('end', () => process.exit(3));
  process.stdin.resume();
  const counts = { payloadWarnings: 0, taskNotFound: 0, warnings: 0 };
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry: LogEntry) => {
      counts.warnings++;
      if (/TMPRL1103|exceeded the warning limit/.test(entry.message)) counts.payloadWarnings++;
      else if (/Task not found|Workflow task not found/i.test(entry.message)) counts.taskNotFound++;
      else process.stderr.write(`[worker ${entry.level}] ${entry.message}\n`);
    }),
  });
  const workerOptions: Partial<WorkerOptions> = {};
  if (flags.wft !== undefined) workerOptions.maxConcurrentWorkflowTaskExecutions = numberFlag(flags, 'wft', 40);
  if (flags.pollers !== undefined) {
    const n = numberFlag(flags, 'pollers', 5);
    workerOptions.maxConcurrentActivityTaskPolls = n;
    workerOptions.maxConcurrentWorkflowTaskPolls = n;
  }
  if (flags['max-cached'] !== undefined) workerOptions.maxCachedWorkflows = numberFlag(flags, 'max-cached', 100);
  // As GsweepPlugin (role all) sets it, unless --eager says otherwise.
  workerOptions.maxEagerActivityReservationsPerWorkflowTask = numberFlag(flags, 'eager', EAGER_ACTIVITIES_PER_WORKFLOW_TASK);

  // --tls-* as gsweep-worker takes them (the PostgreSQL rig's frontend is behind mTLS).
  const settings = connectionSettings({
    address: String(flags.address),
    tlsCert: flags['tls-cert'] as string | undefined,
    tlsKey: flags['tls-key'] as string | undefined,
    tlsCa: flags['tls-ca'] as string | undefined,
    tlsServerName: flags['tls-server-name'] as string | undefined,
  });
  const connection = await NativeConnection.connect(connectOptions(settings as ConnectionSettings));
  const activities = createActivities();
  const slots = new EngineSlots(numberFlag(flags, 'slots', 2));
  let completed = 0;
  let aggregateStartedAtMs = 0;
  let aggregateMs = 0;
  const worker = await Worker.create({
    connection,
    namespace: String(flags.namespace ?? 'default'),
    taskQueue: String(flags['task-queue']),
    workflowBundle: { codePath: await workflowBundlePath() },
    activities: registeredActivities({
      ...activities,
      runGmat: async (task: RunTask) => {
        completed++;
        return { runId: task.runId, status: 'ok' as const, rows: 0 };
      },
      runBatch: async (task: BatchTask) => {
        const store = openStore(task.context.outDir);
        const tables = new InputTables(store);
        try {
          return await runBatch(task, {
            store,
            recordFailures: (records) => recordFailures(store, records),
            slots,
            run: async (runId, signal, runSlots) => {
              await tables.expand(task.runSet, runId);
              const release = await runSlots!.acquire(signal);
              release();
              completed++;
            },
          });
        } finally {
          tables.close();
        }
      },
      writeAggregate: async (input: AggregateInput) => {
        aggregateStartedAtMs = Date.now();
        try {
          return await activities.writeAggregate(input);
        } finally {
          aggregateMs = Date.now() - aggregateStartedAtMs;
        }
      },
    }),
    maxConcurrentActivityTaskExecutions: numberFlag(flags, 'concurrency', 500),
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    shutdownGraceTime: '5 seconds',
    ...workerOptions,
  });
  process.once('SIGTERM', () => worker.shutdown());
  const running = worker.run();
  console.log(JSON.stringify({ ready: true }));
  await running;
  await connection.close();
  console.log(
    JSON.stringify({
      completed,
      aggregateStartedAtMs,
      aggregateMs,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      ...counts,
    }),
  );
  process.exit(0); // stdin (watched above) would keep the process alive
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
