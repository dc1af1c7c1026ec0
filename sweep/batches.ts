/**
 * How a sweep cuts its run ids into batches (pure; the workflow calls it).
 *
 * A batch runs its runs one after another on one worker, so the price of
 * one durable activity (history events, a matching round trip, a workflow task) is paid per
 * batch instead of per run. Sizing follows guided self-scheduling: a batch aims at a target
 * of engine time, but never takes more than its share of what is left, so batches shrink
 * towards the end of a sweep and every slot finishes at about the same time.
 */
import { axisValueAt, gridIndices, sortedKeys } from './grid';
import type { BatchSpec, RunSet } from './types';
import { DEFAULT_BATCH_SECONDS } from './types';

/** Batches cut before any has finished: small, so the first measurement comes back soon. */
export const PROBE_BATCH_RUNS = 2;
/** Batches in flight before any worker has said how many engine slots it has. */
export const PROBE_WINDOW = 8;
/**
 * Upper bound of a batch, whatever the measurements say: a batch that is lost with its worker
 * is re-run from its last heartbeat, and its runs are one activity summary in the Web UI.
 */
export const MAX_BATCH_RUNS = 10_000;

/** What the workflow knows when it cuts the next batch. */
export interface BatchPlanState {
  /** Run ids not yet given to any batch. */
  remaining: number;
  /** Engine seconds per run id measured from finished batches (undefined before the first). */
  secondsPerRun?: number;
  /** Engine slots of the workers seen so far (0 before the first batch finished). */
  slots: number;
}

/** Runs in the next batch (at least 1 while runs remain). */
export function nextBatchSize(spec: BatchSpec | undefined, state: BatchPlanState): number {
  const { remaining, secondsPerRun, slots } = state;
  if (remaining <= 0) return 0;
  if (spec?.size !== undefined) return Math.min(spec.size, remaining);
  if (secondsPerRun === undefined) return Math.min(PROBE_BATCH_RUNS, remaining);
  const seconds = spec?.seconds ?? DEFAULT_BATCH_SECONDS;
  const byTime = secondsPerRun > 0 ? Math.floor(seconds / secondsPerRun) : MAX_BATCH_RUNS;
  // Two batches per slot are in flight and share the slot, so a batch takes at most
  // 1/(2 × slots) of what is left: it then ends by the time the whole sweep could, and the
  // last batches are a run or two.
  const share = Math.ceil(remaining / (2 * Math.max(1, slots)));
  return Math.max(1, Math.min(byTime, share, MAX_BATCH_RUNS, remaining));
}

/**
 * Batches the workflow keeps in flight. Two per known slot keep every engine busy (while one
 * batch patches its next run or parses its last, the other's run holds the slot, and no
 * Temporal round trip sits between two runs), and two more go to the task queue for workers
 * that have not reported yet. Batches of one run are
 * sized by nothing, so they may fill the whole window the user allows, as runs did before
 * batches existed. Never more than `maxInFlight`: one batch runs one GMAT at a time, so that
 * is also the bound on runs at once.
 */
export function batchWindow(maxInFlight: number, slots: number, lastSize: number, pinned: boolean): number {
  if (pinned || lastSize <= 1) return maxInFlight;
  const wanted = slots > 0 ? 2 * slots + 2 : PROBE_WINDOW;
  return Math.max(1, Math.min(maxInFlight, wanted));
}

/** Folds one finished batch into the engine-seconds-per-run estimate (a moving average). */
export function updateSecondsPerRun(previous: number | undefined, engineMs: number, runs: number): number | undefined {
  if (runs <= 0) return previous;
  const sample = engineMs / 1000 / runs;
  return previous === undefined ? sample : 0.7 * previous + 0.3 * sample;
}

function formatValue(v: unknown): string {
  if (typeof v === 'number') return String(Number(v.toPrecision(6)));
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/**
 * The Web UI's one line for a batch: `runs 64–95 · Sat.SMA 6840…7020`. Grid values that
 * travel in the run set are named (the axes that change within the batch); other run sets
 * are named by kind, their values live in the output directory or are drawn by the activity.
 */
export function batchSummary(runSet: RunSet, first: number, count: number): string {
  const last = first + count - 1;
  const runs = count === 1 ? `run ${first}` : `runs ${first}–${last}`;
  let detail = '';
  if (runSet.kind === 'grid') {
    const a = new Map(gridIndices(runSet.axes, first));
    const b = new Map(gridIndices(runSet.axes, last));
    const parts: string[] = [];
    for (const key of sortedKeys(runSet.axes)) {
      const axis = runSet.axes[key]!;
      const lo = axisValueAt(axis, a.get(key)!);
      const hi = axisValueAt(axis, b.get(key)!);
      if (lo === undefined || hi === undefined) continue;
      if (a.get(key) === b.get(key)) parts.push(`${key}=${formatValue(lo)}`);
      else parts.push(`${key} ${formatValue(lo)}…${formatValue(hi)}`);
    }
    detail = parts.join(', ');
  } else if (runSet.kind === 'samples') detail = `rows ${first}–${last} of ${runSet.rowCount}`;
  else detail = `${runSet.kind === 'monteCarlo' ? 'Monte Carlo' : 'Latin hypercube'} seed ${runSet.seed}`;
  const text = detail ? `${runs} · ${detail}` : runs;
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
