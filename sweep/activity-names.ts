/**
 * The names gsweep's activities are registered under on a worker. Prefixed, so they cannot
 * collide with a fleet's own activities when GsweepPlugin adds them to an existing worker.
 * Sandbox-safe: the workflow schedules activities by these names.
 */
export const ACTIVITY_PREFIX = 'gsweep.';

export const SWEEP_ACTIVITY_NAMES = ['prepareRequest', 'prepareSweep', 'loadInputPage', 'loadOkPage', 'recordFailures', 'runGmat', 'runBatch', 'writeAggregate'] as const;
export type SweepActivityName = (typeof SWEEP_ACTIVITY_NAMES)[number];

/** `runGmat` -> `gsweep.runGmat`: the activity type a worker registers and history records. */
export function activityType(name: SweepActivityName): string {
  return `${ACTIVITY_PREFIX}${name}`;
}

/**
 * Patch id for `patched()`: sweeps recorded before the prefix scheduled the bare names; the
 * workflow keeps scheduling those when it replays such a history.
 */
export const PREFIXED_ACTIVITIES_PATCH = 'gsweep-prefixed-activity-names';

/**
 * The log message a batch writes for each run that fails for good; the worker's log
 * formatter turns it into `gsweep: run-3 failed (GmatRejected): <first line>`.
 */
export const RUN_FAILED_LOG_MESSAGE = 'gsweep run failed';
