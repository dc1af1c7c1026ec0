/**
 * Real Temporal for tests: `temporal server start-dev` through @temporalio/testing, with
 * the CLI gsweep obtains itself (TEMPORAL_CLI_PATH, PATH, cache, go install) — never a
 * download, never a fake.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { obtainTemporalCli } from '../../temporal/temporal-cli';
import { SWEEP_SEARCH_ATTRIBUTES } from '../../sweep/search-attributes';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const MISSIONS = path.resolve(REPO_ROOT, '..', 'shared', 'missions');
export const GSWEEP_BIN = path.join(REPO_ROOT, 'bin', 'gsweep.js');
export const WORKER_BIN = path.join(REPO_ROOT, 'bin', 'gsweep-worker.js');

export interface LocalTemporalOptions {
  dynamicConfig?: Record<string, string | number | boolean>;
  dbFilename?: string;
  port?: number;
}

export async function startLocalTemporal(options: LocalTemporalOptions = {}): Promise<TestWorkflowEnvironment> {
  const cli = obtainTemporalCli();
  const extraArgs = Object.entries(options.dynamicConfig ?? {}).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]);
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli.path },
      searchAttributes: SWEEP_SEARCH_ATTRIBUTES,
      extraArgs,
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      ...(options.port ? { port: options.port } : {}),
    },
  });
}

export function tempDir(prefix = 'gsweep-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** A real `gsweep-worker` process (its own Node, its own GMAT children). */
export function spawnWorker(address: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const child = spawn(process.execPath, [WORKER_BIN, '--address', address, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, signal);
        } catch {
          child.kill(signal);
        }
      }
      return exited;
    },
  };
}

/** Runs the gsweep CLI to completion and returns its exit code and output. */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GSWEEP_BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gsweep ${args.join(' ')} timed out\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export { waitFor } from './wait';
