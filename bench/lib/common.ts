/**
 * Shared helpers for the benchmarks in `bench/`: the machine description every bench prints,
 * child processes (so each measurement has its own peak RSS), and small formatting helpers.
 *
 * Benchmarks print figures; they never assert on time.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const BENCH_DIR = path.join(REPO_ROOT, 'bench');
export const SHARED_MISSIONS = path.resolve(REPO_ROOT, '..', 'shared', 'missions');

export function machine(): Record<string, string | number> {
  const cpu = fs
    .readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('model name'))
    ?.split(':')[1]
    ?.trim();
  return {
    nproc: os.availableParallelism(),
    memTotalGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    cpu: cpu ?? os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadavg1: Number(os.loadavg()[0].toFixed(2)),
  };
}

export function printMachine(): void {
  const m = machine();
  console.log(`machine: nproc=${m.nproc} mem=${m.memTotalGiB} GiB cpu="${m.cpu}" node=${m.node} load(1m)=${m.loadavg1}`);
}

/** Peak resident set size of this process so far, in MiB (getrusage ru_maxrss). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function mib(bytes: number): number {
  return bytes / 2 ** 20;
}

export function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line that parses as JSON (children report their figures this way). */
  json?: Record<string, unknown>;
}

/** Runs a child process to completion, forwarding its stderr when `echo` is set. */
export function runChild(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; echo?: boolean; timeoutMs?: number } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (options.echo) process.stderr.write(d);
    });
    const timer = options.timeoutMs
      ? setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${command} ${args.join(' ')} timed out after ${options.timeoutMs} ms\n${stderr}`));
        }, options.timeoutMs)
      : undefined;
    child.once('error', reject);
    child.once('exit', (code) => {
      if (timer) clearTimeout(timer);
      let json: Record<string, unknown> | undefined;
      for (const line of stdout.trim().split('\n').reverse()) {
        try {
          json = JSON.parse(line) as Record<string, unknown>;
          break;
        } catch {
          // not the report line
        }
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

/** Node with tsx, so a child can run a bench `.ts` file directly. */
export function nodeTs(script: string, args: string[], nodeFlags: string[] = []): [string, string[]] {
  return [process.execPath, [...nodeFlags, '--import', 'tsx', script, ...args]];
}

export function python(): string {
  return process.env.PYTHON ?? 'python3';
}

/** `--name value` / `--flag` parsing, enough for bench scripts. */
export function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      if (v !== undefined) flags[k] = v;
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[k] = argv[++i];
      else flags[k] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

export function numberFlag(flags: Record<string, string | true>, name: string, fallback: number): number {
  const v = flags[name];
  if (v === undefined || v === true) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${v}`);
  return n;
}

export function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(full) : fs.statSync(full).size;
  }
  return total;
}
