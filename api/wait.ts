/**
 * Following a sweep to its end: progress while it runs, and how it ended (completed with its
 * summary, or cancelled, failed, terminated, timed out with the reason).
 */
import { setMaxListeners } from 'node:events';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { SweepProgress, SweepSummary } from '../sweep/types';
import { sweepProgress, type SweepHandle } from './handle';

/** How a sweep ended: its summary when it completed, else its final status and why. */
export type SweepOutcome =
  | { status: 'completed'; summary: SweepSummary }
  | { status: 'cancelled' | 'failed' | 'terminated' | 'timed-out'; message: string };

/**
 * The most specific message in a failure chain: an ApplicationFailure's own message, not the
 * SDK's wrappers ("Workflow execution failed", "Activity task failed").
 */
function rootCauseMessage(err: unknown): string {
  let e: unknown = err;
  let best = err instanceof Error ? err.message : String(err);
  while (e instanceof Error) {
    if (e instanceof ApplicationFailure) return e.message;
    if (!(e instanceof WorkflowFailedError) && !(e instanceof ActivityFailure)) best = e.message;
    e = (e as Error & { cause?: unknown }).cause;
  }
  return best;
}

/**
 * Waits for the sweep (following continue-as-new), calling `onProgress` about twice a second.
 * A sweep that ends other than completed is an outcome, not an error; throws when the server
 * fails or `signal` aborts the waiting.
 */
export async function waitForSweep(
  handle: SweepHandle,
  onProgress?: (progress: SweepProgress) => void,
  pollMs = 500,
  /** Aborts the waiting (Ctrl-C): every call to the server is cancelled. */
  signal?: AbortSignal,
): Promise<SweepOutcome> {
  /**
   * Runs one server call under its own signal, linked to `signal`. The SDK adds an 'abort'
   * listener to the signal of every call it makes and never removes it, so one signal shared
   * by a poll every 500 ms piles them up (a MaxListenersExceededWarning after 10 polls, and
   * memory that grows with the sweep's length).
   */
  const scoped = <T>(fn: () => Promise<T>, longPolls = false): Promise<T> => {
    if (!signal) return fn();
    const own = new AbortController();
    // handle.result() is one call here but a chain of long polls inside, each adding its one
    // listener; each lasts up to the server's long-poll timeout, so they grow by a few a minute.
    if (longPolls) setMaxListeners(0, own.signal);
    const forward = () => own.abort();
    if (signal.aborted) own.abort();
    else signal.addEventListener('abort', forward, { once: true });
    return handle.client.withAbortSignal(own.signal, fn).finally(() => signal.removeEventListener('abort', forward));
  };
  let finished = false;
  const poller = (async () => {
    while (!finished && !signal?.aborted) {
      try {
        onProgress?.(await scoped(() => sweepProgress(handle)));
      } catch {
        // Between continue-as-new executions or while a worker restarts, queries can fail briefly.
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  })();
  try {
    const summary = await scoped(() => handle.result(), true);
    return { status: 'completed', summary };
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const description = await scoped(() => handle.describe());
      const status = description.status.name;
      if (status === 'CANCELLED') return { status: 'cancelled', message: 'the sweep was cancelled' };
      if (status === 'TERMINATED') return { status: 'terminated', message: 'the sweep was terminated' };
      if (status === 'TIMED_OUT') return { status: 'timed-out', message: 'the sweep timed out' };
      return { status: 'failed', message: rootCauseMessage(err) };
    }
    throw err;
  } finally {
    finished = true;
    await poller;
  }
}
