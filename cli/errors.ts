/**
 * Failures a CLI user can cause, as one sentence and an exit code (2 bad input, 1 the sweep
 * did not complete), never a stack trace (GSWEEP_DEBUG=1 adds it for bug reports).
 */
import { Connection, WorkflowNotFoundError } from '@temporalio/client';
import { connectOptions, type ConnectionSettings } from '../temporal/connection';
import { checkNamespace, checkTlsFiles, ConnectionProblem, explainConnectFailure } from '../temporal/connect-check';
import { fsReason } from '../output/fs-reason';
import { GridArgError } from '../request/grid-args';
import { RequestError } from '../request/request';
import { GmatNotFoundError } from '../gmat/install';
import { SetupGmatError } from '../gmat/setup';
import { OverrideError } from '../sweep/overrides';
import { ArchiveError } from '../output/archive';
import { UnsafePathError } from '../output/safe-files';
import { AnalysisError } from '../analysis/table';
import { SensitivityError } from '../sensitivity/saltelli';
import { log } from './log';

/** Every run ok. */
export const EXIT_OK = 0;
/** A run failed, or the sweep did not complete. */
export const EXIT_RUNS_FAILED = 1;
/** Bad input: nothing was started or created. */
export const EXIT_BAD_INPUT = 2;

/** A command line that cannot mean anything: the message says what to give instead. */
export class UsageError extends Error {}

/** How long a CLI command waits for a Temporal frontend before naming it and giving up. */
export const CONNECT_TIMEOUT_S = 5;

/** A failure already phrased for the user. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Ctrl-C / SIGTERM while following a sweep; the message says how to reattach or resume. */
export class InterruptedError extends CliError {
  constructor(hint: string) {
    super(`interrupted; ${hint}`, EXIT_RUNS_FAILED);
    this.name = 'InterruptedError';
  }
}

/**
 * Connects and checks the namespace exists, before any output directory is touched; every
 * failure is one sentence with exit 2 (temporal/connect-check.ts).
 */
export async function connectOrExplain(settings: ConnectionSettings): Promise<Connection> {
  let connection: Connection;
  try {
    checkTlsFiles(settings);
    connection = await Connection.connect({ ...connectOptions(settings), connectTimeout: `${CONNECT_TIMEOUT_S}s` });
  } catch (err) {
    if (err instanceof ConnectionProblem) throw new CliError(err.message, EXIT_BAD_INPUT);
    throw new CliError(await explainConnectFailure(settings, err, CONNECT_TIMEOUT_S), EXIT_BAD_INPUT);
  }
  try {
    await checkNamespace(settings, (request) => connection.workflowService.describeNamespace(request));
  } catch (err) {
    await connection.close();
    if (err instanceof ConnectionProblem) throw new CliError(err.message, EXIT_BAD_INPUT);
    throw err;
  }
  return connection;
}

let interruptCurrent: ((err: InterruptedError) => void) | undefined;
let interrupted = false;
let installed = false;

/**
 * Installs the CLI's SIGINT/SIGTERM handling once: while a sweep is being followed
 * (`interruptible`), the first signal rejects it with InterruptedError so `finally` blocks
 * (embedded server, worker) still run; at any other moment it says what was interrupted and
 * exits 1. A second signal exits at once.
 */
export function installInterruptHandler(log: (line: string) => void): void {
  // Installed only once the heavy synchronous checks are done: a JS handler cannot run while
  // the event loop is busy, and before then the default action ends the process at once.
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(signal === 'SIGINT' ? 130 : 143);
    interrupted = true;
    if (interruptCurrent) {
      interruptCurrent(new InterruptedError(currentHint));
      return;
    }
    log('gsweep: interrupted before a sweep was being followed; if one was started, `gsweep status <sweep-id>` or `gsweep resume <out>` picks it up');
    process.exit(EXIT_RUNS_FAILED);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

let currentHint = '';

/** Runs `work` until it settles or the user interrupts (see installInterruptHandler). */
export async function interruptible<T>(work: Promise<T>, hint: string, onInterrupt?: () => void): Promise<T> {
  currentHint = hint;
  const stop = new Promise<never>((_, reject) => {
    interruptCurrent = (err) => {
      onInterrupt?.();
      reject(err);
    };
  });
  // Once interrupted, `work` may still settle (rejected by the abort): nobody waits for it.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, stop]);
  } finally {
    interruptCurrent = undefined;
  }
}


/** Errno codes that say the path given is unusable (bad input), not that the machine failed. */
const FS_INPUT_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENAMETOOLONG', 'EISDIR', 'ELOOP', 'EEXIST']);
const FS_VERBS: Record<string, string> = { mkdir: 'create', open: 'open', rename: 'rename', unlink: 'remove', rmdir: 'remove', write: 'write', scandir: 'read', symlink: 'create', copyfile: 'copy', access: 'use', stat: 'use', lstat: 'use' };

/** The sentence and exit code for an error that reached the top of the CLI. */
export function explainUnexpected(err: unknown, namespace?: string): { message: string; code: number } {
  if (err instanceof CliError) return { message: err.message, code: err.exitCode };
  if (err instanceof WorkflowNotFoundError) {
    return {
      message: `no sweep with id ${JSON.stringify(err.workflowId)} on this Temporal server${namespace ? ` (namespace ${namespace})` : ''}; give the id \`gsweep run\` printed, and the same --address / --namespace`,
      code: EXIT_BAD_INPUT,
    };
  }
  const fsErr = err as NodeJS.ErrnoException;
  if (typeof fsErr?.code === 'string' && typeof fsErr.path === 'string' && typeof fsErr.syscall === 'string') {
    // A raw errno (`EACCES: permission denied, mkdir '...'`) as one sentence naming the path.
    return {
      message: `cannot ${FS_VERBS[fsErr.syscall] ?? 'use'} ${fsErr.path}: ${fsReason(fsErr.code)} (${fsErr.code}); check the path and its permissions, or choose another directory`,
      code: FS_INPUT_CODES.has(fsErr.code) ? EXIT_BAD_INPUT : EXIT_RUNS_FAILED,
    };
  }
  const e = err as Error;
  const text = (e?.message ?? String(err)).split('\n')[0];
  return { message: `${text}${process.env.GSWEEP_DEBUG ? '' : ' (GSWEEP_DEBUG=1 shows where it happened)'}`, code: EXIT_RUNS_FAILED };
}

/** Refusals of bad input raised below the CLI: their message is the whole answer, exit 2. */
function isBadInput(err: unknown): boolean {
  return (
    err instanceof RequestError ||
    err instanceof GridArgError ||
    err instanceof UsageError ||
    err instanceof GmatNotFoundError ||
    err instanceof SetupGmatError ||
    err instanceof OverrideError ||
    err instanceof ArchiveError ||
    err instanceof AnalysisError ||
    err instanceof SensitivityError ||
    err instanceof UnsafePathError
  );
}

/** Says on stderr why a command failed and returns its exit code; commander's own exits keep theirs. */
export function exitCodeOf(err: unknown): number {
  const e = err as Error & { code?: string; exitCode?: number };
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
  if (e.code?.startsWith('commander.')) return EXIT_BAD_INPUT;
  if (isBadInput(err)) {
    log(`gsweep: error: ${e.message}`);
    return EXIT_BAD_INPUT;
  }
  const { message, code } = explainUnexpected(err, process.env.TEMPORAL_NAMESPACE);
  log(`gsweep: ${code === EXIT_BAD_INPUT ? 'error: ' : ''}${message}`);
  if (process.env.GSWEEP_DEBUG && e.stack) log(e.stack);
  return code;
}
