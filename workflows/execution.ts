/**
 * What every execution of a sweep does, however it schedules its runs (in batches, or one
 * activity per run for sweeps started before batches): count, publish progress, prepare the
 * output directory, write failures down, continue as new, aggregate, and the main loop.
 *
 * Deterministic: no I/O, no wall clock, no Node builtins.
 */
import { CancellationScope, isCancellation, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { MAX_IN_FLIGHT_LIMIT } from '../sweep/limits';
import { SWEEP_DONE, SWEEP_FAILED, SWEEP_RUN_COUNT, SWEEP_SCRIPT } from '../sweep/search-attributes';
import type { CarriedState, FailureRecord, SweepInput, SweepProgress, SweepSummary } from '../sweep/types';
import { aggregation, control } from './activities';
import { surfaceCause } from './failures';
import { progressQuery, setMaxInFlightUpdate, validateMaxInFlight } from './handlers';

/** Safety net for servers that never suggest continue-as-new (history error limit is 51 200). */
const HISTORY_EVENTS_CEILING = 20_000;
/** Failures waiting to be appended to failures.jsonl are flushed at this count... */
export const FAILURE_BATCH_MAX = 32;
/** ...in batches of at most this much JSON (escaping can make a 1000-character message 6000 bytes). */
const FAILURE_BATCH_BYTES = 32 * 1024;

export abstract class SweepExecution {
  readonly executions: number;
  readonly startedAtMs: number;
  maxInFlight: number;
  phase: SweepProgress['phase'] = 'running';
  /** Every run below the cursor has been started or given to a batch (or was already ok). */
  protected cursor: number;
  protected okCount: number;
  protected failedCount: number;
  protected cancelledCount = 0;
  /** Failed runs nothing recorded yet, for `<out>/failures.jsonl`. */
  protected pendingFailures: FailureRecord[] = [];
  private lastUpsertDone = -1;
  private readonly upsertStep: number;

  constructor(protected readonly input: SweepInput) {
    const carried: CarriedState | undefined = input.carried;
    this.executions = (carried?.executions ?? 0) + 1;
    this.startedAtMs = carried?.startedAtMs ?? Date.now();
    this.cursor = carried?.cursor ?? 0;
    this.okCount = carried?.ok ?? 0;
    this.failedCount = carried?.failed ?? 0;
    this.maxInFlight = Math.min(Math.max(1, input.maxInFlight), MAX_IN_FLIGHT_LIMIT);
    this.upsertStep = Math.max(1, Math.ceil(input.runCount / 50));
  }

  get isFirstExecution(): boolean {
    return this.executions === 1;
  }

  protected get done(): number {
    return this.okCount + this.failedCount;
  }

  /** What is in flight, for the Web UI's current details: `3 running`, `4 batches running`. */
  protected abstract inFlightText(): string;
  /** Activities carrying runs now in flight (runs, or batches of runs). */
  protected abstract get inFlightCount(): number;

  /** The progress query: runs settled by this execution and its predecessors. */
  progress(): SweepProgress {
    const { runCount, context } = this.input;
    const running = this.inFlightCount;
    return {
      sweepId: context.sweepId,
      total: runCount,
      ok: this.okCount,
      failed: this.failedCount,
      running,
      pending: Math.max(0, runCount - this.done - running - this.cancelledCount),
      cancelled: this.cancelledCount,
      maxInFlight: this.maxInFlight,
      executions: this.executions,
      startedAtMs: this.startedAtMs,
      phase: this.phase,
    };
  }
  /** Starts the next piece of work once there is room; false when all is started, 'continue' to hand over first. */
  abstract schedule(): Promise<boolean | 'continue'>;
  /** Waits until everything started has settled, then writes down failures. */
  abstract drain(): Promise<void>;
  /** After a cancel request: waits for what was cancelled to settle, then aggregates what finished. */
  abstract cancel(): Promise<void>;
  /** Hands over to a fresh execution: a few numbers, whatever the sweep's size. */
  abstract continue(): Promise<never>;

  publishProgress(force = false): void {
    const { runCount, searchAttributes } = this.input;
    setCurrentDetails(`${this.done}/${runCount} runs done · ${this.failedCount} failed · ${this.inFlightText()} (execution ${this.executions})`);
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

  /** The counts every execution hands the next. */
  protected carried(): CarriedState {
    return { cursor: this.cursor, ok: this.okCount, failed: this.failedCount, executions: this.executions, startedAtMs: this.startedAtMs };
  }

  /** After a cancel: what never finished is cancelled, and the aggregate is written for the rest. */
  protected async cancelRest(): Promise<void> {
    this.cancelledCount = this.input.runCount - this.done;
    await this.aggregate();
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

/** One execution of a sweep, start to end: handlers, prepare, schedule until done or handed over, cancel, aggregate. */
export async function runExecution(sweep: SweepExecution): Promise<SweepSummary> {
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
