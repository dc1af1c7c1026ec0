/**
 * `gsweep-worker`: a standalone worker process for laptops, Kubernetes pods or Slurm jobs.
 * Every setting is a flag or an environment variable (see README "Workers").
 */
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Runtime } from '@temporalio/worker';
import { gsweepLogger } from './log';
import { NativeConnection } from '@temporalio/worker';
import { connectionSettings, connectOptions, type ConnectionSettings } from '../temporal/connection';
import { checkNamespace, checkTlsFiles, ConnectionProblem, explainConnectFailure } from '../temporal/connect-check';
import { describeInstall, locateGmat } from '../gmat/install';
import type { GsweepWorkerRole } from './plugin';
import { formatCount, MAX_CONCURRENCY } from '../sweep/limits';
import { createSweepWorker, defaultConcurrency } from './worker';

const ROLES: GsweepWorkerRole[] = ['all', 'control', 'gmat'];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

function concurrencyArg(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_CONCURRENCY) throw new InvalidArgumentError(`${value} is more than gsweep's limit of ${formatCount(MAX_CONCURRENCY)} GMAT runs at once per worker; give at most ${MAX_CONCURRENCY}`);
  return n;
}

/**
 * `host:port` for the metrics endpoint, checked here: the SDK's own check fails deep in its
 * runtime with a stack trace.
 */
function metricsAddress(value: string, from = '--metrics'): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535 || !/^(\[.*\]|\d{1,3}(\.\d{1,3}){3})$/.test(m[1]!)) {
    throw new InvalidArgumentError(`${from} ${JSON.stringify(value)} is not an IP address and port; give e.g. 0.0.0.0:9464 (all interfaces) or 127.0.0.1:9464`);
  }
  return value;
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
    .option('--concurrency <n>', `concurrent GMAT runs (env GSWEEP_CONCURRENCY; default: CPU cores; at most ${MAX_CONCURRENCY})`, concurrencyArg)
    .option('--gmat-root <dir>', 'GMAT install used when a sweep names none (env GMAT_ROOT)')
    .addOption(
      new Option('--role <role>', 'what this worker hosts: all, control (workflow, output-directory activities) or gmat (GMAT runs only) (env GSWEEP_WORKER_ROLE)').choices(ROLES),
    )
    .option('--cache <dir>', 'run cache for sweeps that name none: identical runs are taken from it, new results stored (env GSWEEP_CACHE)')
    .option('--scratch <dir>', 'where runs of sweeps whose out is s3://... execute before upload (env GSWEEP_SCRATCH; default: the OS temp directory)')
    .option('--metrics <host:port>', 'expose Temporal SDK metrics for Prometheus at this address (env GSWEEP_METRICS)', (v: string) => metricsAddress(v))
    // A bad flag is bad input: exit 2, as every gsweep command.
    .exitOverride((err) => process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2))
    .parse(argv);
  const opts = program.opts();
  const settings = connectionSettings(opts);
  if (!settings.address) {
    program.error('error: --address (or TEMPORAL_ADDRESS) is required: a worker joins an existing Temporal server', { exitCode: 2 });
  }
  let metrics: string | undefined;
  let concurrency: number;
  try {
    metrics = opts.metrics ?? (process.env.GSWEEP_METRICS ? metricsAddress(process.env.GSWEEP_METRICS, 'GSWEEP_METRICS') : undefined);
    concurrency = opts.concurrency ?? (process.env.GSWEEP_CONCURRENCY ? concurrencyArg(process.env.GSWEEP_CONCURRENCY) : defaultConcurrency());
  } catch (err) {
    return program.error(`error: ${(err as Error).message}`, { exitCode: 2 });
  }
  // A failed run is one log line (workers/log.ts); GSWEEP_LOG_LEVEL=DEBUG gives the SDK's full output.
  Runtime.install({
    logger: gsweepLogger((process.env.GSWEEP_LOG_LEVEL as 'INFO') ?? 'INFO', (line) => process.stderr.write(`${line}\n`)),
    ...(metrics ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metrics } } } } : {}),
  });
  const cacheDir = opts.cache ?? process.env.GSWEEP_CACHE;
  const cache = cacheDir ? path.resolve(cacheDir) : undefined;
  const role = (opts.role ?? process.env.GSWEEP_WORKER_ROLE ?? 'all') as GsweepWorkerRole;
  if (!ROLES.includes(role)) {
    program.error(`error: GSWEEP_WORKER_ROLE=${role} is not one of ${ROLES.join(', ')}`, { exitCode: 2 });
  }
  const connection = await connectOrExit(settings as ConnectionSettings, (message) => program.error(`error: ${message}`, { exitCode: 2 }));
  const { worker } = await createSweepWorker(settings as ConnectionSettings, {
    connection,
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

/** The figure the message names: the SDK gives up on an unreachable frontend after about this long. */
const CONNECT_TIMEOUT_S = 10;

/**
 * Connects and checks the namespace before creating the worker, so a wrong address,
 * certificate or namespace is one sentence and exit 2 (temporal/connect-check.ts), not the
 * SDK's transport error with a stack.
 */
async function connectOrExit(settings: ConnectionSettings, fail: (message: string) => never): Promise<NativeConnection> {
  let connection: NativeConnection;
  try {
    checkTlsFiles(settings);
    connection = await NativeConnection.connect(connectOptions(settings));
  } catch (err) {
    return fail(err instanceof ConnectionProblem ? err.message : await explainConnectFailure(settings, err, CONNECT_TIMEOUT_S));
  }
  try {
    await checkNamespace(settings, (request) => connection.workflowService.describeNamespace(request));
  } catch (err) {
    await connection.close();
    if (err instanceof ConnectionProblem) return fail(err.message);
    throw err;
  }
  return connection;
}

/** What the bin prints for an error nothing above turned into a sentence: one line, no stack (GSWEEP_DEBUG=1 adds it). */
export function reportUnexpected(err: unknown): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`gsweep-worker: ${message.split('\n')[0]}${process.env.GSWEEP_DEBUG === '1' && err instanceof Error ? `\n${err.stack}` : ''}\n`);
  process.exit(1);
}

if (require.main === module) main().catch(reportUnexpected);
