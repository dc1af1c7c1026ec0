/**
 * The sweep workflow: it steers, activities do the data work. It cuts the run ids into
 * batches (`runBatch` activities, each running a range of runs one after another), keeps enough of them in flight for every slot, adds up what they report,
 * continues as new before history grows large, and ends with `writeAggregate`.
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
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SweepRequest } from '../activities';
import { batchSummary, batchWindow, nextBatchSize, updateSecondsPerRun } from '../sweep/batches';
import { MAX_IN_FLIGHT_LIMIT } from '../sweep/limits';
import { SWEEP_DONE, SWEEP_FAILED, SWEEP_RUN_COUNT, SWEEP_SCRIPT } from '../sweep/search-attributes';
import {
  REQUEST_FAILURE_TYPE,
  RUN_FAILURE_TYPES,
  sweepMemo,
  type BatchProgress,
  type BatchReport,
  type CarriedState,
  type FailureRecord,
  type SweepInput,
  type SweepProgress,
  type SweepSummary,
} from '../sweep/sweep';
import { aggregation, control, proxySweepActivities } from './activities';
import { failureMessage, failureType, surfaceCause } from './failures';
import { progressQuery, setMaxInFlightUpdate, validateMaxInFlight } from './handlers';
import { perRunSweep } from './per-run-sweep';

export { progressQuery, setMaxInFlightUpdate, validateMaxInFlight } from './handlers';

/** Marks histories of sweeps that run in batches; older histories replay per-run-sweep.ts. */
export const BATCHES_PATCH = 'gsweep-batches';

/** Safety net for servers that never suggest continue-as-new (history error limit is 51 200). */
const HISTORY_EVENTS_CEILING = 20_000;
/** Failures waiting to be appended to failures.jsonl are flushed at this count... */
const FAILURE_BATCH_MAX = 32;
/** ...in batches of at most this much JSON (escaping can make a 1000-character message 6000 bytes). */
const FAILURE_BATCH_BYTES = 32 * 1024;
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
export class Sweep {
  readonly executions: number;
  readonly startedAtMs: number;
  maxInFlight: number;
  phase: SweepProgress['phase'] = 'running';
  /** Every run below the cursor has been given to a batch (or was already ok). */
  private cursor: number;
  private okCount: number;
  private failedCount: number;
  private cancelledCount = 0;
  /** Batches in flight by activity id. */
  private readonly inFlight = new Map<string, Batch>();
  /** Runs below the cursor to run again: what a batch left when it ran out of attempts. */
  private readonly requeued: Batch[] = [];
  private pendingFailures: FailureRecord[] = [];
  private secondsPerRun: number | undefined;
  /** Engine slots by worker, from finished batches. */
  private readonly workers = new Map<string, number>();
  private carriedSlots: number;
  private lastSize = 0;
  private lastUpsertDone = -1;
  private readonly upsertStep: number;

  constructor(private readonly input: SweepInput) {
    const carried: CarriedState | undefined = input.carried;
    this.executions = (carried?.executions ?? 0) + 1;
    this.startedAtMs = carried?.startedAtMs ?? Date.now();
    this.cursor = carried?.cursor ?? 0;
    this.okCount = carried?.ok ?? 0;
    this.failedCount = carried?.failed ?? 0;
    this.secondsPerRun = carried?.secondsPerRun;
    this.carriedSlots = carried?.slots ?? 0;
    this.maxInFlight = Math.min(Math.max(1, input.maxInFlight), MAX_IN_FLIGHT_LIMIT);
    this.upsertStep = Math.max(1, Math.ceil(input.runCount / 50));
  }

  get isFirstExecution(): boolean {
    return this.executions === 1;
  }

  private get done(): number {
    return this.okCount + this.failedCount;
  }

  private get slots(): number {
    let sum = 0;
    for (const n of this.workers.values()) sum += n;
    return Math.max(sum, this.carriedSlots);
  }

  private window(): number {
    return batchWindow(this.maxInFlight, this.slots, this.lastSize, this.input.batch?.size !== undefined);
  }

  /**
   * Runs settled by finished batches. Runs finished inside batches still in flight are in
   * those activities' heartbeat details; `sweepProgress` on the client adds them.
   */
  progress(): SweepProgress {
    const { runCount, context } = this.input;
    return {
      sweepId: context.sweepId,
      total: runCount,
      ok: this.okCount,
      failed: this.failedCount,
      running: this.inFlight.size,
      pending: Math.max(0, runCount - this.done - this.inFlight.size - this.cancelledCount),
      cancelled: this.cancelledCount,
      maxInFlight: this.maxInFlight,
      executions: this.executions,
      startedAtMs: this.startedAtMs,
      phase: this.phase,
      batches: this.inFlight.size,
    };
  }

  publishProgress(force = false): void {
    const { runCount, searchAttributes } = this.input;
    setCurrentDetails(
      `${this.done}/${runCount} runs done · ${this.failedCount} failed · ${this.inFlight.size} batches running (execution ${this.executions})`,
    );
    if (searchAttributes && (force || this.done - this.lastUpsertDone >= this.upsertStep)) {
      this.lastUpsertDone = this.done;
      upsertSearchAttributes([
        { key: SWEEP_DONE, value: this.done },
        { key: SWEEP_FAILED, value: this.failedCount },
      ]);
    }
  }

  /** Creates the output directory, archives the script and checks the inputs (first execution only). */
  async prepare(): Promise<void> {
    const { context, runCount, searchAttributes } = this.input;
    if (searchAttributes) {
      upsertSearchAttributes([
        { key: SWEEP_SCRIPT, value: context.scriptName },
        { key: SWEEP_RUN_COUNT, value: runCount },
      ]);
    }
    await control.prepareSweep({ input: { ...this.input, carried: undefined } }).catch(surfaceCause('preparing the sweep'));
  }

  shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > HISTORY_EVENTS_CEILING;
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

  /** Appends the failures waiting in memory to `<out>/failures.jsonl`. */
  async flushFailures(): Promise<void> {
    while (this.pendingFailures.length > 0) {
      let count = 0;
      let bytes = 0;
      while (count < this.pendingFailures.length && count < FAILURE_BATCH_MAX) {
        bytes += JSON.stringify(this.pendingFailures[count]).length;
        if (count > 0 && bytes > FAILURE_BATCH_BYTES) break;
        count++;
      }
      const batch = this.pendingFailures.splice(0, count);
      try {
        await control.recordFailures({ context: this.input.context, failures: batch });
      } catch (err) {
        // Cancelled (or out of retries) mid-write: keep the batch for the drain that follows.
        this.pendingFailures.unshift(...batch);
        throw err;
      }
    }
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
      cursor: this.cursor,
      ok: this.okCount,
      failed: this.failedCount,
      executions: this.executions,
      startedAtMs: this.startedAtMs,
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
      this.cancelledCount = this.input.runCount - this.done;
      await this.aggregate();
    });
  }

  async aggregate(): Promise<SweepSummary> {
    const { context, runSet, runCount } = this.input;
    this.phase = 'aggregating';
    const result = await aggregation.writeAggregate({ context, runSet, runCount }).catch(surfaceCause('writing the aggregate'));
    this.phase = 'done';
    this.publishProgress(true);
    return {
      sweepId: context.sweepId,
      outDir: context.outDir,
      total: runCount,
      ok: this.okCount,
      failed: this.failedCount,
      cancelled: 0,
      tables: result.tables,
      manifestPath: result.manifestPath,
      executions: this.executions,
    };
  }
}

/**
 * A prepared input has a run set and a run count; a request never does (its schema is
 * strict), so every input recorded before requests were accepted takes the prepared path.
 */
export function isPreparedInput(arg: SweepInput | SweepRequest): arg is SweepInput {
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
  const sweep = new Sweep(input);
  setHandler(progressQuery, () => sweep.progress());
  setHandler(
    setMaxInFlightUpdate,
    (value: number) => {
      sweep.maxInFlight = value;
      return sweep.maxInFlight;
    },
    { validator: validateMaxInFlight },
  );
  if (sweep.isFirstExecution) await sweep.prepare();

  try {
    sweep.publishProgress(true);
    for (;;) {
      const scheduled = await sweep.schedule();
      if (scheduled === false) break;
      if (scheduled === 'continue') {
        sweep.phase = 'draining';
        await sweep.drain();
        return await sweep.continue();
      }
    }
    await sweep.drain();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await sweep.cancel();
    throw err;
  }

  // Once every run has finished, a late cancel request no longer stops the aggregate.
  return await CancellationScope.nonCancellable(() => sweep.aggregate());
}
