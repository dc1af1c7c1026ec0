/**
 * A running or finished sweep, by its id: its handle, where it stands, and the two changes a
 * caller can make while it runs (how many batches it keeps in flight, cancel).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { BatchProgress, SweepProgress } from '../sweep/types';
import { progressQuery, setMaxInFlightUpdate, type sweepWorkflow } from '../workflows';

/** temporal.api.enums.v1.PendingActivityState: a worker has the activity (STARTED, CANCEL_REQUESTED). */
const PENDING_STARTED = 2;
const PENDING_CANCEL_REQUESTED = 3;

/** The Temporal handle of a sweep workflow: `result()` is its SweepSummary. */
export type SweepHandle = WorkflowHandle<typeof sweepWorkflow>;

/** The handle of the sweep whose workflow id is `sweepId`; nothing is asked of the server until the handle is used. */
export function sweepHandle(client: Client, sweepId: string): SweepHandle {
  return client.workflow.getHandle<typeof sweepWorkflow>(sweepId);
}

/** The handle of a sweep by its id (the workflow id): `result()`, `describe()`, and the functions below. */
export const getSweep = sweepHandle;

/**
 * Asks the sweep to stop: in-flight runs are cancelled (their GMAT processes killed) and the
 * aggregate of the finished runs is written. `waitForSweep` follows it to the end. Throws
 * WorkflowNotFoundError for an unknown id.
 */
export async function cancelSweep(handle: SweepHandle): Promise<void> {
  await handle.cancel();
}

/**
 * Where the sweep stands, counted in runs. The workflow knows the runs of finished batches;
 * runs finished inside batches still in flight are in those activities' heartbeat details,
 * which DescribeWorkflowExecution returns. The query goes first, so a batch that finishes in
 * between is missed for one poll rather than counted twice. `running` is the batches a worker
 * has started (each has one run in progress); batches still in the task queue are pending.
 */
export async function sweepProgress(handle: SweepHandle): Promise<SweepProgress> {
  const progress = await handle.query(progressQuery);
  if (!progress.batches) return progress;
  const { raw } = await handle.describe();
  let ok = 0;
  let failed = 0;
  let started = 0;
  for (const activity of raw.pendingActivities ?? []) {
    if (Number(activity.state) === PENDING_STARTED || Number(activity.state) === PENDING_CANCEL_REQUESTED) started++;
    const payloads = activity.heartbeatDetails?.payloads;
    if (!payloads?.length) continue;
    const details = await decodeFromPayloadsAtIndex<Partial<BatchProgress>>(handle.client.options.loadedDataConverter, 0, payloads).catch(() => undefined);
    if (typeof details?.ok !== 'number' || typeof details.failed !== 'number') continue;
    ok += details.ok + (details.skipped ?? 0);
    failed += details.failed;
  }
  const finished = Math.min(ok + failed, progress.pending + progress.running);
  const running = Math.min(started, progress.running);
  return {
    ...progress,
    ok: progress.ok + ok,
    failed: progress.failed + failed,
    running,
    pending: Math.max(0, progress.pending + progress.running - finished - running),
  };
}

/**
 * Changes how many batches (so GMAT runs) the running sweep keeps in flight, through a
 * workflow update; returns the value now in force. Throws the workflow's own reason when it
 * refuses the value, and blocks until a worker runs the update.
 */
export async function setMaxInFlight(handle: SweepHandle, value: number): Promise<number> {
  try {
    return await handle.executeUpdate(setMaxInFlightUpdate, { args: [value] });
  } catch (err) {
    // The SDK's own message is only "Workflow Update failed"; the validator's is the cause.
    if (err instanceof WorkflowUpdateFailedError && err.cause) throw new Error(err.cause.message);
    throw err;
  }
}
