/**
 * The sweep workflow: a sliding window of `runGmat` activities over a lazily expanded run
 * set, compact outcome bitsets, continue-as-new before history grows large, and a final
 * `writeAggregate`. Deterministic: no I/O, no wall clock, no Node builtins (everything it
 * imports from `spec/` is sandbox-safe).
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { RunBitset } from '../sweep/bitset';
import { MAX_IN_FLIGHT_LIMIT } from '../sweep/limits';
import type { Overrides } from '../sweep/overrides';
import { expandRun, runSummary } from '../sweep/runset';
import { SWEEP_DONE, SWEEP_FAILED, SWEEP_RUN_COUNT, SWEEP_SCRIPT } from '../sweep/search-attributes';
import {
  RUN_FAILURE_TYPES,
  type CarriedState,
  type SweepInput,
  type SweepProgress,
  type SweepSummary,
} from '../sweep/sweep';
import { proxySweepActivities } from './activities';

export const progressQuery = defineQuery<SweepProgress>('progress');
export const setMaxInFlightUpdate = defineUpdate<number, [number]>('setMaxInFlight');

/** Rows fetched per samples page; keeps each activity result far below payload limits. */
const SAMPLES_PAGE_ROWS = 500;
/** Safety net for servers that never suggest continue-as-new (history error limit is 51 200). */
const HISTORY_EVENTS_CEILING = 20_000;
const NOTE_MAX_CHARS = 1000;
/** Notes ride along in continue-as-new and activity input: keep them far below payload limits. */
const NOTES_MAX = 500;

function failureMessage(err: unknown): string {
  let e: unknown = err;
  // ActivityFailure wraps the real cause (ApplicationFailure, TimeoutFailure, ...).
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  const message = e instanceof Error ? e.message : String(e);
  return message.length > NOTE_MAX_CHARS ? `${message.slice(0, NOTE_MAX_CHARS)}...` : message;
}

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return cause instanceof ApplicationFailure ? cause.type ?? undefined : undefined;
}

/**
 * A failed sweep-level activity fails the sweep with the activity's own reason as the
 * workflow's failure message (CLI, Temporal UI), not the SDK's "Activity task failed".
 */
function surfaceCause(step: string): (err: unknown) => never {
  return (err: unknown) => {
    if (err instanceof ActivityFailure) {
      throw ApplicationFailure.create({ type: 'SweepStepFailed', message: `${step} failed: ${failureMessage(err)}`, nonRetryable: true, cause: err });
    }
    throw err;
  };
}

export async function sweepWorkflow(input: SweepInput): Promise<SweepSummary> {
  const { context, runSet, runCount } = input;
  const carried: CarriedState | undefined = input.carried;
  const ok = carried
    ? RunBitset.fromBase64(runCount, carried.ok)
    : input.alreadyOk
      ? RunBitset.fromBase64(runCount, input.alreadyOk)
      : new RunBitset(runCount);
  const failed = carried ? RunBitset.fromBase64(runCount, carried.failed) : new RunBitset(runCount);
  const notes: Record<string, string> = { ...(carried?.notes ?? {}) };
  const executions = (carried?.executions ?? 0) + 1;
  const startedAtMs = carried?.startedAtMs ?? Date.now();
  let cursor = carried?.cursor ?? 0;
  let maxInFlight = Math.min(Math.max(1, input.maxInFlight), MAX_IN_FLIGHT_LIMIT);
  let phase: SweepProgress['phase'] = 'running';
  const inFlight = new Set<number>();
  let okCount = ok.count();
  let failedCount = failed.count();
  let cancelledCount = 0;

  const control = proxySweepActivities({
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '30 seconds',
    retry: { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  const aggregate = proxySweepActivities({
    startToCloseTimeout: '12 hours',
    heartbeatTimeout: '2 minutes',
    retry: { maximumAttempts: 5, initialInterval: '5 seconds', maximumInterval: '1 minute' },
  });

  const progress = (): SweepProgress => ({
    sweepId: context.sweepId,
    total: runCount,
    ok: okCount,
    failed: failedCount,
    running: inFlight.size,
    pending: Math.max(0, runCount - okCount - failedCount - inFlight.size - cancelledCount),
    cancelled: cancelledCount,
    maxInFlight,
    executions,
    startedAtMs,
    phase,
  });
  setHandler(progressQuery, progress);
  setHandler(
    setMaxInFlightUpdate,
    (value: number) => {
      maxInFlight = value;
      return maxInFlight;
    },
    {
      validator: (value: number) => {
        if (!Number.isInteger(value) || value < 1 || value > MAX_IN_FLIGHT_LIMIT) {
          throw new Error(`maxInFlight must be an integer from 1 to ${MAX_IN_FLIGHT_LIMIT}, got ${value}`);
        }
      },
    },
  );

  const done = () => okCount + failedCount;
  let lastUpsertDone = -1;
  const upsertStep = Math.max(1, Math.ceil(runCount / 50));
  const publishProgress = (force = false) => {
    setCurrentDetails(
      `${done()}/${runCount} runs done · ${failedCount} failed · ${inFlight.size} running (execution ${executions})`,
    );
    if (input.searchAttributes && (force || done() - lastUpsertDone >= upsertStep)) {
      lastUpsertDone = done();
      upsertSearchAttributes([
        { key: SWEEP_DONE, value: done() },
        { key: SWEEP_FAILED, value: failedCount },
      ]);
    }
  };
  if (input.searchAttributes && executions === 1) {
    upsertSearchAttributes([
      { key: SWEEP_SCRIPT, value: context.scriptName },
      { key: SWEEP_RUN_COUNT, value: runCount },
    ]);
  }

  if (executions === 1) {
    await control.prepareSweep({ input: { ...input, carried: undefined } }).catch(surfaceCause('preparing the sweep'));
  }

  // Explicit rows are paged in by an activity so history holds only the pages in use.
  const samplePages = new Map<number, Overrides[]>();
  const overridesFor = async (runId: number): Promise<Overrides> => {
    const expanded = expandRun(runSet, runId);
    if (expanded) return expanded;
    const page = Math.floor(runId / SAMPLES_PAGE_ROWS);
    let rows = samplePages.get(page);
    if (!rows) {
      rows = await control.loadSamplesPage({ context, offset: page * SAMPLES_PAGE_ROWS, count: SAMPLES_PAGE_ROWS });
      samplePages.clear();
      samplePages.set(page, rows);
    }
    return rows[runId - page * SAMPLES_PAGE_ROWS];
  };

  const startRun = (runId: number, overrides: Overrides) => {
    inFlight.add(runId);
    const run = proxySweepActivities({
      activityId: `run-${runId}`,
      ...(input.gmatTaskQueue ? { taskQueue: input.gmatTaskQueue } : {}),
      summary: runSummary(runId, overrides),
      // The engine enforces runTimeout itself (and kills GMAT); this margin covers
      // patching, parsing and Parquet writing around it.
      startToCloseTimeout: context.runTimeoutMs + 120_000,
      heartbeatTimeout: input.heartbeatTimeoutMs,
      // Stated explicitly: the SDK's actual default is TRY_CANCEL (its docs say otherwise,
      // temporalio/sdk-typescript#2442), which would settle a cancelled run at once, so the
      // sweep could write its aggregate and end while that run's GMAT still runs. Waiting
      // means a run is settled only when its worker has killed the engine (or it finished).
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: {
        maximumAttempts: input.retry.maximumAttempts,
        initialInterval: input.retry.initialIntervalMs,
        backoffCoefficient: input.retry.backoffCoefficient,
        maximumInterval: input.retry.maximumIntervalMs,
        nonRetryableErrorTypes: Object.values(RUN_FAILURE_TYPES),
      },
    }).runGmat;
    run({ context, runId, overrides }).then(
      () => {
        ok.set(runId);
        okCount++;
      },
      (err: unknown) => {
        if (isCancellation(err)) {
          cancelledCount++;
          return;
        }
        failed.set(runId);
        failedCount++;
        // Rejections wrote their own outcome.json; anything else (retries exhausted on an
        // unwritable directory, a lost worker) is recorded here for the manifest.
        // Bad input found at run time and a missing GMAT write no outcome.json either: their
        // real reason is kept too, so the manifest does not blame the infrastructure.
        const type = failureType(err);
        if (type !== RUN_FAILURE_TYPES.rejected && type !== RUN_FAILURE_TYPES.unparseable && Object.keys(notes).length < NOTES_MAX) {
          notes[String(runId)] = failureMessage(err);
        }
        log.info('run failed', { runId, type });
      },
    ).finally(() => {
      inFlight.delete(runId);
      publishProgress();
    });
  };

  const shouldContinueAsNew = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_EVENTS_CEILING;

  const nextRunToStart = (): number | undefined => {
    while (cursor < runCount && (ok.has(cursor) || failed.has(cursor))) cursor++;
    return cursor < runCount ? cursor : undefined;
  };

  const writeAggregate = () =>
    aggregate.writeAggregate({ context, runSet, runCount, failed: failed.toBase64(), notes }).catch(surfaceCause('writing the aggregate'));

  try {
    publishProgress(true);
    for (;;) {
      const next = nextRunToStart();
      if (next === undefined) break;
      if (shouldContinueAsNew()) {
        phase = 'draining';
        await condition(() => inFlight.size === 0);
        const state: CarriedState = {
          ok: ok.toBase64(),
          failed: failed.toBase64(),
          notes,
          cursor,
          executions,
          startedAtMs,
        };
        return await continueAsNew<typeof sweepWorkflow>({ ...input, maxInFlight, carried: state });
      }
      if (inFlight.size >= maxInFlight) {
        await condition(() => inFlight.size < maxInFlight);
        continue;
      }
      const overrides = await overridesFor(next);
      cursor = next + 1;
      startRun(next, overrides);
    }
    await condition(() => inFlight.size === 0);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    phase = 'cancelling';
    await CancellationScope.nonCancellable(async () => {
      // In-flight runs were cancelled with the workflow (their engines killed); wait until
      // each has settled so nothing writes into run directories after the aggregate.
      await condition(() => inFlight.size === 0);
      cancelledCount = runCount - okCount - failedCount;
      phase = 'aggregating';
      await writeAggregate();
      publishProgress(true);
    });
    throw err;
  }

  phase = 'aggregating';
  // Once every run has finished, a late cancel request no longer stops the aggregate.
  const result = await CancellationScope.nonCancellable(() => writeAggregate());
  phase = 'done';
  publishProgress(true);
  return {
    sweepId: context.sweepId,
    outDir: context.outDir,
    total: runCount,
    ok: okCount,
    failed: failedCount,
    cancelled: 0,
    tables: result.tables,
    manifestPath: result.manifestPath,
    executions,
  };
}
