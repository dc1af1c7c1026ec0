/**
 * The `gsweep` command line. Exit codes: 0 every run ok, 1 a run failed or the sweep did
 * not complete, 2 bad input (nothing was started or created).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { gsweepLogger } from '../workers/log';
import { resolveInstall } from '../gmat/engine';
import { describeInstall, GmatNotFoundError, type GmatInstall } from '../gmat/install';
import { SetupGmatError } from '../gmat/setup';
import { RUN_FILES, runFilePath } from '../output/layout';
import { setupGmatCommand } from './setup-gmat';
import { AnalysisError } from '../analysis/table';
import { SensitivityError, sobolSample, type SobolDesign } from '../sensitivity/saltelli';
import { OverrideError } from '../sweep/overrides';
import type { SweepProgress } from '../sweep/sweep';
import { ArchiveError } from '../output/archive';
import { registerArchiveCommand } from './archive-command';
import { registerListCommand } from './list-command';
import { registerSetupNamespaceCommand, searchAttributeNotice } from './namespace-command';
import { connectionSettings, type ConnectionFlags, type ConnectionSettings } from '../temporal/connection';
import { startDevServer } from '../temporal/dev-server';
import { GridArgError, parseGridArgs, parsePerturbArgs, parseSetArgs } from '../request/grid-args';
import { withEmbeddedTemporal } from './local';
import { progressDisplay } from './progress';
import { runOne } from './run-one';
import { checkCacheDir, prepareRequest, RequestError, type PreparedSweep, type SweepRequest } from '../request/request';
import { registerCacheCommand } from './cache-command';
import { CliError, connectOrExplain, EXIT_BAD_INPUT, EXIT_RUNS_FAILED, explainUnexpected, installInterruptHandler, interruptible, InterruptedError } from './cli-errors';
import { acquireOutLock, workflowStateOf, type OutLock } from '../request/out-lock';
import { outArgument, withLocalView } from './store-out';
import { isS3Url } from '../output/store';
import { S3Store } from '../output/s3-store';
import { pullOut } from '../output/pull';
import type { EngineChoice } from './request-file';
import { planExtend, planResume, resolveOutDir } from './resume';
import { registerAnalysisCommands } from './analysis-cli';
import { registerReportCommand } from './report-cli';
import { analyzeSobolSweep, designRequestRows, writeSobolFile } from './sobol';
import { formatSobolAnalysis } from './sobol-format';
import { readManifestSummary, setMaxInFlight, startSweep, sweepHandle, sweepProgress, waitForSweep, type SweepOutcome } from './sweeps';
import { readRegularText, UnsafePathError } from '../output/safe-files';
import { formatCount, MAX_CONCURRENCY, MAX_CONTEXT_FILE_BYTES, MAX_IN_FLIGHT_LIMIT } from '../sweep/limits';

export class UsageError extends Error {}

const EXIT_OK = 0;

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** `--concurrency`: each slot is a GmatConsole process, so the cap is named in the refusal. */
function concurrency(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_CONCURRENCY) throw new InvalidArgumentError(`${value} is more than gsweep's limit of ${formatCount(MAX_CONCURRENCY)} GMAT runs at once per worker; give at most ${MAX_CONCURRENCY}`);
  return n;
}

/** `--max-in-flight`: batches in flight at once, between 1 and the cap, which the refusal names. */
function maxInFlightArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_IN_FLIGHT_LIMIT) {
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} is not a whole number from 1 to ${MAX_IN_FLIGHT_LIMIT}: gsweep keeps at most ${MAX_IN_FLIGHT_LIMIT} batches in flight (Temporal limits an execution's pending activities)`,
    );
  }
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--address <host:port>', 'Temporal frontend; without it gsweep starts an embedded dev server (env TEMPORAL_ADDRESS)')
    .option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE)')
    .option('--task-queue <name>', 'task queue the workers poll (env GSWEEP_TASK_QUEUE)')
    .option('--api-key <key>', 'Temporal Cloud API key (env TEMPORAL_API_KEY)')
    .option('--tls', 'connect with TLS (env TEMPORAL_TLS=true)')
    .option('--tls-cert <file>', 'mTLS client certificate')
    .option('--tls-key <file>', 'mTLS client key')
    .option('--tls-ca <file>', 'server CA certificate')
    .option('--tls-server-name <name>', 'TLS server name override');
}

const engineOption = () =>
  new Option('--engine <engine>', 'GMAT engine: gmat (a real GMAT install) or stand-in (the test double)').choices(['gmat', 'stand-in']).default('gmat');
const engineModeOption = () =>
  new Option('--engine-mode <mode>', 'fresh: one GmatConsole per run; warm: long-lived consoles per worker slot (same script only)').choices(['fresh', 'warm']);

/** resume/extend: the engine is the command line's, never the output directory's. */
function engineChoice(o: SweepCliOptions): EngineChoice {
  return { engine: o.engine, engineMode: o.engineMode, ...(o.gmatRoot ? { gmatRoot: path.resolve(o.gmatRoot) } : {}) };
}

function addSweepOptions(cmd: Command): Command {
  return addConnectionOptions(cmd)
    .option('--out <dir|s3://bucket/prefix>', 'output directory seen by every worker, or an S3 prefix (AWS_ENDPOINT_URL, AWS_REGION, keys or profile; default ./gsweep-runs/<sweep-id>)')
    .option('--keep-logs', 'with an s3:// out: also upload each run\'s GMAT log and patched script')
    .option('--scratch <dir>', 'with an s3:// out: where the embedded worker runs GMAT before uploading (default: the OS temp directory)')
    .addOption(new Option('--engine <engine>', 'GMAT engine: gmat (a real GMAT install) or stand-in (the test double)').choices(['gmat', 'stand-in']).default('gmat'))
    .option('--gmat-root <dir>', 'GMAT install root (env GMAT_ROOT)')
    .addOption(new Option('--engine-mode <mode>', 'warm: long-lived GmatConsoles per worker slot, GMAT start-up paid once per slot; fresh: one GmatConsole per run').choices(['warm', 'fresh']).default('warm'))
    .option('--max-in-flight <n>', `batches of runs at once, so GMAT runs at once across all workers (1-${MAX_IN_FLIGHT_LIMIT})`, maxInFlightArg)
    .option('--batch-seconds <s>', 'engine time one batch of runs aims at, measured from finished runs (default 20)', positiveNumber)
    .option('--batch-size <n>', 'pin the runs per batch instead of sizing batches by time', positiveInt)
    .option('--run-timeout <seconds>', 'per-run timeout', positiveNumber)
    .option('--heartbeat-timeout <seconds>', 'how fast a lost worker is noticed', positiveNumber)
    .option('--retries <n>', 'attempts per run for infrastructure failures', positiveInt)
    .option('--sweep-id <id>', 'workflow id of the sweep (default gsweep-<script>-<random>)')
    .option('--postprocess <command>', 'run this command line (/bin/sh -c) in each run directory after GMAT succeeds; see README "Postprocess"')
    .option('--context <file.json>', 'per-run context for the postprocess hook: a JSON object for every run, or an array with one object per run')
    .option('--cache <dir>', 'run cache: identical runs (script, overrides, GMAT) are taken from it, new results stored in it (env GSWEEP_CACHE); see README "Run cache"')
    .option('--concurrency <n>', `GMAT runs at once in the embedded worker (default: CPU cores; at most ${MAX_CONCURRENCY})`, concurrency)
    .option('--gmat-task-queue <name>', 'with --address: task queue of the GMAT runs, polled by `gsweep-worker --role gmat` hosts (env GSWEEP_GMAT_TASK_QUEUE; default: --task-queue)')
    .option('--db-filename <file>', 'embedded dev server: keep history in this SQLite file')
    .option('--ui', 'embedded dev server: serve the Temporal Web UI')
    .option('--no-wait', 'with --address: start the sweep, print its id and exit')
    .option('--json', 'print a machine-readable summary on stdout');
}

interface SweepCliOptions extends ConnectionFlags {
  out?: string;
  keepLogs?: boolean;
  scratch?: string;
  engine: 'gmat' | 'stand-in';
  engineMode?: 'fresh' | 'warm';
  gmatRoot?: string;
  maxInFlight?: number;
  batchSeconds?: number;
  batchSize?: number;
  runTimeout?: number;
  heartbeatTimeout?: number;
  retries?: number;
  sweepId?: string;
  postprocess?: string;
  context?: string;
  cache?: string;
  concurrency?: number;
  gmatTaskQueue?: string;
  dbFilename?: string;
  ui?: boolean;
  wait: boolean;
  json?: boolean;
}

function baseRequest(script: string, o: SweepCliOptions): SweepRequest {
  return {
    script,
    out: o.out,
    engine: o.engine,
    engineMode: o.engineMode,
    // Only an explicit --gmat-root pins the install for every worker; otherwise each worker
    // (the embedded one included) uses its own --gmat-root / GMAT_ROOT.
    gmatRoot: o.gmatRoot,
    maxInFlight: o.maxInFlight,
    batchSeconds: o.batchSeconds,
    batchSize: o.batchSize,
    runTimeoutSeconds: o.runTimeout,
    heartbeatTimeoutSeconds: o.heartbeatTimeout,
    retry: o.retries ? { maximumAttempts: o.retries } : undefined,
    sweepId: o.sweepId,
    postprocess: o.postprocess,
    context: o.context === undefined ? undefined : readContextFile(o.context),
    cache: cacheOption(o),
    ...(o.keepLogs ? { keepLogs: true } : {}),
  };
}

/** `--cache`, else GSWEEP_CACHE, else no cache. */
function cacheOption(o: { cache?: string }): string | undefined {
  return o.cache ?? (process.env.GSWEEP_CACHE || undefined);
}

function readContextFile(file: string): NonNullable<SweepRequest['context']> {
  let value: unknown;
  try {
    // A FIFO or device would block or never end: only a regular file is opened.
    value = JSON.parse(readRegularText(path.resolve(file), { followSymlink: true, what: '--context', maxBytes: MAX_CONTEXT_FILE_BYTES }));
  } catch (err) {
    if (err instanceof UnsafePathError) throw new RequestError('context', err.message);
    throw new RequestError('context', `${file}: ${(err as Error).message}; give a JSON file`);
  }
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(value) && !(Array.isArray(value) && value.every(isObject))) {
    throw new RequestError('context', `${file}: give a JSON object (for every run) or an array of objects (one per run)`);
  }
  return value as NonNullable<SweepRequest['context']>;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function reportOutcome(outcome: SweepOutcome, json: boolean | undefined, sweepId: string): number {
  if (json) process.stdout.write(`${JSON.stringify({ sweepId, ...outcome }, null, 2)}\n`);
  if (outcome.status !== 'completed') {
    if (!json) log(`gsweep: sweep ${sweepId} ${outcome.status}: ${outcome.message}`);
    return EXIT_RUNS_FAILED;
  }
  const s = outcome.summary;
  if (!json) {
    for (const [key, file] of Object.entries(s.tables)) process.stdout.write(`${key}: ${file}\n`);
    process.stdout.write(`manifest: ${s.manifestPath}\n`);
    log(`gsweep: ${s.ok}/${s.total} runs ok, ${s.failed} failed (sweep ${s.sweepId}, ${s.executions} workflow execution${s.executions === 1 ? '' : 's'})`);
  }
  return s.failed > 0 ? EXIT_RUNS_FAILED : EXIT_OK;
}

async function connectClient(settings: ConnectionSettings): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await connectOrExplain(settings);
  return { client: new Client({ connection, namespace: settings.namespace }), close: () => connection.close() };
}

/** What to tell a user who interrupts the client while it follows a sweep. */
function interruptHint(prepared: PreparedSweep, workflowId: string, settings: ConnectionSettings, embedded: boolean): string {
  const out = prepared.input.context.outDir;
  if (embedded) {
    return (
      `the embedded Temporal server stops with gsweep, so sweep ${workflowId} stops here; ` +
      `\`gsweep resume ${out} --engine ${prepared.engine}\` finishes it later (runs already ok are kept)`
    );
  }
  const at = `--address ${settings.address}${settings.namespace !== 'default' ? ` --namespace ${settings.namespace}` : ''}`;
  return `sweep ${workflowId} keeps running on ${settings.address}: \`gsweep wait ${workflowId} ${at}\` reattaches, \`gsweep cancel ${workflowId} ${at}\` stops it`;
}

async function followSweep(prepared: PreparedSweep, client: Client, settings: ConnectionSettings, o: SweepCliOptions, embedded = false): Promise<number> {
  // The embedded worker polls one queue and hosts everything: a GMAT queue only means
  // something with --address, where `gsweep-worker --role gmat` hosts poll it.
  const gmatTaskQueue = embedded ? undefined : (o.gmatTaskQueue ?? process.env.GSWEEP_GMAT_TASK_QUEUE);
  const handle = await startSweep(client, prepared, { taskQueue: settings.taskQueue, namespace: settings.namespace, gmatTaskQueue });
  log(`gsweep: started sweep ${handle.workflowId}: ${prepared.input.runCount} runs -> ${prepared.input.context.outDir}`);
  if (!o.wait) {
    if (o.json) process.stdout.write(`${JSON.stringify({ sweepId: handle.workflowId, outDir: prepared.input.context.outDir })}\n`);
    else process.stdout.write(`${handle.workflowId}\n`);
    return EXIT_OK;
  }
  const display = o.json ? undefined : progressDisplay();
  try {
    // Interrupted: the long poll for the result is aborted, so nothing is left running on a closed connection.
    const abort = new AbortController();
    const outcome = await interruptible(
      waitForSweep(handle, (p) => display?.update(p), undefined, abort.signal),
      interruptHint(prepared, handle.workflowId, settings, embedded),
      () => abort.abort(),
    );
    display?.stop();
    return reportOutcome(outcome, o.json, handle.workflowId);
  } finally {
    display?.stop();
  }
}

async function runSweepCommand(request: SweepRequest, o: SweepCliOptions): Promise<number> {
  return launchSweep(await prepareRequest(request), o);
}

async function launchSweep(prepared: PreparedSweep, o: SweepCliOptions): Promise<number> {
  installInterruptHandler(log);
  const flags = connectionSettings(o);
  const { outDir, sweepId } = prepared.input.context;
  const workflowId = prepared.workflowId ?? sweepId;
  if (flags.address) {
    const settings = flags as ConnectionSettings;
    const { client, close } = await connectClient(settings);
    try {
      const notice = await searchAttributeNotice(client, settings);
      if (notice) log(`gsweep: ${notice}`);
      const lock = await acquireOutLock(
        outDir,
        { sweepId, workflowId, embedded: false, address: settings.address, namespace: settings.namespace },
        (id) => workflowStateOf(client, id),
      );
      // --no-wait and Ctrl-C leave the lock to the sweep, which keeps running on the server: the
      // next client asks Temporal whether it still runs.
      let keep = false;
      try {
        const code = await followSweep(prepared, client, settings, o);
        keep = !o.wait;
        return code;
      } catch (err) {
        keep = err instanceof InterruptedError;
        throw err;
      } finally {
        if (!keep) await releaseLock(lock);
      }
    } finally {
      await close();
    }
  }
  // Embedded mode runs GMAT in this process's worker: find it now, not at the first run.
  const engine = { gmatRoot: o.gmatRoot ?? process.env.GMAT_ROOT };
  log(`gsweep: ${describeInstall(resolveInstall(prepared.input.context.engine, engine))}`);
  // The sweep lives and dies with this process (and its embedded server), so a lock whose
  // process is gone is stale.
  const lock = await acquireOutLock(outDir, { sweepId, workflowId, embedded: true });
  try {
    return await withEmbeddedTemporal(
      {
        server: { dbFilename: o.dbFilename, headless: !o.ui },
        concurrency: o.concurrency,
        engine,
        ...(o.scratch ? { scratch: path.resolve(o.scratch) } : {}),
        onServer: (server) => log(`gsweep: embedded Temporal dev server at ${server.address}${server.uiUrl ? `, Web UI ${server.uiUrl}` : ''}`),
      },
      ({ client, settings }) => followSweep(prepared, client, settings, { ...o, wait: true }, true),
    );
  } finally {
    await releaseLock(lock);
  }
}

/** Releases a lock, waiting for an object store's delete to finish. */
async function releaseLock(lock: OutLock): Promise<void> {
  if (lock.releaseAsync) await lock.releaseAsync().catch(() => undefined);
  else lock.release();
}

const SET_TIMEOUT_S = 30;

function withTimeout<T>(work: Promise<T>, seconds: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError(message, EXIT_RUNS_FAILED)), seconds * 1000);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** An update needs the sweep running and a worker to run its handler: say so instead of blocking. */
async function requireRunningWithWorker(client: Client, handle: ReturnType<typeof sweepHandle>, settings: ConnectionSettings): Promise<void> {
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') {
    throw new CliError(`sweep ${handle.workflowId} is ${description.status.name.toLowerCase()}, not running; there is nothing to change`, EXIT_BAD_INPUT);
  }
  const queue = await client.workflowService.describeTaskQueue({
    namespace: settings.namespace,
    taskQueue: { name: description.taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  if ((queue.pollers ?? []).length === 0) {
    throw new CliError(
      `no worker polls task queue ${description.taskQueue} on ${settings.address}, so ${handle.workflowId} cannot take the change now; start one (gsweep-worker --address ${settings.address} --task-queue ${description.taskQueue}) and retry`,
      EXIT_RUNS_FAILED,
    );
  }
}

function connectionFor(o: ConnectionFlags, command: string): ConnectionSettings {
  const settings = connectionSettings(o);
  if (!settings.address) {
    throw new UsageError(`gsweep ${command} needs --address (or TEMPORAL_ADDRESS): the sweep lives on a Temporal server`);
  }
  return settings as ConnectionSettings;
}

function printProgress(p: SweepProgress, json?: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(p, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${p.sweepId}: ${p.phase} · ${p.ok + p.failed}/${p.total} done · ${p.ok} ok · ${p.failed} failed · ${p.running} running · ${p.pending} pending` +
      `${p.cancelled ? ` · ${p.cancelled} cancelled` : ''} · max in flight ${p.maxInFlight} · execution ${p.executions}\n`,
  );
}

export function buildProgram(): Command {
  const program = new Command('gsweep')
    .description('Parameter sweeps and Monte Carlo dispersions of GMAT missions as durable Temporal workflows')
    .showHelpAfterError()
    .exitOverride();

  addSweepOptions(
    program
      .command('run')
      .description('run a grid (--grid) or explicit-row (--samples) sweep of a GMAT script')
      .argument('<script>', 'GMAT mission .script')
      .option('--grid <NAME=LO:HI:COUNT|NAME=v1,v2>', 'grid axis (repeatable)', collect)
      .option('--samples <file>', 'explicit rows: .csv, .parquet or .json, one run per row'),
  ).action(async (script: string, o: SweepCliOptions & { grid?: string[]; samples?: string }) => {
    if (o.grid && o.samples) throw new UsageError('give either --grid or --samples, not both');
    if (!o.grid && !o.samples) throw new UsageError('give at least one --grid NAME=LO:HI:COUNT (or --samples FILE)');
    const request = baseRequest(script, o);
    if (o.grid) request.grid = parseGridArgs(o.grid);
    else request.samples = o.samples;
    process.exitCode = await runSweepCommand(request, o);
  });

  addSweepOptions(
    program
      .command('monte-carlo')
      .description('Monte Carlo dispersion, draws bit-identical to gmat-sweep for the same seed')
      .argument('<script>', 'GMAT mission .script')
      .requiredOption('--n <runs>', 'number of runs', Number)
      .requiredOption('--perturb <NAME=normal:MU:SIGMA|uniform:LO:HI|lognormal:MU:SIGMA>', 'perturbed parameter (repeatable)', collect)
      .requiredOption('--seed <int>', 'sweep seed', Number),
  ).action(async (script: string, o: SweepCliOptions & { n: number; perturb: string[]; seed: number }) => {
    const request = baseRequest(script, o);
    request.monteCarlo = { n: o.n, seed: o.seed, perturb: parsePerturbArgs(o.perturb) };
    process.exitCode = await runSweepCommand(request, o);
  });

  addSweepOptions(
    program
      .command('lhs')
      .description('Latin hypercube sample: one point per equal-probability stratum per parameter')
      .argument('<script>', 'GMAT mission .script')
      .requiredOption('--n <runs>', 'number of runs', Number)
      .requiredOption('--perturb <NAME=normal:MU:SIGMA|uniform:LO:HI|lognormal:MU:SIGMA>', 'parameter (repeatable)', collect)
      .requiredOption('--seed <int>', 'sweep seed', Number),
  ).action(async (script: string, o: SweepCliOptions & { n: number; perturb: string[]; seed: number }) => {
    const request = baseRequest(script, o);
    request.latinHypercube = { n: o.n, seed: o.seed, perturb: parsePerturbArgs(o.perturb) };
    process.exitCode = await runSweepCommand(request, o);
  });

  addSweepOptions(
    program
      .command('sobol')
      .description('Sobol sensitivity: run a Saltelli design (SALib sobol.sample, gmat-sweep sobol_sample) as one sweep; then `gsweep sobol-analyze <out>`')
      .argument('<script>', 'GMAT mission .script')
      .requiredOption('--n <N>', 'Saltelli base sample size (runs: N(2D+2), or N(D+2) with --no-second-order; a power of two is best)', positiveInt)
      .requiredOption('--perturb <NAME=normal:MU:SIGMA|uniform:LO:HI|lognormal:MU:SIGMA>', 'parameter (repeatable)', collect)
      .requiredOption('--seed <int>', 'design seed (scrambling of the Sobol sequence)', Number)
      .option('--no-second-order', 'first-order and total indices only: N(D+2) runs'),
  ).action(async (script: string, o: SweepCliOptions & { n: number; perturb: string[]; seed: number; secondOrder: boolean }) => {
    let design: SobolDesign;
    try {
      design = sobolSample(parsePerturbArgs(o.perturb), { n: o.n, seed: o.seed, calcSecondOrder: o.secondOrder });
    } catch (err) {
      throw new RequestError('perturb', (err as Error).message);
    }
    const request = baseRequest(script, o);
    request.samples = designRequestRows(design);
    const prepared = await prepareRequest(request);
    await writeSobolFile(prepared.input.context.outDir, design);
    log(`gsweep: Sobol design of ${design.names.length} parameters, N=${design.n}: ${design.rows.length} runs`);
    process.exitCode = await launchSweep(prepared, o);
  });

  program
    .command('sobol-analyze')
    .description('first-order, total (and second-order) Sobol indices with bootstrap confidence intervals (SALib sobol.analyze) of a `gsweep sobol` sweep')
    .argument('<out>')
    .option('--metric <list>', 'output columns, comma-separated (default: every numeric column); each run\'s final value is used', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--table <key>', 'aggregate table (default: the only report__*.parquet)')
    .option('--resamples <n>', 'bootstrap resamples', positiveInt, 100)
    .option('--seed <int>', 'bootstrap seed (default: the design seed, or 1)', positiveInt)
    .option('--json', 'print JSON')
    .action(async (out: string, o: { metric?: string[]; table?: string; resamples: number; seed?: number; json?: boolean }) => {
      const result = await withLocalView(out, 'aggregate', (view) => analyzeSobolSweep(view.dir, { metrics: o.metric, table: o.table, seed: o.seed, numResamples: o.resamples }));
      process.stdout.write(o.json ? `${JSON.stringify(result, (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2)}\n` : formatSobolAnalysis(result));
    });

  addConnectionOptions(
    program
      .command('resume')
      .description('re-run only the missing or failed runs of a finished, cancelled or terminated sweep, then rewrite its aggregate')
      .argument('<out-dir|sweep-id>'),
  )
    .addOption(engineOption())
    .addOption(engineModeOption())
    .option('--gmat-root <dir>', 'GMAT install root (env GMAT_ROOT); never taken from the output directory')
    .option('--concurrency <n>', `GMAT runs at once in the embedded worker (at most ${MAX_CONCURRENCY})`, concurrency)
    .option('--postprocess <command>', 'the postprocess command the sweep ran with (never read back from the output directory)')
    .option('--cache <dir>', 'run cache to use (env GSWEEP_CACHE); never read back from the output directory')
    .option('--no-wait', 'with --address: start and exit')
    .option('--json', 'print a machine-readable summary on stdout')
    .action(async (target: string, o: SweepCliOptions) => {
      const settings = connectionSettings(o);
      let outDir: string;
      if (settings.address) {
        const { client, close } = await connectClient(settings as ConnectionSettings);
        try {
          outDir = await resolveOutDir(target, client);
        } finally {
          await close();
        }
      } else outDir = await resolveOutDir(target);
      await withLocalView(outDir, 'outcomes', async (view) => {
        const plan = planResume(view.dir, engineChoice(o), { postprocess: o.postprocess, cache: checkCacheDir(cacheOption(o)), tableCheck: view.workspace?.tableCheck });
        plan.input.context.outDir = view.out;
        if (plan.toRun === 0) {
          log(`gsweep: all ${plan.input.runCount} runs of ${view.out} are ok; nothing to resume`);
          return;
        }
        log(`gsweep: resuming ${view.out}: ${plan.toRun} runs to run (${plan.alreadyOk} ok kept, ${plan.failedBefore} failed before)`);
        process.exitCode = await launchSweep({ input: plan.input, engine: plan.input.context.engine.kind, workflowId: plan.workflowId, inputTables: plan.inputTables }, { ...o, engine: plan.input.context.engine.kind });
      });
    });

  addConnectionOptions(
    program
      .command('extend')
      .description('append runs to a finished Monte Carlo sweep (draws equal a fresh sweep of the larger size)')
      .argument('<out-dir>')
      .requiredOption('--n <runs>', 'runs to add', Number),
  )
    .addOption(engineOption())
    .addOption(engineModeOption())
    .option('--gmat-root <dir>', 'GMAT install root (env GMAT_ROOT); never taken from the output directory')
    .option('--concurrency <n>', `GMAT runs at once in the embedded worker (at most ${MAX_CONCURRENCY})`, concurrency)
    .option('--postprocess <command>', 'the postprocess command the sweep ran with (never read back from the output directory)')
    .option('--cache <dir>', 'run cache to use (env GSWEEP_CACHE); never read back from the output directory')
    .option('--no-wait', 'with --address: start and exit')
    .option('--json', 'print a machine-readable summary on stdout')
    .action(async (outDir: string, o: SweepCliOptions & { n: number }) => {
      await withLocalView(outDir, 'outcomes', async (view) => {
        const plan = planExtend(view.dir, o.n, engineChoice(o), { postprocess: o.postprocess, cache: checkCacheDir(cacheOption(o)), tableCheck: view.workspace?.tableCheck });
        plan.input.context.outDir = view.out;
        log(`gsweep: extending ${plan.input.context.outDir} from ${plan.alreadyOk} to ${plan.input.runCount} runs`);
        process.exitCode = await launchSweep({ input: plan.input, engine: plan.input.context.engine.kind, workflowId: plan.workflowId, inputTables: plan.inputTables }, { ...o, engine: plan.input.context.engine.kind });
      });
    });

  program
    .command('run-one')
    .description('run one mission once (no Temporal) and write its tables')
    .argument('<script>', 'GMAT mission .script')
    .option('--set <Resource.Field=value>', 'override (repeatable)', collect)
    .requiredOption('--out <dir>', 'run directory, or s3://bucket/prefix (GMAT then runs in a temporary directory and its files are uploaded)')
    .addOption(new Option('--engine <engine>', 'gmat or stand-in').choices(['gmat', 'stand-in']).default('gmat'))
    .option('--gmat-root <dir>', 'GMAT install root (env GMAT_ROOT)')
    .option('--timeout <seconds>', 'run timeout', positiveNumber, 600)
    .option('--json', 'print the outcome as JSON')
    .action(async (script: string, o: { set?: string[]; out: string; engine: 'gmat' | 'stand-in'; gmatRoot?: string; timeout: number; json?: boolean }) => {
      const overrides = parseSetArgs(o.set ?? []);
      const remote = isS3Url(o.out);
      const runDirectory = remote ? outArgument(o.out) : path.resolve(o.out);
      const onInstall = (install: GmatInstall) => {
        if (!o.json) log(`gsweep: ${describeInstall(install)}`);
      };
      try {
        const result = await runOne({ script, overrides, out: runDirectory, engine: o.engine, gmatRoot: o.gmatRoot, timeoutSeconds: o.timeout, onInstall });
        if (o.json) process.stdout.write(`${JSON.stringify(result.outcome, null, 2)}\n`);
        else for (const [key, t] of Object.entries(result.tables)) process.stdout.write(`${key}: ${t.path} (${t.rows} rows)\n`);
        if (!o.json) log(`gsweep: run ok; outcome: ${remote ? `${runDirectory}/${RUN_FILES.outcome}` : runFilePath(runDirectory, RUN_FILES.outcome)}`);
      } catch (err) {
        // Refused before anything ran: the usual bad-request exit.
        if (err instanceof RequestError || err instanceof OverrideError || err instanceof GmatNotFoundError) throw err;
        log(`gsweep: run failed: ${(err as Error).message}`);
        // --json: the failed outcome.json (written for every failure except a cancel).
        const outcomeFile = runFilePath(runDirectory, RUN_FILES.outcome);
        if (o.json && remote) {
          const stored = await new S3Store(runDirectory).get(RUN_FILES.outcome).catch(() => undefined);
          if (stored) process.stdout.write(stored.toString('utf8'));
        } else if (o.json && fs.existsSync(outcomeFile)) process.stdout.write(readRegularText(outcomeFile, { what: 'outcome' }));
        process.exitCode = EXIT_RUNS_FAILED;
      }
    });

  addConnectionOptions(program.command('status').description('progress of a running or finished sweep').argument('<sweep-id>'))
    .option('--json', 'print JSON')
    .action(async (sweepId: string, o: ConnectionFlags & { json?: boolean }) => {
      const { client, close } = await connectClient(connectionFor(o, 'status'));
      try {
        const handle = sweepHandle(client, sweepId);
        const description = await handle.describe();
        if (description.status.name === 'RUNNING') {
          printProgress(await sweepProgress(handle), o.json);
        } else if (description.status.name === 'COMPLETED') {
          const summary = await handle.result();
          if (o.json) process.stdout.write(`${JSON.stringify({ status: 'COMPLETED', summary }, null, 2)}\n`);
          else process.stdout.write(`${sweepId}: completed · ${summary.ok}/${summary.total} ok · ${summary.failed} failed · ${summary.manifestPath}\n`);
        } else if (o.json) process.stdout.write(`${JSON.stringify({ status: description.status.name })}\n`);
        else process.stdout.write(`${sweepId}: ${description.status.name.toLowerCase()}\n`);
      } finally {
        await close();
      }
    });

  addConnectionOptions(program.command('wait').description('reattach to a sweep: live progress until it ends').argument('<sweep-id>'))
    .option('--json', 'print JSON')
    .action(async (sweepId: string, o: ConnectionFlags & { json?: boolean }) => {
      const settings = connectionFor(o, 'wait');
      const { client, close } = await connectClient(settings);
      try {
        installInterruptHandler(log);
        const display = o.json ? undefined : progressDisplay();
        const abort = new AbortController();
        const outcome = await interruptible(
          waitForSweep(sweepHandle(client, sweepId), (p) => display?.update(p), undefined, abort.signal),
          `sweep ${sweepId} keeps running on ${settings.address}; \`gsweep wait ${sweepId}\` reattaches`,
          () => abort.abort(),
        ).finally(() => display?.stop());
        process.exitCode = reportOutcome(outcome, o.json, sweepId);
      } finally {
        await close();
      }
    });

  addConnectionOptions(program.command('set').description('change a running sweep: how many batches (so GMAT runs at once) it keeps in flight').argument('<sweep-id>'))
    .requiredOption('--max-in-flight <n>', `batches of runs at once, so GMAT runs at once (1-${MAX_IN_FLIGHT_LIMIT})`, maxInFlightArg)
    .action(async (sweepId: string, o: ConnectionFlags & { maxInFlight: number }) => {
      const settings = connectionFor(o, 'set');
      const { client, close } = await connectClient(settings);
      try {
        const handle = sweepHandle(client, sweepId);
        await requireRunningWithWorker(client, handle, settings);
        const value = await withTimeout(
          setMaxInFlight(handle, o.maxInFlight),
          SET_TIMEOUT_S,
          `no worker answered within ${SET_TIMEOUT_S} s, so ${sweepId} was not changed; is a gsweep worker polling task queue ${settings.taskQueue} on ${settings.address}?`,
        );
        log(`gsweep: ${sweepId} now keeps up to ${value} runs in flight`);
      } finally {
        await close();
      }
    });

  addConnectionOptions(program.command('cancel').description('cancel a sweep: kill in-flight runs, write the aggregate of finished ones').argument('<sweep-id>'))
    .action(async (sweepId: string, o: ConnectionFlags) => {
      const { client, close } = await connectClient(connectionFor(o, 'cancel'));
      try {
        await sweepHandle(client, sweepId).cancel();
        log(`gsweep: cancellation requested for ${sweepId}; \`gsweep wait ${sweepId}\` follows it to the end`);
      } finally {
        await close();
      }
    });

  program
    .command('show')
    .description('summarise a finished sweep from its output directory (no Temporal needed)')
    .argument('<out>')
    .option('--json', 'print JSON')
    .action((out: string, o: { json?: boolean }) => withLocalView(out, 'aggregate', async (view) => {
      const dir = view.dir;
      const shown = view.out;
      if (!fs.existsSync(path.join(dir, 'manifest.jsonl'))) {
        throw new RequestError(
          'out',
          `${shown} has no manifest.jsonl, so it is not a finished gsweep output directory (a running or interrupted sweep writes it at the end; \`gsweep resume ${shown}\` finishes one)`,
        );
      }
      let summary: ReturnType<typeof readManifestSummary>;
      try {
        summary = readManifestSummary(dir);
      } catch (err) {
        throw new RequestError('out', `${view.display(path.join(dir, 'manifest.jsonl'))} is unreadable (${(err as Error).message.split('\n')[0]})`);
      }
      const { header, counts } = summary;
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ header, counts }, null, 2)}\n`);
        return;
      }
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const spec = header.parameter_spec as { _kind: string };
      process.stdout.write(
        `${total} runs (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}) · ${spec._kind} · script sha256 ${header.script_sha256}\n`,
      );
      for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort()) process.stdout.write(`${view.display(path.join(dir, f))}\n`);
    }));

  program
    .command('pull')
    .description('copy a sweep in an object store (s3://bucket/prefix) into a local directory that every gsweep command and gmat-sweep reads')
    .argument('<s3-out>')
    .argument('<dir>', 'a new or empty directory')
    .action(async (out: string, dir: string) => {
      const url = outArgument(out);
      if (!isS3Url(url)) throw new RequestError('out', `${out} is a local directory already; give an s3://bucket/prefix address to pull`);
      const target = path.resolve(dir);
      if (fs.existsSync(target) && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0)) {
        throw new RequestError('dir', `${target} is not a new or empty directory; give a new one`);
      }
      const store = new S3Store(url);
      try {
        await store.checkAccess();
      } catch (err) {
        throw new RequestError('out', (err as Error).message);
      }
      const files = await pullOut(store, target);
      if (files === 0) throw new RequestError('out', `${url} holds nothing; give the prefix a sweep wrote`);
      log(`gsweep: pulled ${files} files of ${url}`);
      process.stdout.write(`${target}\n`);
    });

  registerArchiveCommand(program, log);
  registerCacheCommand(program);
  registerListCommand(program, addConnectionOptions, async (o: ConnectionFlags) => {
    const settings = connectionFor(o, 'list');
    const connected = await connectClient(settings);
    const notice = await searchAttributeNotice(connected.client, settings);
    if (notice) log(`gsweep: ${notice}`);
    return connected;
  });
  registerSetupNamespaceCommand(program, addConnectionOptions, async (o: ConnectionFlags) => {
    const settings = connectionFor(o, 'setup-namespace');
    return { ...(await connectClient(settings)), settings };
  }, log);
  registerAnalysisCommands(program);
  registerReportCommand(program);
  setupGmatCommand(program);

  program
    .command('dev-server')
    .description('run a local Temporal dev server for gsweep (prints its address; Ctrl-C stops it)')
    .option('--port <n>', 'frontend port', positiveInt)
    .option('--ui-port <n>', 'Web UI port', positiveInt)
    .option('--db-filename <file>', 'persist history in this SQLite file')
    .action(async (o: { port?: number; uiPort?: number; dbFilename?: string }) => {
      const server = await startDevServer({ port: o.port, uiPort: o.uiPort, dbFilename: o.dbFilename, log });
      process.stdout.write(`${server.address}\n`);
      log(`gsweep: Temporal dev server at ${server.address}, Web UI ${server.uiUrl}; Ctrl-C stops it`);
      // Ctrl-C is the way to stop it: not an error.
      installInterruptHandler(log);
      await interruptible(new Promise<never>(() => {}), 'dev server stopped').catch(() => undefined);
      await server.stop();
    });

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  // The SDK logs every worker state change at INFO; a CLI user wants warnings only.
  // No SDK shutdown hook: it would swallow SIGTERM/SIGINT in commands that run no worker (the
  // process then ignored them); the CLI's own handler (cli-errors.ts) stops a followed sweep.
  Runtime.install({ logger: gsweepLogger((process.env.GSWEEP_LOG_LEVEL as 'WARN') ?? 'WARN'), shutdownSignals: [] });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    if (e.code?.startsWith('commander.')) return EXIT_BAD_INPUT;
    if (
      err instanceof RequestError ||
      err instanceof GridArgError ||
      err instanceof UsageError ||
      err instanceof GmatNotFoundError ||
      err instanceof SetupGmatError ||
      err instanceof OverrideError ||
      err instanceof ArchiveError ||
      err instanceof AnalysisError ||
      err instanceof SensitivityError ||
      err instanceof UnsafePathError
    ) {
      log(`gsweep: error: ${e.message}`);
      return EXIT_BAD_INPUT;
    }
    const { message, code } = explainUnexpected(err, process.env.TEMPORAL_NAMESPACE);
    log(`gsweep: ${code === EXIT_BAD_INPUT ? 'error: ' : ''}${message}`);
    if (process.env.GSWEEP_DEBUG && e.stack) log(e.stack);
    return code;
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
