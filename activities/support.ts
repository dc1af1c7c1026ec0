/** What every activity of the sweep shares: final failures, heartbeats, the worker's client. */
import { Context, heartbeat } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { InputTableError } from '../output/input-tables';
import { RUN_FAILURE_TYPES } from '../sweep/types';

const HEARTBEAT_INTERVAL_MS = 1000;

/** Runs a stepwise computation, yielding to the event loop between steps (heartbeats, cancellation). */
export async function buildInSteps(steps: Generator<void, void>): Promise<void> {
  for (let r = steps.next(); !r.done; r = steps.next()) await new Promise<void>((resolve) => setImmediate(resolve));
}

export function nonRetryable(type: string, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}

/**
 * Heartbeats from the main thread while GMAT runs in its child process. The first one goes
 * out after an interval, not at once: a run shorter than that needs none (its completion
 * tells the server it is alive), which saves the server one RPC and one write per run.
 */
export function startHeartbeats(): () => void {
  const timer = setInterval(() => heartbeat(), HEARTBEAT_INTERVAL_MS);
  return () => clearInterval(timer);
}

/** The worker's Temporal client, passed to activities (absent in a bare test environment). */
export function workerClient(): Client | undefined {
  try {
    return Context.current().client;
  } catch {
    return undefined;
  }
}

/** A missing or changed input table is final: retrying cannot bring the original back. */
export async function inputsChecked<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InputTableError) throw nonRetryable(RUN_FAILURE_TYPES.badInput, err.message);
    throw err;
  }
}
