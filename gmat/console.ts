/**
 * Runs one GMAT script in a fresh GmatConsole process (`GmatConsole --batch`-style, one process per run).
 *
 *   cd <runDir> && GmatConsole --verbose off --startup_file <abs> --logfile <abs> --run <abs>
 *
 * Success = exit 0 AND the console's success line. Everything else is a GmatRunError with a
 * `kind`. The process runs in its own process group so that a timeout or a cancel kills the
 * whole tree, including anything GMAT (or a wrapper script) started.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import treeKill from 'tree-kill';
import type { GmatInstall } from './install';

export const SUCCESS_LINE = '*** GMAT Integration test (Console version) successful! ***';

/** How much of stdout (and stderr) is kept: the last 256 KiB. */
export const OUTPUT_CAP_BYTES = 256 * 1024;

export type GmatRunErrorKind = 'rejected' | 'timeout' | 'cancelled' | 'crashed' | 'missing-script';

export interface GmatRunErrorDetails {
  kind: GmatRunErrorKind;
  engineMessage: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  logPath: string;
  stdout?: string;
  stderr?: string;
}

export class GmatRunError extends Error {
  readonly kind: GmatRunErrorKind;
  /** The GMAT error lines (see extractEngineErrors); '' if GMAT printed none. */
  readonly engineMessage: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly logPath: string;
  /** Captured stdout tail (not part of the message). */
  readonly stdout: string;
  readonly stderr: string;
  constructor(message: string, d: GmatRunErrorDetails) {
    super(message);
    this.name = 'GmatRunError';
    this.kind = d.kind;
    this.engineMessage = d.engineMessage;
    this.exitCode = d.exitCode;
    this.signal = d.signal;
    this.logPath = d.logPath;
    this.stdout = d.stdout ?? '';
    this.stderr = d.stderr ?? '';
  }
}

export interface RunGmatConsoleOptions {
  install: Pick<GmatInstall, 'consolePath'>;
  scriptPath: string;
  startupPath: string;
  logPath: string;
  /** Working directory: the run directory. */
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Environment of the GMAT process (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface RunGmatConsoleResult {
  stdout: string;
  durationMs: number;
}

// ------------------------------------------------------------------------------------------
// Engine messages

const ERROR_MARK = '**** ERROR ****';
/** The quoted script line that ends a parse error: `   "  39: GMAT Sat.SMA = 0;"`. */
const QUOTED_SCRIPT_LINE = /^\s*"\s*\d+:.*"\s*$/;
const STANDALONE: RegExp[] = [
  /^\s*\*\*\* Mission run failed\./,
  /^\s*\*\*\* Mission run interrupted\./,
  /Moderator failed to initialize/,
  /^\s*Script file .* does not exist/,
  /^\s*ERROR: Startup file specified not found/,
  /^\s*Batch file .* does not exist/,
];
/** Lines that end an error block's continuation even without a blank line. */
const BLOCK_END: RegExp[] = [/^={5,}/, /^\*{3}/, /^\s*EXITing GmatConsole/, /^Usage:/, /^\s*Running mission\.\.\./];
const MAX_CONTINUATION = 12;

/**
 * The GMAT error text in a GmatConsole stdout: every `**** ERROR ****` line with its
 * continuation lines (up to and including the quoted offending script line), plus the
 * `*** Mission run failed.`, `Moderator failed to initialize`, `Script file … does not
 * exist` style lines. Banner, progress and usage text are left out. '' when there is none.
 */
export function extractEngineErrors(stdout: string): string {
  const lines = stdout.split(/\r\n|\r|\n/);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.includes(ERROR_MARK)) {
      out.push(line.trimEnd());
      let n = 0;
      while (i + 1 < lines.length && n < MAX_CONTINUATION) {
        const next = lines[i + 1] as string;
        if (next.trim() === '' || next.includes(ERROR_MARK) || BLOCK_END.some((r) => r.test(next))) break;
        if (STANDALONE.some((r) => r.test(next))) break;
        out.push(next.trimEnd());
        i++;
        n++;
        if (QUOTED_SCRIPT_LINE.test(next)) break;
      }
      continue;
    }
    if (STANDALONE.some((r) => r.test(line))) out.push(line.trim());
  }
  return out.join('\n');
}

// ------------------------------------------------------------------------------------------
// Output capture

class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly cap: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.cap && this.chunks.length > 1) {
      const first = this.chunks[0] as Buffer;
      if (this.size - first.length >= this.cap) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        const cut = this.size - this.cap;
        this.chunks[0] = first.subarray(cut);
        this.size -= cut;
        this.dropped += cut;
      }
    }
    if (this.size > this.cap && this.chunks.length === 1) {
      const only = this.chunks[0] as Buffer;
      const cut = this.size - this.cap;
      this.chunks[0] = only.subarray(cut);
      this.size -= cut;
      this.dropped += cut;
    }
  }
  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped > 0 ? `[gsweep: first ${this.dropped} bytes of output dropped]\n${body}` : body;
  }
}

// ------------------------------------------------------------------------------------------
// Killing the tree

let psAvailable: boolean | undefined;
function hasPs(): boolean {
  if (psAvailable === undefined) {
    psAvailable = (process.env.PATH ?? '/usr/bin:/bin')
      .split(path.delimiter)
      .some((d) => d !== '' && existsSync(path.join(d, 'ps')));
  }
  return psAvailable;
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // ESRCH: the group is already gone
  }
}

/**
 * Kills the whole process tree of `pid` (the leader of its own process group).
 *
 * Why both mechanisms:
 *  - `process.kill(-pid, SIGKILL)` reaches every process in the group atomically, including
 *    children whose parent already died (re-parented to init, invisible to a ppid walk),
 *    but misses anything that left the group (setsid/setpgid, e.g. a daemonising helper).
 *  - `tree-kill` walks parent → child links with `ps` and so finds descendants that left the
 *    group, but only while their ancestors are alive and is racy against forks.
 * So: SIGSTOP the group first (nothing in it can fork or exit during the walk), let
 * tree-kill SIGKILL every descendant it finds while the links still exist, then SIGKILL the
 * group for whatever the walk missed. The SIGKILL on the group also runs if tree-kill fails.
 */
export function killProcessTree(pid: number): Promise<void> {
  killGroup(pid, 'SIGSTOP');
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      killGroup(pid, 'SIGKILL');
      resolve();
    };
    // Never wait on the ps walk for long: the group SIGKILL must happen regardless.
    const guard = setTimeout(finish, 3000);
    if (!hasPs()) {
      finish();
      return;
    }
    try {
      treeKill(pid, 'SIGKILL', () => finish());
    } catch {
      finish();
    }
  });
}

// ------------------------------------------------------------------------------------------
// Dying with the worker

/**
 * Run by `sh` between setpriv and the engine: the parent-death signal set by setpriv only
 * comes if the parent was alive when it was set. A worker killed between the fork and that
 * moment is already gone, the child has been handed to another parent, and nothing would
 * stop it; so the child checks that its parent is still the worker ($1) and otherwise exits
 * 137 (as if killed) instead of starting the engine.
 */
const PARENT_CHECK = '[ "$PPID" = "$1" ] || exit 137; shift; exec "$@"';

let deathSignalPrefix: string[] | undefined;

/**
 * What GmatConsole is started behind, so that it dies with this process: `setpriv
 * --pdeathsig KILL -- sh -c <parent check> gsweep-engine <this process's pid>` where
 * util-linux provides setpriv (Linux); `setpriv --pdeathsig KILL --` alone where the check
 * does not run; else nothing.
 *
 * GmatConsole runs in its own process group (so a timeout can kill its whole tree), which
 * also means a worker killed with SIGKILL (OOM killer, `kill -9`, a Slurm job step ending)
 * takes no GMAT process with it: the orphan would go on running for minutes and writing
 * into a run directory whose retry is already running elsewhere. With the parent-death
 * signal set before exec, the kernel kills GmatConsole the moment the worker dies.
 * (Processes GMAT itself starts are not covered; GMAT starts none in console mode.)
 */
export function parentDeathSignalPrefix(): string[] {
  if (deathSignalPrefix === undefined) {
    deathSignalPrefix = [];
    if (process.platform === 'linux') {
      const onPath = (name: string) =>
        (process.env.PATH ?? '/usr/bin:/bin')
          .split(path.delimiter)
          .map((d) => (d === '' ? '' : path.join(d, name)))
          .find((p) => p !== '' && existsSync(p));
      const setpriv = onPath('setpriv');
      if (setpriv) {
        // Probe with `true` (a millisecond), not a Node process (~0.3 s of every start-up).
        const target = onPath('true') ?? process.execPath;
        const args = target === process.execPath ? [target, '-e', ''] : [target];
        const works = (prefix: string[]) => spawnSync(prefix[0]!, [...prefix.slice(1), ...args], { stdio: 'ignore', timeout: 10_000 }).status === 0;
        // The parent check too, where this machine's sh runs it (a sh without $PPID would
        // refuse every run); else the signal alone.
        const signal = [setpriv, '--pdeathsig', 'KILL', '--'];
        const checked = [...signal, '/bin/sh', '-c', PARENT_CHECK, 'gsweep-engine'];
        if (existsSync('/bin/sh') && works([...checked, String(process.pid)])) deathSignalPrefix = checked;
        else if (works(signal)) deathSignalPrefix = signal;
      }
    }
  }
  return deathSignalPrefix.at(-1) === 'gsweep-engine' ? [...deathSignalPrefix, String(process.pid)] : deathSignalPrefix;
}

// ------------------------------------------------------------------------------------------
// The driver

function assertAbsolute(what: string, p: string): void {
  if (typeof p !== 'string' || !path.isAbsolute(p)) {
    throw new TypeError(`runGmatConsole: ${what} must be an absolute path, got ${JSON.stringify(p)}`);
  }
}

/** Seconds for messages: `30 s`, `1.5 s`. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

export async function runGmatConsole(opts: RunGmatConsoleOptions): Promise<RunGmatConsoleResult> {
  checkConsoleOptions(opts);
  await checkBeforeStart(opts);
  const started = performance.now();
  const child = spawnConsole(opts);
  const out = new TailBuffer(OUTPUT_CAP_BYTES);
  const err = new TailBuffer(64 * 1024);
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  const { exit, reason } = await awaitConsoleExit(child, opts);
  const stdout = out.text();
  return judgeExit(opts, exit, reason, stdout, err.text(), performance.now() - started);
}

function checkConsoleOptions({ install, scriptPath, startupPath, logPath, cwd, timeoutMs }: RunGmatConsoleOptions): void {
  assertAbsolute('install.consolePath', install.consolePath);
  assertAbsolute('scriptPath', scriptPath);
  assertAbsolute('startupPath', startupPath);
  assertAbsolute('logPath', logPath);
  assertAbsolute('cwd', cwd);
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new TypeError(`runGmatConsole: timeoutMs must be a positive number, got ${timeoutMs}`);
  }
}

function gmatRunError(kind: GmatRunErrorKind, message: string, logPath: string, d: Partial<GmatRunErrorDetails> = {}): GmatRunError {
  return new GmatRunError(message, {
    kind,
    engineMessage: d.engineMessage ?? '',
    exitCode: d.exitCode ?? null,
    signal: d.signal ?? null,
    logPath,
    stdout: d.stdout,
    stderr: d.stderr,
  });
}

/** The failures that need no process: a cancel, a missing script, a console that cannot run. */
async function checkBeforeStart({ install, scriptPath, logPath, signal }: RunGmatConsoleOptions): Promise<void> {
  if (signal?.aborted) throw gmatRunError('cancelled', `GMAT run cancelled before it started (log: ${logPath})`, logPath);

  // GmatConsole exits 0 on a missing script ("Script file ... does not exist"): check first.
  const st = await fsp.stat(scriptPath).catch(() => null);
  if (!st || !st.isFile()) {
    throw gmatRunError('missing-script', `GMAT script ${scriptPath} does not exist (GmatConsole would exit 0 without running anything) (log: ${logPath})`, logPath, {
      engineMessage: `Script file ${scriptPath} does not exist`,
    });
  }

  if (signal?.aborted) throw gmatRunError('cancelled', `GMAT run cancelled before it started (log: ${logPath})`, logPath);

  // Checked here because through setpriv a missing console would only show as exit 127.
  try {
    await fsp.access(install.consolePath, fsConstants.X_OK);
  } catch (e) {
    const er = e as NodeJS.ErrnoException;
    throw new Error(`could not start GmatConsole ${install.consolePath}: ${er.code ?? ''} ${er.message}`.replace(/\s+/g, ' '));
  }
}

/** GmatConsole in its own process group, behind the parent-death wrapper when there is one. */
function spawnConsole({ install, scriptPath, startupPath, logPath, cwd, env }: RunGmatConsoleOptions): ChildProcess {
  const consoleArgs = ['--verbose', 'off', '--startup_file', startupPath, '--logfile', logPath, '--run', scriptPath];
  const prefix = parentDeathSignalPrefix();
  return spawn(
    prefix.length ? prefix[0]! : install.consolePath,
    prefix.length ? [...prefix.slice(1), install.consolePath, ...consoleArgs] : consoleArgs,
    { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env },
  );
}

type ConsoleExit = { code: number | null; sig: NodeJS.Signals | null };

/**
 * Waits for the console to exit, killing its tree at the timeout or on a cancel (`reason`
 * says which), then kills what is left of its group and drains its pipes.
 */
async function awaitConsoleExit(child: ChildProcess, { install, timeoutMs, signal }: RunGmatConsoleOptions): Promise<{ exit: ConsoleExit; reason: 'timeout' | 'cancelled' | null }> {
  let reason: 'timeout' | 'cancelled' | null = null;
  let killing: Promise<void> | null = null;
  const kill = (why: 'timeout' | 'cancelled') => {
    if (reason || child.pid === undefined) return;
    reason = why;
    killing = killProcessTree(child.pid);
  };
  const timer = setTimeout(() => kill('timeout'), timeoutMs);
  const onAbort = () => kill('cancelled');
  signal?.addEventListener('abort', onAbort, { once: true });

  let exit: ConsoleExit;
  try {
    exit = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, sig) => resolve({ code, sig }));
    });
  } catch (e) {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    if (child.pid !== undefined) await killProcessTree(child.pid);
    const er = e as NodeJS.ErrnoException;
    throw new Error(`could not start GmatConsole ${install.consolePath}: ${er.code ?? ''} ${er.message}`.replace(/\s+/g, ' '));
  }
  clearTimeout(timer);
  signal?.removeEventListener('abort', onAbort);
  if (killing) await killing;
  // Whatever the outcome, nothing of this run may outlive it: kill leftovers of the group
  // (the leader is reaped, so the group id is only still valid while members remain).
  if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  await drainPipes(child);
  return { exit, reason };
}

/** A descendant that escaped the group could hold the pipes open, so the wait is bounded. */
function drainPipes(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.stdout!.closed && child.stderr!.closed) return resolve();
    const t = setTimeout(() => {
      child.stdout!.destroy();
      child.stderr!.destroy();
      resolve();
    }, 2000);
    child.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Success = exit 0 and the success line; anything else is a GmatRunError of its kind. */
function judgeExit(
  { scriptPath, logPath, timeoutMs }: RunGmatConsoleOptions,
  exit: ConsoleExit,
  reason: 'timeout' | 'cancelled' | null,
  stdout: string,
  stderr: string,
  durationMs: number,
): RunGmatConsoleResult {
  const engineMessage = extractEngineErrors(stdout);
  const details = { exitCode: exit.code, signal: exit.sig, stdout, stderr, engineMessage };
  const tail = engineMessage ? `: ${engineMessage}` : '';

  if (reason === 'timeout') {
    throw gmatRunError('timeout', `GMAT run timed out after ${seconds(timeoutMs)} and was killed with its process tree${tail} (log: ${logPath})`, logPath, details);
  }
  if (reason === 'cancelled') {
    throw gmatRunError('cancelled', `GMAT run cancelled; its process tree was killed (log: ${logPath})`, logPath, details);
  }
  if (exit.sig !== null || (exit.code !== null && exit.code >= 128)) {
    const how = exit.sig !== null ? `signal ${exit.sig}` : `exit ${exit.code}`;
    const stderrTail = stderr.trim().split('\n').slice(-5).join('\n');
    const msg = engineMessage || stderrTail;
    throw gmatRunError('crashed', `GMAT crashed (${how})${msg ? `: ${msg}` : ''} (log: ${logPath})`, logPath, { ...details, engineMessage: msg });
  }
  if (exit.code !== 0) {
    throw gmatRunError(
      'rejected',
      `GMAT rejected the run (exit ${exit.code})${tail || ': no GMAT error lines in its output'} (log: ${logPath})`,
      logPath,
      details,
    );
  }
  if (!stdout.includes(SUCCESS_LINE)) {
    if (/Script file .* does not exist/.test(stdout)) {
      throw gmatRunError('missing-script', `GMAT could not find the script ${scriptPath}${tail} (log: ${logPath})`, logPath, details);
    }
    throw gmatRunError('rejected', `GMAT exited 0 without its success line "${SUCCESS_LINE}"${tail} (log: ${logPath})`, logPath, details);
  }
  return { stdout, durationMs };
}
