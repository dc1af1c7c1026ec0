/** How the sweep workflow words the failures of its activities (sandbox-safe). */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** A failure message is kept to this many characters (the run's own outcome.json has the rest). */
const NOTE_MAX_CHARS = 1000;

export function failureMessage(err: unknown): string {
  let e: unknown = err;
  // ActivityFailure wraps the real cause (ApplicationFailure, TimeoutFailure, ...).
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  const message = e instanceof Error ? e.message : String(e);
  return message.length > NOTE_MAX_CHARS ? `${message.slice(0, NOTE_MAX_CHARS)}...` : message;
}

export function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return cause instanceof ApplicationFailure ? cause.type ?? undefined : undefined;
}

/**
 * A failed sweep-level activity fails the sweep with the activity's own reason as the
 * workflow's failure message (CLI, Temporal UI), not the SDK's "Activity task failed".
 */
export function surfaceCause(step: string): (err: unknown) => never {
  return (err: unknown) => {
    if (err instanceof ActivityFailure) {
      throw ApplicationFailure.create({ type: 'SweepStepFailed', message: `${step} failed: ${failureMessage(err)}`, nonRetryable: true, cause: err });
    }
    throw err;
  };
}
