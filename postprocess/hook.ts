/**
 * The postprocess hook (gmat-sweep 0.6 `postprocess`): runs after each successful GMAT run,
 * in that run's directory, before the run is recorded as ok.
 *
 * A command (`--postprocess "<command line>"`) runs as `/bin/sh -c "<command line>"` with the
 * run directory as working directory, in its own process group (a timeout or cancel kills
 * the whole group), output to `<run>/postprocess.log`, and this environment:
 *
 *   GSWEEP_RUN_ID      the run's id
 *   GSWEEP_RUN_DIR     absolute run directory (also the working directory)
 *   GSWEEP_OVERRIDES   the run's overrides as JSON ({"Sat.SMA": 7100})
 *   GSWEEP_CONTEXT     the run's context as JSON ({} when none was given); left out when
 *                      longer than ENV_VALUE_MAX (Linux refuses one environment string
 *                      over 128 KiB): read GSWEEP_CONTEXT_FILE instead
 *   GSWEEP_CONTEXT_FILE `<run>/postprocess-context.json`, the same JSON, always written
 *   GSWEEP_OUTPUTS     JSON {table key: absolute path} of the run's Parquet tables
 *                      (report__Track, solver__DC, ...)
 *   GSWEEP_EXTRA_DIR   `<run>/extra/`, created empty: every <name>.csv/.json/.parquet left
 *                      there becomes the extra table `extra__<name>`
 *   GSWEEP_SWEEP_ID    the sweep's id
 *
 * Exit status 0 is success. A function given from code (registered on the worker) gets the
 * same facts as a `PostprocessRun` and succeeds by returning.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { killProcessTree } from '../gmat/console';
import type { PostprocessRun } from '../gmat/run-mission';
import { RUN_FILES, runFilePath } from '../output/layout';
import type { Table } from '../tables/table';
import { listExtraTables, readExtraTable } from './extra-tables';

export type { PostprocessRun };


/** A hook from code; register it on the worker under a name the request gives. */
export type PostprocessFunction = (run: PostprocessRun, signal?: AbortSignal) => Promise<void> | void;

/** The hook failed: the run is failed with postprocess_status "failed"; its GMAT outputs stay. */
export class PostprocessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostprocessError';
  }
}

/** The hook was cancelled with the run; not a hook failure. */
export class PostprocessCancelled extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostprocessCancelled';
  }
}

function tail(file: string, lines = 20): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Longest environment value gsweep passes inline; Linux's limit for one string is 128 KiB. */
const ENV_VALUE_MAX = 32 * 1024;

function postprocessEnv(run: PostprocessRun): Record<string, string> {
  const context = JSON.stringify(run.context);
  return {
    GSWEEP_RUN_ID: String(run.runId),
    GSWEEP_RUN_DIR: run.runDirectory,
    GSWEEP_OVERRIDES: JSON.stringify(run.overrides),
    ...(context.length <= ENV_VALUE_MAX ? { GSWEEP_CONTEXT: context } : {}),
    GSWEEP_CONTEXT_FILE: runFilePath(run.runDirectory, RUN_FILES.postprocessContext),
    GSWEEP_OUTPUTS: JSON.stringify(run.outputs),
    GSWEEP_EXTRA_DIR: run.extraDir,
    GSWEEP_SWEEP_ID: run.sweepId,
  };
}

/** Runs a command line as the hook. Resolves on exit 0; throws PostprocessError otherwise. */
export async function runPostprocessCommand(command: string, run: PostprocessRun, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const logPath = runFilePath(run.runDirectory, RUN_FILES.postprocessLog);
  const where = `postprocess command ${JSON.stringify(command)} (run ${run.runId}, log: ${logPath})`;
  fs.writeFileSync(runFilePath(run.runDirectory, RUN_FILES.postprocessContext), JSON.stringify(run.context));
  const log = fs.openSync(logPath, 'w');
  let child;
  try {
    child = spawn('/bin/sh', ['-c', command], {
      cwd: run.runDirectory,
      env: { ...process.env, ...postprocessEnv(run) },
      stdio: ['ignore', log, log],
      detached: true,
    });
  } catch (err) {
    // spawn throws at once for E2BIG (environment too large) and the like: the hook's own
    // failure, final for the run, never an infrastructure failure to retry.
    throw new PostprocessError(`${where} could not start: ${(err as Error).message}`);
  } finally {
    fs.closeSync(log);
  }
  const proc = child;
  let reason: 'timeout' | 'cancelled' | undefined;
  const stop = (why: 'timeout' | 'cancelled') => {
    if (reason || proc.pid === undefined) return;
    reason = why;
    void killProcessTree(proc.pid);
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  const onAbort = () => stop('cancelled');
  signal?.addEventListener('abort', onAbort);
  if (signal?.aborted) onAbort();
  const exit = await new Promise<{ code: number | null; sig: NodeJS.Signals | null; error?: Error }>((resolve) => {
    proc.once('error', (error) => resolve({ code: null, sig: null, error }));
    proc.once('exit', (code, sig) => resolve({ code, sig }));
  });
  clearTimeout(timer);
  signal?.removeEventListener('abort', onAbort);
  if (reason === 'cancelled') throw new PostprocessCancelled(`${where} cancelled; its process group was killed`);
  if (reason === 'timeout') throw new PostprocessError(`${where} timed out after ${timeoutMs / 1000} s; its process group was killed`);
  if (exit.error) throw new PostprocessError(`${where} could not start: ${exit.error.message}`);
  if (exit.code !== 0) {
    const out = tail(logPath);
    throw new PostprocessError(`${where} ${exit.sig ? `was killed by ${exit.sig}` : `exited with code ${exit.code}`}${out ? `:\n${out}` : ''}`);
  }
}

/** Runs a function hook; anything it throws is the hook's failure. */
export async function runPostprocessFunction(name: string, fn: PostprocessFunction, run: PostprocessRun, signal?: AbortSignal): Promise<void> {
  try {
    await fn(run, signal);
  } catch (err) {
    if (signal?.aborted) throw new PostprocessCancelled(`postprocess function "${name}" cancelled (run ${run.runId})`);
    throw new PostprocessError(`postprocess function "${name}" failed (run ${run.runId}): ${(err as Error)?.stack ?? String(err)}`);
  }
}

/** The extra tables the hook left in `extraDir`, read; an unreadable one is the hook's failure. */
export async function collectExtraTables(extraDir: string): Promise<Map<string, { table: Table; source: string }>> {
  const found = new Map<string, { table: Table; source: string }>();
  let files: Map<string, string>;
  try {
    files = listExtraTables(extraDir);
  } catch (err) {
    throw new PostprocessError((err as Error).message);
  }
  for (const [name, file] of files) {
    try {
      found.set(name, { table: await readExtraTable(file), source: file });
    } catch (err) {
      throw new PostprocessError(`postprocess extra table ${file} cannot be read: ${(err as Error).message}`);
    }
  }
  return found;
}
