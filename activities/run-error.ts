/**
 * What a run's error means for the sweep: cancelled, failed for good (GMAT rejected it, its
 * outputs could not be read, its input is bad), or an infrastructure failure that a retry
 * may cure. The per-run and the batch activity both decide with this one function.
 */
import { ApplicationFailure } from '@temporalio/common';
import { GmatRunError } from '../gmat/console';
import { OutputParseError } from '../gmat/run-mission';
import { ScriptError } from '../gmat/script';
import { InputTableError } from '../output/input-tables';
import { PostprocessCancelled, PostprocessError } from '../postprocess/hook';
import { OverrideError } from '../sweep/overrides';
import { RUN_FAILURE_TYPES } from '../sweep/types';

export type RunVerdict =
  | { kind: 'cancelled'; message: string }
  | {
      kind: 'failed';
      type: string;
      message: string;
      details: Record<string, unknown>;
      /** The run wrote its own outcome.json saying why; the others need a failures.jsonl row. */
      selfRecorded: boolean;
    }
  | { kind: 'infrastructure' };

/** Failures whose run wrote its own outcome.json (gmat/run-mission.ts). */
const SELF_RECORDED: readonly string[] = [RUN_FAILURE_TYPES.rejected, RUN_FAILURE_TYPES.unparseable];

const failed = (type: string, message: string, details: Record<string, unknown>, selfRecorded = false): RunVerdict => ({
  kind: 'failed',
  type,
  message,
  details,
  selfRecorded,
});

export function classifyRunError(err: unknown, runId: number): RunVerdict {
  if (err instanceof GmatRunError) {
    if (err.kind === 'cancelled') return { kind: 'cancelled', message: `run ${runId} cancelled; GMAT process tree killed` };
    return failed(RUN_FAILURE_TYPES.rejected, err.message, { runId, logPath: err.logPath, kind: err.kind }, true);
  }
  if (err instanceof OutputParseError) return failed(RUN_FAILURE_TYPES.unparseable, err.message, { runId }, true);
  if (err instanceof PostprocessCancelled) return { kind: 'cancelled', message: err.message };
  if (err instanceof PostprocessError) return failed(RUN_FAILURE_TYPES.postprocess, err.message, { runId });
  if (err instanceof ScriptError || err instanceof OverrideError || err instanceof InputTableError) {
    return failed(RUN_FAILURE_TYPES.badInput, `run ${runId}: ${err.message}`, { runId });
  }
  // Raised on purpose as final (no GMAT on this worker, an unknown postprocess function).
  if (err instanceof ApplicationFailure && err.nonRetryable) {
    const type = err.type ?? RUN_FAILURE_TYPES.badInput;
    return failed(type, err.message, { runId }, SELF_RECORDED.includes(type));
  }
  return { kind: 'infrastructure' };
}
