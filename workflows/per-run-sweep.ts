/**
 * The sweep as it ran before batches: one `runGmat` activity per run, overrides expanded in
 * the workflow, long input tables paged in by activity. Its commands stay exactly as they were
 * (the recordings in test/histories/per-run/ replay against it), so sweeps started before
 * batches finish on upgraded workers (sweepWorkflow sends them here; a continue-as-new of such
 * a sweep moves on to batches). New sweeps never come here.
 *
 * Deterministic: no I/O, no wall clock, no Node builtins.
 */
import { ActivityCancellationType, CancellationScope, condition, continueAsNew, isCancellation, log } from '@temporalio/workflow';
import { RunBitset } from '../sweep/bitset';
import type { Overrides } from '../sweep/overrides';
import { expandRun, runSummary, tableCells } from '../sweep/runset';
import { OK_PAGE_BYTES, RUN_FAILURE_TYPES, type InputTableRef, type SweepInput, type SweepSummary } from '../sweep/types';
import { control, proxySweepActivities } from './activities';
import { FAILURE_BATCH_MAX, runExecution, SweepExecution } from './execution';
import { failureMessage, failureType, surfaceCause } from './failures';

/** These failures wrote their own outcome.json (gmat/run-mission.ts); the others are recorded by the workflow. */
const SELF_RECORDED: readonly string[] = [RUN_FAILURE_TYPES.rejected, RUN_FAILURE_TYPES.unparseable];

/** One page of an input table or of the already-ok bitset, as the workflow holds it. */
interface Page<T> {
  offset: number;
  values: T;
}

/**
 * The state of one execution of a per-run sweep, with its verbs: `schedule` the next run,
 * `record` its result, `drain` the window, `continue` as new, `cancel`, `aggregate`.
 */
export class PerRunSweep extends SweepExecution {
  private readonly inFlight = new Set<number>();
  private readonly tablePages = new Map<string, Page<unknown[]>>();
  private okPage?: Page<RunBitset>;

  protected inFlightText(): string {
    return `${this.inFlight.size} running`;
  }

  protected get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Loads the already-ok page holding `runId` (65 536 runs per page). */
  private async loadOkPage(ref: InputTableRef, runId: number): Promise<RunBitset> {
    const offset = runId - (runId % 8);
    const { bits } = await control.loadOkPage({ context: this.input.context, ref, offset }).catch(surfaceCause("reading the sweep's inputs"));
    const bytes = Math.min(OK_PAGE_BYTES, Math.ceil(ref.count / 8) - offset / 8);
    this.okPage = { offset, values: RunBitset.fromBase64(bytes * 8, bits) };
    return this.okPage.values;
  }

  /**
   * The next run to start, skipping (and counting) runs a resume found ok; undefined when
   * all are started. Synchronous within a page: one await per run would cost seconds of
   * workflow-task time on a large resume.
   */
  private async nextRun(): Promise<number | undefined> {
    const { alreadyOk: ref, runCount } = this.input;
    while (ref && this.cursor < runCount) {
      const page = this.okPage;
      const bits = page && this.cursor >= page.offset && this.cursor < page.offset + page.values.size ? page.values : await this.loadOkPage(ref, this.cursor);
      if (!bits.has(this.cursor - this.okPage!.offset)) break;
      this.cursor++;
      this.okCount++;
    }
    return this.cursor < runCount ? this.cursor : undefined;
  }

  private async tableValue(ref: InputTableRef, index: number): Promise<void> {
    const page = this.tablePages.get(ref.table);
    if (page && index >= page.offset && index < page.offset + page.values.length) return;
    const values = await control.loadInputPage({ context: this.input.context, ref, offset: index }).catch(surfaceCause("reading the sweep's inputs"));
    this.tablePages.set(ref.table, { offset: index, values });
  }

  /** Overrides of one run; long grid axes and sample rows are paged in so history holds only the pages in use. */
  private async overridesFor(runId: number): Promise<Overrides> {
    const { runSet } = this.input;
    for (const [ref, index] of tableCells(runSet, runId)) await this.tableValue(ref, index);
    return expandRun(runSet, runId, (ref, index) => {
      const page = this.tablePages.get(ref.table)!;
      return page.values[index - page.offset];
    });
  }

  /**
   * Starts the next run once the window has room. Returns false when every run has been
   * started; 'continue' when this execution should hand over to the next one first.
   */
  async schedule(): Promise<boolean | 'continue'> {
    for (;;) {
      const next = await this.nextRun();
      if (next === undefined) return false;
      if (this.shouldContinueAsNew()) return 'continue';
      if (this.pendingFailures.length >= FAILURE_BATCH_MAX) await this.flushFailures();
      if (this.inFlight.size >= this.maxInFlight) {
        await condition(() => this.inFlight.size < this.maxInFlight);
        continue;
      }
      const overrides = await this.overridesFor(next);
      this.cursor = next + 1;
      this.start(next, overrides);
      return true;
    }
  }

  private start(runId: number, overrides: Overrides): void {
    const { context, retry, heartbeatTimeoutMs } = this.input;
    this.inFlight.add(runId);
    const run = proxySweepActivities({
      activityId: `run-${runId}`,
      ...(this.input.gmatTaskQueue ? { taskQueue: this.input.gmatTaskQueue } : {}),
      summary: runSummary(runId, overrides),
      // The engine enforces runTimeout itself (and kills GMAT). A run may first wait for an
      // engine slot, at most one other run's time (workers accept 2 runs per slot, first
      // come first served); the margin covers patching, parsing and Parquet writing.
      startToCloseTimeout: 2 * context.runTimeoutMs + 120_000,
      heartbeatTimeout: heartbeatTimeoutMs,
      // Stated explicitly: the SDK's actual default is TRY_CANCEL (its docs say otherwise,
      // temporalio/sdk-typescript#2442), which would settle a cancelled run at once, so the
      // sweep could write its aggregate and end while that run's GMAT still runs. Waiting
      // means a run is settled only when its worker has killed the engine (or it finished).
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: {
        maximumAttempts: retry.maximumAttempts,
        initialInterval: retry.initialIntervalMs,
        backoffCoefficient: retry.backoffCoefficient,
        maximumInterval: retry.maximumIntervalMs,
        nonRetryableErrorTypes: Object.values(RUN_FAILURE_TYPES),
      },
    }).runGmat;
    run({ context, runId, overrides }).then(
      () => this.record(runId),
      (err: unknown) => this.record(runId, err),
    );
  }

  /** Settles one run: ok, failed (kept for failures.jsonl unless it wrote its own outcome), or cancelled. */
  record(runId: number, err?: unknown): void {
    this.inFlight.delete(runId);
    if (err === undefined) this.okCount++;
    else if (isCancellation(err)) this.cancelledCount++;
    else {
      this.failedCount++;
      const type = failureType(err);
      if (!SELF_RECORDED.includes(type as string)) this.pendingFailures.push({ runId, ...(type ? { type } : {}), message: failureMessage(err) });
      log.info('run failed', { runId, type });
    }
    this.publishProgress();
  }

  /** Waits until every started run has settled, then writes down their failures. */
  async drain(): Promise<void> {
    await condition(() => this.inFlight.size === 0);
    await this.flushFailures();
  }

  /** Hands over to a fresh execution: a few numbers, whatever the sweep's size. */
  continue(): Promise<never> {
    return continueAsNew<(input: SweepInput) => Promise<SweepSummary>>({ ...this.input, maxInFlight: this.maxInFlight, carried: this.carried() });
  }

  /**
   * After a cancel request: in-flight runs were cancelled with the workflow (their engines
   * killed); wait until each has settled so nothing writes into run directories after the
   * aggregate, then write the aggregate for what finished.
   */
  async cancel(): Promise<void> {
    this.phase = 'cancelling';
    await CancellationScope.nonCancellable(async () => {
      await this.drain();
      await this.cancelRest();
    });
  }
}

export async function perRunSweep(input: SweepInput): Promise<SweepSummary> {
  return runExecution(new PerRunSweep(input));
}
