/**
 * `warm` engine mode: long-lived GmatConsole processes fed one script after
 * another, so GMAT's start-up (ephemerides, plugins) is paid once per slot instead of once
 * per run — gmat-sweep's `reuse_gmat_context=True`.
 *
 * GmatConsole started with no arguments reads script paths from stdin and prints
 * `Enter a script file, q to quit, or an option:  ` (no newline) when ready for the next.
 * A parse or run error ends the whole process with exit 1, so a failed warm run tells us
 * only that *something* went wrong: the caller re-runs it once in a fresh process, which
 * yields GMAT's own error lines and log. Interactive GMAT splits input on whitespace, so
 * paths with spaces cannot be fed (the caller falls back to fresh mode).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { killProcessTree, parentDeathSignalPrefix, SUCCESS_LINE } from './console';
import type { GmatInstall } from './install';
import { RUN_FILES } from '../output/layout';
import { renderStartupFile } from './startup';

const PROMPT = 'Enter a script file, q to quit, or an option:  ';
const START_TIMEOUT_MS = 120_000;
const QUIT_GRACE_MS = 2_000;

/**
 * Why a warm run did not succeed. `died` and `no-success` are retried once in a fresh
 * process by the caller; `timeout` and `cancelled` are final (the console was killed).
 */
export type WarmFailure = 'died' | 'no-success' | 'timeout' | 'cancelled' | 'unfeedable';

export class WarmRunError extends Error {
  constructor(
    message: string,
    readonly output: string,
    readonly failure: WarmFailure = 'died',
  ) {
    super(message);
    this.name = 'WarmRunError';
  }
}

export function canFeedInteractively(scriptPath: string): boolean {
  return path.isAbsolute(scriptPath) && !/\s/.test(scriptPath) && scriptPath.length < 1000;
}

type Outcome = { ok: true } | { ok: false; reason: string; failure: WarmFailure };

/** One long-lived GmatConsole in its own slot directory (its startup file and shared log). */
export class WarmConsole {
  private buffer = '';
  private waiter: ((outcome: Outcome) => void) | undefined;
  private exited = false;
  private exitReason = '';
  /** What the slot directory holds once GMAT is up (startup file, log): the slot's own files. */
  private baseline = new Set<string>();
  runs = 0;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly slotDir: string,
  ) {
    child.stdout.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      if (this.buffer.endsWith(PROMPT)) this.settle({ ok: true });
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      this.exitReason = signal ? `GmatConsole killed by ${signal}` : `GmatConsole exited with code ${code}`;
      this.settle({ ok: false, reason: this.exitReason, failure: 'died' });
    });
    child.stdin.on('error', () => {
      // EPIPE after GMAT died mid-write: reported through the exit handler.
    });
  }

  static async start(install: GmatInstall, slotDir: string): Promise<WarmConsole> {
    // Private: the slot's log holds every run's overrides.
    fs.mkdirSync(slotDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(slotDir, 0o700);
    // Interactive GmatConsole reads gmat_startup_file.txt from its working directory; its
    // OUTPUT_PATH and log are the slot's. Every run's outputs have absolute Filenames.
    fs.writeFileSync(path.join(slotDir, RUN_FILES.startup), renderStartupFile(install, slotDir));
    const prefix = parentDeathSignalPrefix();
    const [command, ...args] = [...prefix, install.consolePath];
    const child = spawn(command, args, { cwd: slotDir, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const warm = new WarmConsole(child, slotDir);
    const ready = await warm.next(START_TIMEOUT_MS);
    if (!ready.ok) {
      await warm.kill();
      throw new WarmRunError(`warm GmatConsole did not start: ${ready.reason}`, warm.take());
    }
    warm.take();
    warm.baseline = new Set(fs.readdirSync(slotDir));
    return warm;
  }

  get alive(): boolean {
    return !this.exited;
  }

  private settle(outcome: Outcome): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(outcome);
  }

  private next(timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
    if (this.exited) return Promise.resolve({ ok: false, reason: this.exitReason, failure: 'died' });
    if (this.buffer.endsWith(PROMPT)) return Promise.resolve({ ok: true });
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => this.settle({ ok: false, reason: `GMAT run timed out after ${timeoutMs / 1000} s`, failure: 'timeout' }),
        timeoutMs,
      );
      const onAbort = () => this.settle({ ok: false, reason: 'GMAT run cancelled', failure: 'cancelled' });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiter = (outcome) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
    });
  }

  private take(): string {
    const text = this.buffer;
    this.buffer = '';
    return text;
  }

  /**
   * Runs one script. Resolves with GMAT's output for it when GMAT printed its success line
   * and the next prompt; rejects with WarmRunError otherwise (the console is then unusable).
   */
  async run(scriptPath: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    if (!canFeedInteractively(scriptPath)) {
      throw new WarmRunError(`${scriptPath} cannot be fed to interactive GmatConsole`, '', 'unfeedable');
    }
    this.runs++;
    this.child.stdin.write(`${scriptPath}\n`);
    const outcome = await this.next(timeoutMs, signal);
    const output = this.take();
    this.collectInto(path.dirname(scriptPath));
    if (!outcome.ok) {
      await this.kill();
      throw new WarmRunError(outcome.reason, output, outcome.failure);
    }
    if (!output.includes(SUCCESS_LINE)) {
      // A missing script only prints "does not exist" and prompts again.
      throw new WarmRunError('GmatConsole returned to its prompt without its success line', output, 'no-success');
    }
    return output.slice(0, output.length - PROMPT.length);
  }

  /**
   * Moves every file this run left in the slot directory (GMAT's OUTPUT_PATH and working
   * directory: `SaveMission 'plain.script'`, an optimizer's plain-named report) into the run
   * directory, where a fresh run would have written it; the patched script lives there. A name
   * the run directory already has is not overwritten: the slot's copy is dropped.
   */
  private collectInto(runDirectory: string): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.slotDir);
    } catch {
      return;
    }
    for (const name of names) {
      if (this.baseline.has(name)) continue;
      const from = path.join(this.slotDir, name);
      const to = path.join(runDirectory, name);
      try {
        if (fs.existsSync(to)) fs.rmSync(from, { recursive: true, force: true });
        else fs.renameSync(from, to);
      } catch {
        fs.rmSync(from, { recursive: true, force: true });
      }
    }
  }

  /** Sends `q` (never just closes stdin: GMAT would re-run its last input forever on EOF). */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.write('q\n');
    this.child.stdin.end();
    const timer = setTimeout(() => void this.kill(), QUIT_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (this.child.pid !== undefined && !this.exited) await killProcessTree(this.child.pid);
  }
}

/**
 * Idle warm consoles per (install, script): a run borrows one, returns it if it is still
 * healthy. At most `maxIdle` are kept; the oldest idle ones are closed beyond that.
 */
export class WarmPool {
  private readonly idle = new Map<string, WarmConsole[]>();
  private slots = 0;

  constructor(
    private readonly baseDir: string,
    private readonly maxIdle = 16,
  ) {}

  async acquire(install: GmatInstall, scriptKey: string): Promise<WarmConsole> {
    const key = `${install.consolePath}\n${scriptKey}`;
    const list = this.idle.get(key) ?? [];
    while (list.length > 0) {
      const warm = list.pop()!;
      if (warm.alive) {
        this.busy.add(warm.slotDir);
        return warm;
      }
    }
    fs.mkdirSync(this.baseDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.baseDir, 0o700);
    const slotDir = path.join(this.baseDir, `slot-${process.pid}-${this.slots++}`);
    this.busy.add(slotDir);
    try {
      return await WarmConsole.start(install, slotDir);
    } catch (err) {
      this.busy.delete(slotDir);
      throw err;
    }
  }

  release(install: GmatInstall, scriptKey: string, warm: WarmConsole): void {
    this.busy.delete(warm.slotDir);
    if (this.closed) {
      // Returned after the worker stopped: nothing keeps it, nor its slot directory.
      void warm.close().then(() => this.removeUnused());
      return;
    }
    if (!warm.alive) return;
    const key = `${install.consolePath}\n${scriptKey}`;
    const list = this.idle.get(key) ?? [];
    list.push(warm);
    this.idle.set(key, list);
    const all = [...this.idle.values()].flat();
    if (all.length > this.maxIdle) {
      const [oldestKey, oldestList] = [...this.idle.entries()].find(([, l]) => l.length > 0)!;
      const victim = oldestList.shift()!;
      if (oldestList.length === 0) this.idle.delete(oldestKey);
      void victim.close();
    }
  }

  private closed = false;
  /** Slot directories of consoles lent out (a run is using them). */
  private readonly busy = new Set<string>();

  /** Removes every slot directory no run is using, then the pool's directory once empty. */
  private removeUnused(): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.baseDir);
    } catch {
      return;
    }
    for (const name of names) {
      const dir = path.join(this.baseDir, name);
      if (!this.busy.has(dir)) fs.rmSync(dir, { recursive: true, force: true });
    }
    try {
      fs.rmdirSync(this.baseDir);
    } catch {
      // a busy slot is left; it is removed when its console comes back
    }
  }

  /** Closes the idle consoles and removes the pool's directory (slot logs hold override values). */
  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((w) => w.close()));
    this.removeUnused();
  }
}
