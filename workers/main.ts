/**
 * `gsweep-worker`: a standalone worker process for laptops, Kubernetes pods or Slurm jobs.
 * Every setting is a flag or an environment variable (see README "Workers").
 */
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Runtime } from '@temporalio/worker';
import { gsweepLogger } from './log';
import { connectionSettings, type ConnectionSettings } from '../temporal/connection';
import { describeInstall, locateGmat } from '../gmat/install';
import type { GsweepWorkerRole } from './plugin';
import { createSweepWorker, defaultConcurrency } from './worker';

const ROLES: GsweepWorkerRole[] = ['all', 'control', 'gmat'];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

export async function main(argv = process.argv): Promise<void> {
  const program = new Command('gsweep-worker')
    .description('Poll a Temporal task queue and run gsweep sweep workflows and GMAT runs')
    .option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS)')
    .option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE)', undefined)
    .option('--task-queue <name>', 'task queue (env GSWEEP_TASK_QUEUE)', undefined)
    .option('--api-key <key>', 'Temporal Cloud API key (env TEMPORAL_API_KEY)')
    .option('--tls', 'use TLS without client certificates (env TEMPORAL_TLS=true)')
    .option('--tls-cert <file>', 'mTLS client certificate (env TEMPORAL_TLS_CLIENT_CERT_PATH)')
    .option('--tls-key <file>', 'mTLS client key (env TEMPORAL_TLS_CLIENT_KEY_PATH)')
    .option('--tls-ca <file>', 'server CA certificate (env TEMPORAL_TLS_SERVER_CA_CERT_PATH)')
    .option('--tls-server-name <name>', 'TLS server name override (env TEMPORAL_TLS_SERVER_NAME)')
    .option('--concurrency <n>', 'concurrent GMAT runs (env GSWEEP_CONCURRENCY; default: CPU cores)', positiveInt)
    .option('--gmat-root <dir>', 'GMAT install used when a sweep names none (env GMAT_ROOT)')
    .addOption(
      new Option('--role <role>', 'what this worker hosts: all, control (workflow, output-directory activities) or gmat (GMAT runs only) (env GSWEEP_WORKER_ROLE)').choices(ROLES),
    )
    .option('--cache <dir>', 'run cache for sweeps that name none: identical runs are taken from it, new results stored (env GSWEEP_CACHE)')
    .option('--scratch <dir>', 'where runs of sweeps whose out is s3://... execute before upload (env GSWEEP_SCRATCH; default: the OS temp directory)')
    .option('--metrics <host:port>', 'expose Temporal SDK metrics for Prometheus at this address (env GSWEEP_METRICS)')
    .parse(argv);
  const opts = program.opts();
  const settings = connectionSettings(opts);
  if (!settings.address) {
    program.error('error: --address (or TEMPORAL_ADDRESS) is required: a worker joins an existing Temporal server', { exitCode: 2 });
  }
  const metrics = opts.metrics ?? process.env.GSWEEP_METRICS;
  // A failed run is one log line (workers/log.ts); GSWEEP_LOG_LEVEL=DEBUG gives the SDK's full output.
  Runtime.install({
    logger: gsweepLogger((process.env.GSWEEP_LOG_LEVEL as 'INFO') ?? 'INFO', (line) => process.stderr.write(`${line}\n`)),
    ...(metrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metrics } } } } : {}),
  });
  const concurrency = opts.concurrency ?? (process.env.GSWEEP_CONCURRENCY ? positiveInt(process.env.GSWEEP_CONCURRENCY) : defaultConcurrency());
  const cacheDir = opts.cache ?? process.env.GSWEEP_CACHE;
  const cache = cacheDir ? path.resolve(cacheDir) : undefined;
  const role = (opts.role ?? process.env.GSWEEP_WORKER_ROLE ?? 'all') as GsweepWorkerRole;
  if (!ROLES.includes(role)) {
    program.error(`error: GSWEEP_WORKER_ROLE=${role} is not one of ${ROLES.join(', ')}`, { exitCode: 2 });
  }
  const { worker, connection } = await createSweepWorker(settings as ConnectionSettings, {
    concurrency,
    role,
    engine: { gmatRoot: opts.gmatRoot ?? process.env.GMAT_ROOT },
    ...(cache ? { cache } : {}),
    ...(opts.scratch || process.env.GSWEEP_SCRATCH ? { scratch: path.resolve(opts.scratch ?? process.env.GSWEEP_SCRATCH) } : {}),
  });
  // Which GMAT this worker runs for sweeps that name none; a missing one fails those runs, not the worker.
  try {
    console.log(`gsweep worker: ${describeInstall(locateGmat({ gmatRoot: opts.gmatRoot }))}`);
  } catch (e) {
    console.log(`gsweep worker: no GMAT install found; runs of sweeps that use the default engine will fail:\n${(e as Error).message}`);
  }
  console.log(
    `gsweep worker polling ${settings.address} namespace=${settings.namespace} task-queue=${settings.taskQueue} role=${role} concurrency=${concurrency}`,
  );
  try {
    // Stopping the worker (SIGINT/SIGTERM) closes its warm consoles: GsweepPlugin.runWorker.
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
