/**
 * The validated sweep request as the workflow receives it. Plain data only: it crosses
 * Temporal history (and continue-as-new) as JSON, so it carries run-set *descriptions*,
 * never expanded rows or tables.
 */
import type { Overrides, OverrideValue } from './overrides';

export type PerturbSpec = [tag: 'normal' | 'uniform' | 'lognormal', p1: number, p2: number];

export type RunSet =
  | { kind: 'grid'; axes: Record<string, OverrideValue[]> }
  /** Rows live in `<out>/samples.json` (written by the client); workers page through them. */
  | { kind: 'samples'; columns: string[]; rowCount: number }
  | { kind: 'monteCarlo'; n: number; perturb: Record<string, PerturbSpec>; seed: number; firstRunId?: number }
  | { kind: 'latinHypercube'; n: number; perturb: Record<string, PerturbSpec>; seed: number };

export type EngineKind = 'gmat' | 'stand-in';

export interface EngineRequest {
  kind: EngineKind;
  /** GMAT install root; when absent each worker uses its own (--gmat-root / GMAT_ROOT). */
  gmatRoot?: string;
  /** `fresh` (default): one GmatConsole per run; `warm`: long-lived consoles per worker slot. */
  mode?: 'fresh' | 'warm';
}

export interface RetrySpec {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

/** What every activity of one sweep needs to know; small and constant for the sweep. */
export interface SweepContext {
  sweepId: string;
  /** Absolute output directory, on a filesystem every worker sees. */
  outDir: string;
  /** Absolute path of the user's script, as seen by the client and the workers. */
  scriptPath: string;
  scriptName: string;
  scriptSha256: string;
  engine: EngineRequest;
  runTimeoutMs: number;
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
  /** Resume: runs already ok in an earlier execution, base64 RunBitset; they are not re-run. */
  alreadyOk?: string;
  /** State carried across continue-as-new; absent on the first execution. */
  carried?: CarriedState;
}

export interface CarriedState {
  ok: string;
  failed: string;
  /** Failure notes for runs whose activity could not record its own outcome. */
  notes: Record<string, string>;
  cursor: number;
  executions: number;
  startedAtMs: number;
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

export interface RunReport {
  runId: number;
  status: 'ok';
  rows: number;
}

export interface AggregateInput {
  context: SweepContext;
  runSet: RunSet;
  runCount: number;
  /** base64 RunBitset of runs the workflow recorded as failed (some have no outcome.json). */
  failed?: string;
  /** Failure messages for failed runs that could not record their own outcome (capped). */
  notes: Record<string, string>;
}

export interface AggregateSummary {
  tables: Record<string, string>;
  rows: Record<string, number>;
  manifestPath: string;
  ok: number;
  failed: number;
  cancelled: number;
}

/** ApplicationFailure types the run activity raises; all are final (never retried). */
export const RUN_FAILURE_TYPES = {
  rejected: 'GmatRejected',
  unparseable: 'GmatOutputUnparseable',
  notFound: 'GmatNotFound',
  badInput: 'InvalidRunInput',
} as const;
