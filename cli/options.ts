/**
 * The options and argument parsers the commands share: Temporal connection flags, the engine
 * flags, the sweep options of run/monte-carlo/lhs/sobol, and the number parsers whose
 * refusals commander prints.
 */
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { ConnectionFlags } from '../temporal/connection';
import { formatCount, MAX_CONCURRENCY, MAX_IN_FLIGHT_LIMIT } from '../sweep/limits';
import { DEFAULTS } from '../request/request';
import type { EngineChoice } from '../api/request-file';

/** A number above zero (seconds, ratios). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

/** A whole number from 1. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** A number from 0 (tolerances). */
export function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative number, got "${value}"`);
  return n;
}

/** Comma-separated numbers (quantiles); an empty value is an empty list. */
export function numberList(value: string): number[] {
  if (value.trim() === '') return [];
  return value.split(',').map((t) => {
    const n = Number(t);
    if (t.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected comma-separated numbers, got "${value}"`);
    return n;
  });
}

/** A comma-separated list of names; empty items are dropped. */
export const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

/** `--concurrency`: each slot is a GmatConsole process, so the cap is named in the refusal. */
export function concurrency(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_CONCURRENCY) throw new InvalidArgumentError(`${value} is more than gsweep's limit of ${formatCount(MAX_CONCURRENCY)} GMAT runs at once per worker; give at most ${MAX_CONCURRENCY}`);
  return n;
}

/** `--max-in-flight`: batches in flight at once, between 1 and the cap, which the refusal names. */
export function maxInFlightArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_IN_FLIGHT_LIMIT) {
    throw new InvalidArgumentError(
      `${JSON.stringify(value)} is not a whole number from 1 to ${MAX_IN_FLIGHT_LIMIT}: gsweep keeps at most ${MAX_IN_FLIGHT_LIMIT} batches in flight (Temporal limits an execution's pending activities)`,
    );
  }
  return n;
}

/** A repeatable option's values, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The flags that name a Temporal server, namespace, task queue and credentials. */
export function addConnectionOptions(cmd: Command): Command {
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

/** `--engine` of resume and extend: never read back from the output directory. */
export const engineOption = () =>
  new Option('--engine <engine>', 'GMAT engine: gmat (a real GMAT install) or stand-in (the test double)').choices(['gmat', 'stand-in']).default(DEFAULTS.engine);
/** `--engine-mode` of resume and extend (no default: the worker's own). */
export const engineModeOption = () =>
  new Option('--engine-mode <mode>', 'fresh: one GmatConsole per run; warm: long-lived consoles per worker slot (same script only)').choices(['fresh', 'warm']);

/** What resume and extend share: they start a sweep again on an existing output directory. */
export function addRestartOptions(cmd: Command): Command {
  return addConnectionOptions(cmd)
    .addOption(engineOption())
    .addOption(engineModeOption())
    .option('--gmat-root <dir>', 'GMAT install root (env GMAT_ROOT); never taken from the output directory')
    .option('--concurrency <n>', `GMAT runs at once in the embedded worker (at most ${MAX_CONCURRENCY})`, concurrency)
    .option('--postprocess <command>', 'the postprocess command the sweep ran with (never read back from the output directory)')
    .option('--cache <dir>', 'run cache to use (env GSWEEP_CACHE); never read back from the output directory')
    .option('--no-wait', 'with --address: start and exit')
    .option('--json', 'print a machine-readable summary on stdout');
}

/** resume/extend: the engine is the command line's, never the output directory's. */
export function engineChoice(o: SweepCliOptions): EngineChoice {
  return { engine: o.engine, engineMode: o.engineMode, ...(o.gmatRoot ? { gmatRoot: path.resolve(o.gmatRoot) } : {}) };
}

/** `--cache`, else GSWEEP_CACHE, else no cache. */
export function cacheOption(o: { cache?: string }): string | undefined {
  return o.cache ?? (process.env.GSWEEP_CACHE || undefined);
}

/** The options of the commands that start a new sweep (run, monte-carlo, lhs, sobol). */
export function addSweepOptions(cmd: Command): Command {
  return addConnectionOptions(cmd)
    .option('--out <dir|s3://bucket/prefix>', 'output directory seen by every worker, or an S3 prefix (AWS_ENDPOINT_URL, AWS_REGION, keys or profile; default ./gsweep-runs/<sweep-id>)')
    .option('--keep-logs', 'with an s3:// out: also upload each run\'s GMAT log and patched script')
    .option('--scratch <dir>', 'with an s3:// out: where the embedded worker runs GMAT before uploading (default: the OS temp directory)')
    .addOption(new Option('--engine <engine>', 'GMAT engine: gmat (a real GMAT install) or stand-in (the test double)').choices(['gmat', 'stand-in']).default(DEFAULTS.engine))
    .option('--gmat-root <dir>', 'GMAT install root (env GMAT_ROOT)')
    .addOption(new Option('--engine-mode <mode>', 'warm: long-lived GmatConsoles per worker slot, GMAT start-up paid once per slot; fresh: one GmatConsole per run').choices(['warm', 'fresh']).default(DEFAULTS.engineMode))
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

/** The options of a command that starts a sweep, as commander parses them. */
export interface SweepCliOptions extends ConnectionFlags {
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
