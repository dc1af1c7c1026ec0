/**
 * The SDK's log lines as a sweep's user wants them: a run that fails is one line naming the
 * run and GMAT's first error line (its outcome.json and the manifest have the rest), not the
 * SDK's multi-line dump of the failure object with a stack. Everything else keeps the SDK's
 * content, on one line, without stacks. GSWEEP_LOG_LEVEL=DEBUG (or TRACE) restores the full
 * SDK output.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { activityType, RUN_FAILED_LOG_MESSAGE } from '../sweep/activity-names';

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** One line per SDK log entry; a failed run is `gsweep: run-3 failed (GmatRejected): ...`. */
export function formatLogEntry(entry: LogEntry): string {
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  const error = meta.error as (Error & { type?: string }) | undefined;
  if (entry.message === RUN_FAILED_LOG_MESSAGE && typeof meta.runId === 'number') {
    return `gsweep: run-${meta.runId} failed${meta.failureType ? ` (${String(meta.failureType)})` : ''}: ${firstLine(String(meta.reason ?? 'unknown error'))}`;
  }
  // `gsweep.runBatch`, `gsweep.runGmat` (and the bare `runGmat` of histories recorded before the prefix).
  const runActivities = [activityType('runBatch'), activityType('runGmat'), 'runGmat'];
  if (entry.message === 'Activity failed' && runActivities.includes(meta.activityType as string)) {
    const retry = error && (error as { nonRetryable?: boolean }).nonRetryable === false ? ` (attempt ${meta.attempt}, will be retried)` : '';
    return `gsweep: ${meta.activityId} failed${error?.type ? ` (${error.type})` : ''}: ${firstLine(error?.message ?? 'unknown error')}${retry}`;
  }
  const where = [meta.activityId, meta.workflowId].filter((x) => typeof x === 'string').join(' of ');
  const reason = error ? `: ${firstLine(error.message)}` : '';
  return `gsweep: [${entry.level}] ${entry.message}${where ? ` (${where})` : ''}${reason}`;
}

export function gsweepLogger(level: LogLevel = 'WARN', write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): DefaultLogger {
  if (level === 'DEBUG' || level === 'TRACE') return new DefaultLogger(level);
  return new DefaultLogger(level, (entry) => write(formatLogEntry(entry)));
}
