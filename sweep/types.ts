/**
 * The validated sweep request as the workflow receives it. Plain data only: it crosses
 * Temporal history (and continue-as-new) as JSON, so it carries run-set *descriptions*,
 * never expanded rows or tables.
 */
import type { Overrides, OverrideValue } from './overrides';

export type PerturbSpec = [tag: 'normal' | 'uniform' | 'lognormal', p1: number, p2: number];

/**
 * A value list too long to travel in history: it lives in `<out>/inputs/<name>.jsonl` (one
 * JSON value per line, plus a line-offset index), written once by the client before the
 * sweep starts and checked against `sha256` by every reader. Activities page through it.
 */
export interface InputTableRef {
  /** `samples`, `grid-<i>` or `already-ok`: a file name under `<out>/inputs/`, never a path. */
  table: string;
  /** Number of values (lines; bits for `already-ok`). */
  count: number;
  sha256: string;
}

/**
 * One grid axis as it travels: `LO:HI:COUNT` as its three numbers, a short list inline,
 * or a long list as a table in the output directory. Expansion is the same everywhere
 * (spec/grid.ts): the linspace has both ends exact.
 */
export type GridAxis = OverrideValue[] | { linspace: [lo: number, hi: number, count: number] } | { values: InputTableRef };

export type RunSet =
  | { kind: 'grid'; axes: Record<string, GridAxis> }
  /** Rows live in `<out>/inputs/samples.jsonl` (one JSON array per line, written by the client); activities page through them. */
  | { kind: 'samples'; columns: string[]; rowCount: number; rows: InputTableRef }
  | { kind: 'monteCarlo'; n: number; perturb: Record<string, PerturbSpec>; seed: number; firstRunId?: number }
  | { kind: 'latinHypercube'; n: number; perturb: Record<string, PerturbSpec>; seed: number };

export type EngineKind = 'gmat' | 'stand-in';

export interface EngineRequest {
  kind: EngineKind;
  /** GMAT install root; when absent each worker uses its own (--gmat-root / GMAT_ROOT). */
  gmatRoot?: string;
  /**
   * `warm`: long-lived consoles per worker slot, fed the sweep's runs one after another
   * (a console that dies or rejects a run falls back to a fresh process); `fresh`: one
   * GmatConsole per run. New requests always carry it (default `warm`); an absent mode is a
   * sweep started before warm became the default, and runs fresh as it did then.
   */
  mode?: EngineMode;
}

export type EngineMode = 'fresh' | 'warm';
/** One sweep is one script, so reusing a console between its runs is always safe. */
export const DEFAULT_ENGINE_MODE: EngineMode = 'warm';

export interface RetrySpec {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

/** What every activity of one sweep needs to know; small and constant for the sweep. */
export interface SweepContext {
  sweepId: string;
  /**
   * The out: an absolute directory every worker sees, or `s3://bucket/prefix` in an object
   * store (workers then run in their own scratch directory and upload each run).
   */
  outDir: string;
  /** Object-store out: also upload each run's GMAT log and patched script (a directory out keeps them anyway). */
  keepLogs?: boolean;
  /** Absolute path of the user's script, as seen by the client and the workers. */
  scriptPath: string;
  scriptName: string;
  scriptSha256: string;
  engine: EngineRequest;
  runTimeoutMs: number;
  /**
   * Run after each successful GMAT run, in the run directory. Comes only from the user's
   * command line or code (resume must be given it again): never from a file in the output
   * directory.
   */
  postprocess?: PostprocessSpec;
  /** Per-run `context` lives in `<out>/context.json` (written by the client). */
  hasContext?: boolean;
  /**
   * Absolute directory of the run cache (`--cache`): identical runs of earlier sweeps are
   * taken from it and new results stored in it. From the user only, never from a file in
   * the output directory (resume and extend are given it again).
   */
  cache?: string;
}

/**
 * A postprocess hook (see postprocess/hook.ts): a command line run by `/bin/sh -c` in the run
 * directory, or the name of a function registered on the workers. Its time limit is the
 * run timeout.
 */
export type PostprocessSpec = { command: string } | { hook: string };

/** `<out>/context.json`: one object for every run (`shared`) or one per run id (`runs`). */
export interface ContextFile {
  shared?: Record<string, unknown>;
  runs?: Record<string, unknown>[];
}

/** How the manifest header records the hook (gmat-sweep 0.6 `postprocess`). */
export function postprocessLabel(spec: PostprocessSpec | undefined): string | null {
  if (!spec) return null;
  return 'command' in spec ? spec.command : `function:${spec.hook}`;
}

export interface SweepInput {
  context: SweepContext;
  runSet: RunSet;
  runCount: number;
  maxInFlight: number;
  retry: RetrySpec;
  heartbeatTimeoutMs: number;
  /** Upsert the Gsweep* search attributes (only when the namespace has them registered). */
  searchAttributes: boolean;
  /** Task queue of the `runGmat` activities when GMAT hosts poll their own queue (default: the workflow's). */
  gmatTaskQueue?: string;
  /** Resume: runs already ok in an earlier execution (a bitset file in the output directory); they are not re-run. */
  alreadyOk?: InputTableRef;
  /** How runs are grouped into batch activities; absent: the defaults (see BatchSpec). */
  batch?: BatchSpec;
  /** State carried across continue-as-new; absent on the first execution. */
  carried?: CarriedState;
}

/**
 * One `runBatch` activity runs a range of run ids one after another on one engine slot.
 * By default a batch aims at `seconds` of engine time, measured from finished batches;
 * `size` pins the number of runs per batch instead.
 */
export interface BatchSpec {
  seconds?: number;
  size?: number;
}

/** Engine time a batch aims at when the request names none. */
export const DEFAULT_BATCH_SECONDS = 20;

/**
 * What one execution hands the next: a few numbers, whatever the sweep's size. An
 * execution drains its window before it continues as new, so every run below `cursor` is
 * settled (its outcome is in its run directory, or its failure in `<out>/failures.jsonl`).
 */
export interface CarriedState {
  cursor: number;
  ok: number;
  failed: number;
  executions: number;
  startedAtMs: number;
  /** Measured engine seconds per run id, so the next execution sizes its first batches right. */
  secondsPerRun?: number;
  /** Engine slots of the workers seen so far. */
  slots?: number;
}

export interface SweepProgress {
  sweepId: string;
  total: number;
  ok: number;
  failed: number;
  running: number;
  pending: number;
  cancelled: number;
  maxInFlight: number;
  executions: number;
  startedAtMs: number;
  phase: 'running' | 'draining' | 'aggregating' | 'done' | 'cancelling';
  /** Batch activities in flight (absent from sweeps that schedule one activity per run). */
  batches?: number;
}

export interface SweepSummary {
  sweepId: string;
  outDir: string;
  total: number;
  ok: number;
  failed: number;
  cancelled: number;
  tables: Record<string, string>;
  manifestPath: string;
  executions: number;
}

export interface RunTask {
  context: SweepContext;
  runId: number;
  overrides: Overrides;
}

/**
 * One batch: runs `first .. first + count - 1`. The activity turns each run id into its
 * overrides itself (expandRun, as the aggregate does), so no value travels in history.
 */
export interface BatchTask {
  context: SweepContext;
  runSet: RunSet;
  first: number;
  count: number;
  /** Resume: runs already ok are skipped (and counted ok). */
  alreadyOk?: InputTableRef;
}

/**
 * How far a batch got: every run below `next` is finished (recorded in its run directory or
 * in failures.jsonl). Sent as heartbeat details, so a retried batch starts at `next` and
 * `gsweep status` counts runs, not batches; also the batch's result.
 */
export interface BatchProgress {
  next: number;
  ok: number;
  failed: number;
  /** Already ok from an earlier sweep (resume): not run again. */
  skipped: number;
  /** Engine milliseconds the batch held its slot (summed over attempts). */
  engineMs: number;
}

export interface BatchReport extends BatchProgress {
  /** Which worker ran it and how many engine slots that worker has: the workflow sizes batches for them. */
  worker: string;
  slots: number;
}

/** Failure type of a batch stopped by an infrastructure failure of one run (retried by Temporal). */
export const BATCH_RUN_INFRASTRUCTURE = 'RunInfrastructureFailure';

export interface RunReport {
  runId: number;
  status: 'ok';
  rows: number;
}

export interface AggregateInput {
  context: SweepContext;
  runSet: RunSet;
  runCount: number;
}

/** A failed run as the workflow saw it; appended to `<out>/failures.jsonl` by `recordFailures`. */
export interface FailureRecord {
  runId: number;
  /** ApplicationFailure type when the activity raised one (GmatRejected, ...). */
  type?: string;
  message: string;
}

/** One page of an input table: values `offset .. offset + values.length - 1`. */
export interface InputPageRequest {
  context: SweepContext;
  ref: InputTableRef;
  offset: number;
}

/** Bytes of an already-ok bitset page: 65 536 runs, 10.9 KiB of base64. */
export const OK_PAGE_BYTES = 8192;

/** `already-ok` pages: base64 of the bitset bytes covering runs `offset .. offset + 8 * bytes - 1`. */
export interface OkPage {
  offset: number;
  bits: string;
}

export interface AggregateSummary {
  tables: Record<string, string>;
  rows: Record<string, number>;
  manifestPath: string;
  ok: number;
  failed: number;
  cancelled: number;
}

/**
 * ApplicationFailure type of a request `gsweep.prepareRequest` refuses (a sweep started by
 * workflow name with a plain request): final, and the sweep fails with its message as is.
 */
export const REQUEST_FAILURE_TYPE = 'GsweepRequestError';

/** What `gsweep.prepareRequest` gets: the request as sent, and the workflow it prepares (its id is the sweep id). */
export interface PrepareRequestTask {
  request: unknown;
  workflowId: string;
  runId: string;
}

/** The workflow memo of a sweep: what `gsweep list` shows on namespaces without gsweep's search attributes. */
export function sweepMemo(input: SweepInput): { script: string; runCount: number; outDir: string; runSet: RunSet['kind'] } {
  return { script: input.context.scriptName, runCount: input.runCount, outDir: input.context.outDir, runSet: input.runSet.kind };
}

/** ApplicationFailure types the run activity raises; all are final (never retried). */
export const RUN_FAILURE_TYPES = {
  rejected: 'GmatRejected',
  unparseable: 'GmatOutputUnparseable',
  notFound: 'GmatNotFound',
  badInput: 'InvalidRunInput',
  postprocess: 'PostprocessFailed',
} as const;
