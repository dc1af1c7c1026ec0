/** Up-front limit checks for the client; each message names the limit and the fix. */
import * as fs from 'node:fs';
import { formatCount, MAX_RUNS, MAX_TIMEOUT_SECONDS } from '../sweep/limits';
import { RequestError } from './request-error';

export function checkRunCount(field: string, count: number): void {
  if (!(count <= MAX_RUNS)) {
    throw new RequestError(
      field,
      `${Number.isFinite(count) && count < 1e21 ? formatCount(count) : String(count)} runs is more than gsweep's limit of ${formatCount(MAX_RUNS)} runs per sweep; split the sweep (or use fewer values)`,
    );
  }
}

export function checkTimeoutSeconds(field: string, seconds: number | undefined): void {
  if (seconds === undefined) return;
  if (!(seconds > 0) || seconds > MAX_TIMEOUT_SECONDS) {
    throw new RequestError(
      field,
      `${seconds} s is outside 0..${MAX_TIMEOUT_SECONDS} s (about 24.8 days), the longest timer Node and Temporal's SDK can hold; give a shorter timeout`,
    );
  }
}

/**
 * A regular file no larger than `limit` bytes. Refuses FIFOs, devices and directories before
 * opening them (opening a FIFO blocks until a writer appears).
 */
export function checkInputFile(field: string, file: string, limit: number, what: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new RequestError(field, `${JSON.stringify(file)} does not exist; give the path of ${what}`);
  }
  if (!stat.isFile()) {
    const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO (named pipe)' : 'not a regular file';
    throw new RequestError(field, `${JSON.stringify(file)} is ${kind}; give the path of ${what} (a regular file)`);
  }
  if (stat.size > limit) {
    throw new RequestError(
      field,
      `${JSON.stringify(file)} is ${formatCount(stat.size)} bytes, over the limit of ${formatCount(limit)} bytes for ${what}; ${field === 'script' ? 'GMAT scripts are kilobytes: check this is the right file' : 'split the sweep'}`,
    );
  }
}
