/**
 * `<out>/failures.jsonl`: failed runs that could not record their own `outcome.json`
 * (retries exhausted on an unwritable run directory, a lost worker, no GMAT on the worker),
 * appended by the workflow's `recordFailures` activity in small batches. Keeping them in the
 * output directory instead of in workflow state keeps continue-as-new input a few numbers
 * whatever the number of failures; the aggregate reads them back (an `outcome.json`, when
 * a later attempt or a resume wrote one, takes precedence).
 */
import type { FailureRecord } from '../sweep/types';
import { FAILURES_NAME } from './layout';
import { readLog, type Store } from './store';

/** The log's lines for `records`. */
function failureLines(records: FailureRecord[]): string {
  return records.map((r) => `${JSON.stringify({ run_id: r.runId, type: r.type ?? null, message: r.message })}\n`).join('');
}

/** Appends to the out's log (Store.append); a retried batch appends again, which the last-wins reader absorbs. */
export async function recordFailures(store: Store, records: FailureRecord[]): Promise<void> {
  if (records.length === 0) return;
  await store.append(FAILURES_NAME, failureLines(records));
}

/** run_id → message from the out's log and its parts (readLog), last line wins; a torn last line (a crash mid-append) is skipped. */
export async function readFailures(store: Store): Promise<Map<number, string>> {
  const log = await readLog(store, FAILURES_NAME, 'failures file');
  return parseFailures(log?.toString('utf8') ?? '');
}

/** run_id → message of the log's lines, last line wins; lines that are not a failure record are skipped. */
function parseFailures(text: string): Map<number, string> {
  const failures = new Map<number, string>();
  const messages = new Map<string, string>(); // many runs often share one message
  for (const line of text.split('\n')) {
    if (!line) continue;
    let record: { run_id?: unknown; message?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue;
    }
    if (typeof record.run_id !== 'number' || typeof record.message !== 'string') continue;
    const message = messages.get(record.message) ?? record.message;
    messages.set(message, message);
    failures.set(record.run_id, message);
  }
  return failures;
}
