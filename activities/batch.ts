/**
 * The batch activity: runs `first .. first + count - 1` of a sweep one after another, each
 * recorded on its own (run directory, outcome.json, or a failures.jsonl row), and heartbeats
 * how far it got.
 *
 * - Each run takes one of the worker's engine slots only while GMAT runs. The worker accepts
 *   twice as many activities as it has slots, so while one batch patches its next run or
 *   parses its last one, another batch's run holds the slot: GMAT never waits for a Temporal
 *   round trip or for our own file work.
 * - `next` in the heartbeat: every run below it is finished and stored. A retried batch (lost worker,
 *   restarted server, an infrastructure failure) starts there; a run that was half done is
 *   run again from a clean run directory.
 * - A run GMAT rejects, or whose input is bad, is one failed run and the batch goes on. An
 *   infrastructure failure stops the batch and is retried by Temporal; its details say
 *   which run failed and how far the batch got.
 * - Cancellation kills the run in progress: a cancel stops within one run.
 */
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { EngineSlots } from '../gmat/slots';
import { WORKER_LABEL } from '../gmat/run-mission';
import { InputTableError, readOkPage } from '../output/input-tables';
import type { Store } from '../output/store';
import { RUN_FAILED_LOG_MESSAGE } from '../sweep/activity-names';
import { RunBitset } from '../sweep/bitset';
import { BATCH_RUN_INFRASTRUCTURE, OK_PAGE_BYTES, type BatchProgress, type BatchReport, type BatchTask, type FailureRecord, type InputTableRef } from '../sweep/types';
import { classifyRunError } from './run-error';

const HEARTBEAT_INTERVAL_MS = 1000;
/** A failure row keeps this much of the message (the run's own files have the rest). */
const NOTE_MAX_CHARS = 1000;

export interface BatchDeps {
  /**
   * Runs one run of the sweep through run-mission, taking GMAT from `slots`. `attempt` is the
   * run's own: a retried batch starts at the run it was in when it stopped (its attempt is
   * the batch's), and the runs after it are on their first.
   */
  run: (runId: number, signal: AbortSignal, slots: SlotAcquirer | undefined, attempt: number) => Promise<unknown>;
  /** The out's Store: a resume's already-ok bitset is read from it. */
  store: Store;
  /** Records failed runs that could not record their own outcome (the out's failures.jsonl, through its Store). */
  recordFailures: (records: FailureRecord[]) => Promise<void>;
  /** The worker's engine slots; absent: runs are not limited by this worker. */
  slots?: EngineSlots;
  /** Work before the first run that may take seconds (a Latin hypercube's design), done while the batch heartbeats. */
  prepare?: () => Promise<void>;
  /**
   * Where finished runs wait to be stored together (an object-store out: one pack every few
   * seconds). A run counts as done in the heartbeat only once flushed, so a retry re-runs
   * what a lost worker had not stored. Absent: every run is stored as it finishes.
   */
  pending?: { due(): boolean; flush(): Promise<void> };
}

export type SlotAcquirer = Pick<EngineSlots, 'acquire'>;

function isProgress(value: unknown, task: BatchTask): value is BatchProgress {
  const p = value as BatchProgress | undefined;
  return (
    typeof p === 'object' &&
    p !== null &&
    [p.next, p.ok, p.failed, p.skipped, p.engineMs].every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    p.next >= task.first &&
    p.next <= task.first + task.count
  );
}

/** Reads a resume's already-ok bitset a page (65 536 runs) at a time, as the batch walks its range. */
class AlreadyOk {
  private page?: { offset: number; bits: RunBitset };

  constructor(
    private readonly store: Store,
    private readonly ref: InputTableRef,
  ) {}

  async has(runId: number): Promise<boolean> {
    if (runId >= this.ref.count) return false;
    const page = this.page;
    if (!page || runId < page.offset || runId >= page.offset + page.bits.size) {
      const offset = runId - (runId % 8);
      const bytes = Math.min(OK_PAGE_BYTES, Math.ceil(this.ref.count / 8) - offset / 8);
      this.page = { offset, bits: RunBitset.fromBase64(bytes * 8, await readOkPage(this.store, this.ref, offset)) };
    }
    return this.page!.bits.has(runId - this.page!.offset);
  }
}

export async function runBatch(task: BatchTask, deps: BatchDeps): Promise<BatchReport> {
  const end = task.first + task.count;
  const signal = Context.current().cancellationSignal;
  const prior = activityInfo().heartbeatDetails;
  const progress: BatchProgress = isProgress(prior, task) ? { ...prior } : { next: task.first, ok: 0, failed: 0, skipped: 0, engineMs: 0 };
  const timer = setInterval(() => heartbeat({ ...progress }), HEARTBEAT_INTERVAL_MS);
  const alreadyOk = task.alreadyOk ? new AlreadyOk(deps.store, task.alreadyOk) : undefined;

  // Engine time is a run's time less its wait for a slot (other batches' runs hold it then).
  let waitedMs = 0;
  const slots: SlotAcquirer | undefined = deps.slots && {
    acquire: async (s?: AbortSignal) => {
      const t0 = performance.now();
      try {
        return await deps.slots!.acquire(s);
      } finally {
        waitedMs += performance.now() - t0;
      }
    },
  };

  let stopped: { runId: number; error: unknown } | undefined;
  let attempt = activityInfo().attempt;
  // `live` counts every finished run; `progress` (what the heartbeat says) only stored ones.
  const live: BatchProgress = { ...progress };
  const store = async () => {
    await deps.pending?.flush();
    Object.assign(progress, live);
  };
  try {
    await deps.prepare?.();
    while (live.next < end && !signal.aborted) {
      const runId = live.next;
      if (await alreadyOk?.has(runId)) {
        live.skipped++;
        live.next++;
        continue;
      }
      const t0 = performance.now();
      waitedMs = 0;
      try {
        const thisAttempt = attempt;
        attempt = 1;
        await deps.run(runId, signal, slots, thisAttempt);
        live.ok++;
      } catch (err) {
        const verdict = classifyRunError(err, runId);
        if (verdict.kind !== 'failed') {
          stopped = { runId, error: err };
          break;
        }
        Context.current().log.warn(RUN_FAILED_LOG_MESSAGE, { runId, failureType: verdict.type, reason: verdict.message });
        if (!verdict.selfRecorded) {
          const message = verdict.message.length > NOTE_MAX_CHARS ? `${verdict.message.slice(0, NOTE_MAX_CHARS)}...` : verdict.message;
          await deps.recordFailures([{ runId, type: verdict.type, message }]);
        }
        live.failed++;
      } finally {
        live.engineMs += Math.max(0, performance.now() - t0 - waitedMs);
      }
      live.next++;
      if (!deps.pending || deps.pending.due()) await store();
    }
  } catch (err) {
    // Only the preparation, the already-ok bitset, the failures file or a pack's upload can land here.
    if (err instanceof InputTableError) {
      throw ApplicationFailure.create({ type: 'InvalidRunInput', message: err.message, nonRetryable: true, details: [{ ...progress }] });
    }
    stopped = { runId: -1, error: err };
  } finally {
    clearInterval(timer);
  }
  // What finished before a stop is stored too; if that fails, those runs are run again.
  try {
    await store();
  } catch (err) {
    stopped ??= { runId: -1, error: err };
  }
  if (stopped?.runId === -1) {
    // Not a run's own failure (the store, the preparation): the first run not stored is blamed
    // and the runs after it go back to the workflow. A store that took the runs on the second
    // try leaves nothing to blame.
    stopped = progress.next < end ? { ...stopped, runId: progress.next } : undefined;
  }

  const done = { ...progress };
  // The last heartbeat before a failure reaches the server (the SDK flushes it), so a retry
  // starts exactly where this attempt stopped.
  if (done.next < end) heartbeat(done);
  if (signal.aborted || (stopped && classifyRunError(stopped.error, stopped.runId).kind === 'cancelled')) {
    throw new CancelledFailure(`batch of runs ${task.first}–${end - 1} cancelled at run ${done.next}; GMAT process tree killed`, [done]);
  }
  if (stopped) {
    const { runId, error } = stopped;
    const message = error instanceof Error ? error.message : String(error);
    const type = error instanceof ApplicationFailure ? error.type : error instanceof Error ? error.name : 'Error';
    throw ApplicationFailure.create({
      type: BATCH_RUN_INFRASTRUCTURE,
      message: `run ${runId}: ${message}`,
      nonRetryable: false,
      // The workflow records the run with the error's own type and message once retries run out.
      details: [{ runId, progress: done, type, message: message.length > NOTE_MAX_CHARS ? `${message.slice(0, NOTE_MAX_CHARS)}...` : message }],
    });
  }
  return { ...done, worker: WORKER_LABEL, slots: deps.slots?.size ?? 1 };
}
