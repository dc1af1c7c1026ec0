/**
 * Shared machinery of the durability tests: real dev servers, real worker processes, real
 * GmatConsole (stand-in) children, and the process-table checks that prove nothing of a
 * killed or cancelled run survives. Nothing here mocks Temporal or the engine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { parseManifest, type ManifestEntry } from '../../../output/manifest';
import type { RunOutcome } from '../../../output/outcome';
import { startDevServer, type DevServer, type DevServerOptions } from '../../../temporal/dev-server';
import { duckDbQuery } from '../../helpers/duckdb';
import { GSWEEP_BIN, MISSIONS, REPO_ROOT, spawnWorker, tempDir, waitFor, type WorkerProcess } from '../../helpers/temporal';
import { realGmat, realGmatEnv } from '../../helpers/real-gmat';

/**
 * The engines the durability tests run on: the stand-in (which can also hang, crash or run
 * slowly on cue) and real GMAT (the setup-gmat build, test/helpers/real-gmat.ts), where the
 * damage is done to real GmatConsole processes. Stand-in fault hooks in a worker's
 * environment are inert for real GMAT.
 */
export interface EngineCase {
  name: 'stand-in' | 'gmat';
  label: string;
  /** `gsweep run` flags naming the engine. */
  cliArgs: string[];
  /** Environment every worker needs for this engine. */
  workerEnv: () => Promise<NodeJS.ProcessEnv>;
}
export const STAND_IN: EngineCase = { name: 'stand-in', label: 'stand-in', cliArgs: ['--engine', 'stand-in'], workerEnv: async () => ({}) };
export const REAL_GMAT: EngineCase = { name: 'gmat', label: 'real GMAT', cliArgs: ['--engine', 'gmat'], workerEnv: async () => realGmatEnv(await realGmat()) };
export const ENGINES: EngineCase[] = [STAND_IN, REAL_GMAT];

export const SCRIPT = path.join(MISSIONS, 'leo_point_mass.script');
/** Rows of `report__Track` per run of leo_point_mass.script: 5400 s in 60 s steps, both ends. */
export const ROWS_PER_RUN = 91;
/** What a finished ok run directory holds, and nothing else. */
export const OK_RUN_FILES = ['GmatLog.txt', 'gmat_startup_file.txt', 'outcome.json', 'patched.script', 'report__Track.parquet', 'track.txt'];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tag in the environment of every process a test starts (workers, GMAT, its `sleep`). */
export function newTag(): string {
  return `t${randomBytes(6).toString('hex')}`;
}

export function tagEnv(tag: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { GSWEEP_TEST_TAG: tag, GSWEEP_LOG_LEVEL: 'WARN', ...extra };
}

export interface TaggedProcess {
  pid: number;
  args: string;
}

/**
 * A process's arguments. They read empty for the moment an exec loads the new program (the
 * kernel has swapped in the new memory but not yet set them), so an empty read is read
 * again for up to ~0.1 s.
 */
function readArguments(pid: string): string {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; ; attempt++) {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    if (args !== '' || attempt === 100) return args;
    Atomics.wait(pause, 0, 0, 1);
  }
}

/**
 * Live processes whose environment carries `GSWEEP_TEST_TAG=<tag>` or `<tag>-<suffix>`
 * (read from /proc/<pid>/environ, so re-parented orphans and processes in other groups are
 * found too). A worker started with `subTag` is found by `<tag>-<subTag>` alone.
 */
export function taggedProcesses(tag: string): TaggedProcess[] {
  const needles = [`GSWEEP_TEST_TAG=${tag}\0`, `GSWEEP_TEST_TAG=${tag}-`];
  const found: TaggedProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z /s.test(stat)) continue; // zombie: already dead, waiting to be reaped
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (!needles.some((n) => environ.includes(n))) continue;
      const args = readArguments(entry);
      found.push({ pid: Number(entry), args });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** GMAT engine processes (real or stand-in GmatConsole, and the `sleep` the stand-in's hang hook starts). */
export function engineProcesses(tag: string): TaggedProcess[] {
  return taggedProcesses(tag).filter((p) => /gmat-console\.js|GmatConsole|(^|\/)sleep 3600/.test(p.args));
}

/**
 * Engines past their last exec, so running a mission: the setpriv wrapper, the stand-in's
 * shell launcher and its `$(dirname …)` subshells carry an engine's arguments for a few
 * milliseconds only, and a process read mid-exec shows no arguments at all.
 */
export function runningEngines(tag: string): TaggedProcess[] {
  return engineProcesses(tag).filter((p) => /gmat-console\.js|^\S*\/GmatConsole /.test(p.args));
}

/** SIGKILLs every process carrying `tag` (test clean-up; never a broad name match). */
export function killTagged(tag: string): void {
  for (const p of taggedProcesses(tag)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: gone
  }
}

export interface Env {
  server: DevServer;
  client: Client;
  connection: Connection;
  workers: WorkerProcess[];
  tag: string;
  /** A fresh temporary directory, removed by `close()`. */
  scratch(prefix: string): string;
  /** Starts a `gsweep-worker` process; `subTag` gives its processes the tag `<tag>-<subTag>`. */
  startWorker(args?: string[], env?: NodeJS.ProcessEnv, subTag?: string): Promise<WorkerProcess>;
  close(): Promise<void>;
}

/** A dev server (gsweep's own `startDevServer`), a client, and a registry of worker processes to kill at the end. */
export async function startEnv(options: DevServerOptions = {}, engine: EngineCase = STAND_IN): Promise<Env> {
  // Awaited by startWorker, inside the test: a missing real GMAT fails the test (a throwing
  // beforeAll would make vitest report it as skipped).
  const engineEnv = engine.workerEnv();
  engineEnv.catch(() => undefined);
  const server = await startDevServer({ headless: true, ...options });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const tag = newTag();
  const scratchDirs: string[] = [];
  const env: Env = {
    server,
    client,
    connection,
    workers: [],
    tag,
    scratch(prefix: string) {
      const dir = tempDir(prefix);
      scratchDirs.push(dir);
      return dir;
    },
    async startWorker(args = ['--concurrency', '2'], extraEnv = {}, subTag?: string) {
      const worker = spawnWorker(env.server.address, args, tagEnv(subTag ? `${tag}-${subTag}` : tag, { ...(await engineEnv), ...extraEnv }));
      env.workers.push(worker);
      await waitFor(() => worker.output().includes('gsweep worker polling') || worker.child.exitCode !== null, 'worker start', 60_000);
      if (worker.child.exitCode !== null) throw new Error(`worker exited at start:\n${worker.output()}`);
      return worker;
    },
    async close() {
      for (const w of env.workers) killGroup(w.child.pid!);
      await Promise.all(env.workers.map((w) => w.stop('SIGKILL')));
      killTagged(tag);
      await connection.close().catch(() => undefined);
      await env.server.stop();
      for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return env;
}

export interface CliChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `gsweep …` as a child process in its own process group (so it can be SIGKILLed mid-sweep). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): CliChild {
  const child = spawn(process.execPath, [GSWEEP_BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Common flags of a grid sweep on leo_point_mass.script (stand-in unless an engine is given).
 * These tests follow GMAT processes per run (a new engine process marks a run's start, a run
 * directory holds its own startup file), so they pin `--engine-mode fresh` unless the caller
 * picks a mode; warm (the default) is exercised by cancel, continue-as-new and
 * test/gmat/warm.test.ts.
 */
export function gridArgs(out: string, sweepId: string, grid: string, extra: string[] = [], engine: EngineCase = STAND_IN): string[] {
  const mode = extra.includes('--engine-mode') ? [] : ['--engine-mode', 'fresh'];
  return ['run', SCRIPT, '--grid', grid, ...engine.cliArgs, '--out', out, '--sweep-id', sweepId, ...mode, ...extra];
}

export function runDirs(out: string): string[] {
  const runs = path.join(out, 'runs');
  if (!fs.existsSync(runs)) return [];
  return fs.readdirSync(runs).filter((d) => /^run-\d+$/.test(d));
}

/** Run ids whose outcome.json exists (written last, atomically, by a finished attempt). */
export function finishedRuns(out: string): number[] {
  return runDirs(out)
    .filter((d) => fs.existsSync(path.join(out, 'runs', d, 'outcome.json')))
    .map((d) => Number(d.slice(4)))
    .sort((a, b) => a - b);
}

export function readOutcomeFile(out: string, runId: number): RunOutcome {
  return JSON.parse(fs.readFileSync(path.join(out, 'runs', `run-${runId}`, 'outcome.json'), 'utf8')) as RunOutcome;
}

export function readManifestFile(out: string): { header: Record<string, unknown>; entries: ManifestEntry[] } {
  const { header, entries } = parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8'));
  return { header, entries: [...entries.values()].sort((a, b) => a.run_id - b.run_id) };
}

function sql(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Per-run row counts and statuses of an aggregate, via DuckDB. */
export async function aggregateByRun(out: string, key = 'report__Track'): Promise<{ run_id: number; rows: number; times: number; statuses: string }[]> {
  const rows = await duckDbQuery(
    `SELECT run_id, count(*) AS rows, count(DISTINCT time) AS times, string_agg(DISTINCT __status, ',') AS statuses ` +
      `FROM read_parquet(${sql(path.join(out, `${key}.parquet`))}) GROUP BY run_id ORDER BY run_id`,
  );
  return rows.map((r) => ({ run_id: Number(r.run_id), rows: Number(r.rows), times: Number(r.times), statuses: String(r.statuses) }));
}

/** Waits (bounded) for a workflow to leave RUNNING and returns its final status name. */
export async function waitClosed(client: Client, workflowId: string, timeoutMs = 90_000): Promise<string> {
  let status = 'RUNNING';
  await waitFor(
    async () => {
      status = (await client.workflow.getHandle(workflowId).describe()).status.name;
      return status !== 'RUNNING';
    },
    `workflow ${workflowId} to close`,
    timeoutMs,
    250,
  );
  return status;
}

/** The files of one finished run directory, the oldest mtime among them, and its outcome's start and attempt. */
export function runDirReport(out: string, runId: number): { files: string[]; oldestMtimeMs: number; startedMs: number; attempt: number } {
  const dir = path.join(out, 'runs', `run-${runId}`);
  const files = fs.readdirSync(dir).sort();
  const outcome = readOutcomeFile(out, runId);
  const oldest = Math.min(...files.map((f) => fs.lstatSync(path.join(dir, f)).mtimeMs), fs.lstatSync(dir).mtimeMs);
  return { files, oldestMtimeMs: oldest, startedMs: Date.parse(outcome.started_at), attempt: outcome.attempt };
}

export { waitFor };
