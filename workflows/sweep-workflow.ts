/**
 * The sweep workflow: it steers, activities do the data work. It cuts the run ids into
 * batches (`runBatch` activities, each running a range of runs one after another), keeps
 * enough of them in flight for every slot, adds up what they report, continues as new before
 * history grows large, and ends with `writeAggregate` (workflows/execution.ts).
 *
 * No override value ever travels through history: a batch is `{ first, count }` plus the
 * run-set description, and the activity expands each run id itself with the function the
 * aggregate uses. Each run is still recorded on its own (run directory, outcome.json,
 * manifest line, failure row); a batch heartbeats how far it got, so a retried batch re-runs
 * only what was not finished and `gsweep status` counts runs, not batches.
 *
 * Sweeps started before batches (no `gsweep-batches` marker in their history) finish in
 * per-run-sweep.ts, the code they were started with.
 *
 * The argument is a prepared SweepInput (startSweep, the CLI, continue-as-new), or a plain
 * sweep request from any Temporal SDK: then the first execution's `gsweep.prepareRequest`
 * activity prepares it on a worker, and the sweep goes on as for a prepared input.
 *
 * Deterministic: no I/O, no wall clock, no Node builtins.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  TimeoutFailure,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { SweepRequest } from '../activities';
import { batchSummary, batchWindow, nextBatchSize, updateSecondsPerRun } from '../sweep/batches';
import {
  REQUEST_FAILURE_TYPE,
  RUN_FAILURE_TYPES,
  sweepMemo,
  type BatchProgress,
  type BatchReport,
  type CarriedState,
  type SweepInput,
  type SweepProgress,
  type SweepSummary,
} from '../sweep/types';
import { control, proxySweepActivities } from './activities';
import { FAILURE_BATCH_MAX, runExecution, SweepExecution } from './execution';
import { failureMessage, failureType, surfaceCause } from './failures';
import { perRunSweep } from './per-run-sweep';

export { progressQuery, setMaxInFlightUpdate, validateMaxInFlight } from './handlers';

/** Marks histories of sweeps that run in batches; older histories replay per-run-sweep.ts. */
export const BATCHES_PATCH = 'gsweep-batches';

/** Workers remembered for the slot count; a fleet larger than this is counted as this many. */
const WORKERS_REMEMBERED = 1024;
/** Longest start-to-close of one batch (Temporal durations are bounded; a batch this long is a hung worker). */
const BATCH_TIMEOUT_CEILING_MS = 30 * 24 * 3600 * 1000;

/** A range of run ids given to one batch activity. */
interface Batch {
  first: number;
  count: number;
}

function isBatchProgress(value: unknown): value is BatchProgress {
  const p = value as BatchProgress | undefined;
  return typeof p === 'object' && p !== null && [p.next, p.ok, p.failed, p.skipped, p.engineMs].every((n) => typeof n === 'number');
}

/** How far a failed or cancelled batch got, from its failure's details or its last heartbeat. */
function progressOf(err: unknown): { progress?: BatchProgress; runId?: number; type?: string; message?: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof TimeoutFailure) {
    const details = cause.lastHeartbeatDetails;
    return isBatchProgress(details) ? { progress: details } : {};
  }
  if (cause instanceof ApplicationFailure || cause instanceof CancelledFailure) {
    const details = cause.details?.[0] as { progress?: unknown; runId?: unknown; type?: unknown; message?: unknown } | undefined;
    if (isBatchProgress(details)) return { progress: details };
    return {
      ...(isBatchProgress(details?.progress) ? { progress: details.progress } : {}),
      ...(typeof details?.runId === 'number' ? { runId: details.runId } : {}),
      ...(typeof details?.type === 'string' ? { type: details.type } : {}),
      ...(typeof details?.message === 'string' ? { message: details.message } : {}),
    };
  }
  return {};
}

/**
 * The state of one execution of a sweep, with its verbs: `schedule` the next batch,
 * `finished`/`failed` to add up a batch, `drain`, `continue` as new, `cancel`, `aggregate`.
 */
export class BatchSweep extends SweepExecution {
  /** Batches in flight by activity id. */
  private readonly inFlight = new Map<string, Batch>();
  /** Runs below the cursor to run again: what a batch left when it ran out of attempts. */
  private readonly requeued: Batch[] = [];
  private secondsPerRun: number | undefined;
  /** Engine slots by worker, from finished batches. */
  private readonly workers = new Map<string, number>();
  private readonly carriedSlots: number;
  private lastSize = 0;

  constructor(input: SweepInput) {
    super(input);
    this.secondsPerRun = input.carried?.secondsPerRun;
    this.carriedSlots = input.carried?.slots ?? 0;
  }

  protected inFlightText(): string {
    return `${this.inFlight.size} batches running`;
  }

  private get slots(): number {
    let sum = 0;
    for (const n of this.workers.values()) sum += n;
    return Math.max(sum, this.carriedSlots);
  }

  private window(): number {
    return batchWindow(this.maxInFlight, this.slots, this.lastSize, this.input.batch?.size !== undefined);
  }

  protected get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Runs settled by finished batches. Runs finished inside batches still in flight are in
   * those activities' heartbeat details; `sweepProgress` on the client adds them.
   */
  override progress(): SweepProgress {
    return { ...super.progress(), batches: this.inFlight.size };
  }


  /**
   * Starts the next batch once the window has room. Returns false when every run has been
   * given to a batch; 'continue' when this execution should hand over to the next one first.
   */
  async schedule(): Promise<boolean | 'continue'> {
    for (;;) {
      if (this.requeued.length === 0 && this.cursor >= this.input.runCount) return false;
      if (this.shouldContinueAsNew()) return 'continue';
      if (this.pendingFailures.length >= FAILURE_BATCH_MAX) await this.flushFailures();
      if (this.inFlight.size >= this.window()) {
        await condition(() => this.inFlight.size < this.window());
        continue;
      }
      this.start(this.requeued.shift() ?? this.cut());
      return true;
    }
  }

  /** The next range of run ids, sized by what finished batches measured. */
  private cut(): Batch {
    const count = nextBatchSize(this.input.batch, {
      remaining: this.input.runCount - this.cursor,
      secondsPerRun: this.secondsPerRun,
      slots: this.slots,
    });
    const batch = { first: this.cursor, count };
    this.cursor += count;
    this.lastSize = count;
    return batch;
  }

  private start(batch: Batch): void {
    const { context, retry, heartbeatTimeoutMs, runSet, alreadyOk } = this.input;
    const id = `runs-${batch.first}-${batch.first + batch.count - 1}`;
    this.inFlight.set(id, batch);
    const runBatch = proxySweepActivities({
      activityId: id,
      ...(this.input.gmatTaskQueue ? { taskQueue: this.input.gmatTaskQueue } : {}),
      summary: batchSummary(runSet, batch.first, batch.count),
      // The engine enforces the run timeout itself (and kills GMAT); each run may first wait
      // for the one before it, and the margin covers patching, parsing and Parquet writing.
      startToCloseTimeout: Math.min(batch.count * (2 * context.runTimeoutMs + 120_000), BATCH_TIMEOUT_CEILING_MS),
      heartbeatTimeout: heartbeatTimeoutMs,
      // Stated explicitly: the SDK's actual default is TRY_CANCEL, which would settle a
      // cancelled batch at once, so the sweep could write its aggregate and end while that
      // batch's GMAT still runs. Waiting means a batch is settled only when its worker has
      // killed the engine (or it finished).
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: {
        maximumAttempts: retry.maximumAttempts,
        initialInterval: retry.initialIntervalMs,
        backoffCoefficient: retry.backoffCoefficient,
        maximumInterval: retry.maximumIntervalMs,
        nonRetryableErrorTypes: Object.values(RUN_FAILURE_TYPES),
      },
    }).runBatch;
    runBatch({ context, runSet, first: batch.first, count: batch.count, ...(alreadyOk ? { alreadyOk } : {}) }).then(
      (report) => this.finished(id, batch, report),
      (err: unknown) => this.failed(id, batch, err),
    );
  }

  private settle(progress: BatchProgress): void {
    this.okCount += progress.ok + progress.skipped;
    this.failedCount += progress.failed;
  }

  /** A batch ran every run of its range: each is ok or failed, and recorded as such. */
  finished(id: string, batch: Batch, report: BatchReport): void {
    this.inFlight.delete(id);
    this.settle(report);
    this.secondsPerRun = updateSecondsPerRun(this.secondsPerRun, report.engineMs, batch.count);
    this.workers.delete(report.worker);
    this.workers.set(report.worker, report.slots);
    if (this.workers.size > WORKERS_REMEMBERED) this.workers.delete(this.workers.keys().next().value as string);
    this.publishProgress();
  }

  /**
   * A batch that ran out of attempts (infrastructure failures, a lost worker every time) or
   * was cancelled. The runs it finished count as they are; the run it stopped at is failed
   * with the reason, as a run is failed once its own retries run out; the rest of the range
   * goes back to be run by a new batch.
   */
  failed(id: string, batch: Batch, err: unknown): void {
    this.inFlight.delete(id);
    const { progress, runId, ...cause } = progressOf(err);
    const end = batch.first + batch.count;
    const from = progress && progress.next > batch.first && progress.next <= end ? progress.next : batch.first;
    if (progress) this.settle(progress);
    if (isCancellation(err)) {
      this.publishProgress();
      return;
    }
    const cause0 = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause0 instanceof ApplicationFailure && cause0.nonRetryable) {
      // Final for the whole batch (its inputs are gone or changed): a retry of any of its
      // runs would fail the same way, so all that it did not finish fail with the reason.
      const type = failureType(err);
      for (let id = from; id < end; id++) this.pendingFailures.push({ runId: id, ...(type ? { type } : {}), message: failureMessage(err) });
      this.failedCount += end - from;
      this.publishProgress();
      return;
    }
    const blamed = runId !== undefined && runId >= from && runId < end ? runId : from;
    if (blamed < end) {
      this.failedCount++;
      // The run's own error when the batch said which run failed, else the batch's (a timeout).
      const type = blamed === runId ? cause.type : failureType(err);
      const message = blamed === runId && cause.message !== undefined ? cause.message : failureMessage(err);
      this.pendingFailures.push({ runId: blamed, ...(type ? { type } : {}), message });
      log.info('run failed', { runId: blamed, type });
      if (blamed > from) this.requeued.push({ first: from, count: blamed - from });
      if (blamed + 1 < end) this.requeued.push({ first: blamed + 1, count: end - blamed - 1 });
    }
    this.publishProgress();
  }

  /** Waits until every batch has settled and nothing is left to run again, then writes down failures. */
  async drain(): Promise<void> {
    for (;;) {
      await condition(() => this.inFlight.size === 0 || (this.requeued.length > 0 && this.inFlight.size < this.window()));
      if (this.requeued.length > 0) this.start(this.requeued.shift()!);
      else if (this.inFlight.size === 0) break;
    }
    await this.flushFailures();
  }

  /** Hands over to a fresh execution: a few numbers, whatever the sweep's size. */
  continue(): Promise<never> {
    const carried: CarriedState = {
      ...this.carried(),
      ...(this.secondsPerRun !== undefined ? { secondsPerRun: this.secondsPerRun } : {}),
      slots: this.slots,
    };
    return continueAsNew<typeof sweepWorkflow>({ ...this.input, maxInFlight: this.maxInFlight, carried });
  }

  /**
   * After a cancel request: batches in flight were cancelled with the workflow (their engines
   * killed); wait until each has settled so nothing writes into run directories after the
   * aggregate, then write the aggregate for what finished.
   */
  async cancel(): Promise<void> {
    this.phase = 'cancelling';
    await CancellationScope.nonCancellable(async () => {
      await condition(() => this.inFlight.size === 0);
      await this.flushFailures();
      await this.cancelRest();
    });
  }
}

/**
 * A prepared input has a run set and a run count; a request never does (its schema is
 * strict), so every input recorded before requests were accepted takes the prepared path.
 */
function isPreparedInput(arg: SweepInput | SweepRequest): arg is SweepInput {
  return typeof arg === 'object' && arg !== null && 'runSet' in arg && 'runCount' in arg;
}

/**
 * Prepares a plain request on a worker (`gsweep.prepareRequest`) with this workflow's id as
 * the sweep id. A bad request fails the sweep with prepareRequest's own one-sentence message.
 */
async function prepareFromRequest(request: SweepRequest): Promise<SweepInput> {
  const { workflowId, runId } = workflowInfo();
  const input = await control.prepareRequest({ request, workflowId, runId }).catch((err: unknown) => {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === REQUEST_FAILURE_TYPE) {
      throw ApplicationFailure.create({ type: REQUEST_FAILURE_TYPE, message: err.cause.message, nonRetryable: true });
    }
    return surfaceCause('preparing the request')(err);
  });
  // What startSweep gives a sweep when it starts it: `gsweep list` reads it.
  upsertMemo(sweepMemo(input));
  return input;
}

export async function sweepWorkflow(arg: SweepInput | SweepRequest): Promise<SweepSummary> {
  if (!patched(BATCHES_PATCH)) return perRunSweep(arg as SweepInput);
  const input = isPreparedInput(arg) ? arg : await prepareFromRequest(arg);
  return runExecution(new BatchSweep(input));
}
