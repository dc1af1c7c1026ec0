/**
 * The workflow's view of gsweep's activities: the same method names as createActivities,
 * scheduled under their prefixed activity types (`gsweep.runGmat`, ...).
 */
import { patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { SweepActivities } from '../activities';
import { activityType, PREFIXED_ACTIVITIES_PATCH, SWEEP_ACTIVITY_NAMES, type SweepActivityName } from '../sweep/activity-names';

type ActivityFn = (...args: never[]) => Promise<unknown>;

export function proxySweepActivities(options: ActivityOptions): SweepActivities {
  const proxy = proxyActivities(options);
  // Histories recorded before the prefix replay with the bare names they scheduled.
  const typeOf = (name: SweepActivityName) => (patched(PREFIXED_ACTIVITIES_PATCH) ? activityType(name) : name);
  const activities: Partial<Record<SweepActivityName, ActivityFn>> = {};
  for (const name of SWEEP_ACTIVITY_NAMES) {
    // Resolved at call time, so patched() is only asked while the workflow runs.
    activities[name] = ((...args: never[]) => proxy[typeOf(name)]!(...(args as unknown[]))) as ActivityFn;
  }
  return activities as unknown as SweepActivities;
}

/** prepareSweep, recordFailures and the input pages: quick work on the output directory. */
export const control = proxySweepActivities({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/** writeAggregate: reads every run's tables, so it may take long; it heartbeats its progress. */
export const aggregation = proxySweepActivities({
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5, initialInterval: '5 seconds', maximumInterval: '1 minute' },
});
