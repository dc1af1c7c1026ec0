/**
 * Starts `temporal server start-dev` as a child process for one-command local sweeps.
 * Ports are picked free; `dbFilename` makes history survive a server restart.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { MAX_IN_FLIGHT_LIMIT } from '../sweep/limits';
import { searchAttributeFlags } from '../sweep/search-attributes';
import { obtainTemporalCli } from './temporal-cli';

/**
 * Dynamic config every embedded dev server gets (options.dynamicConfig overrides it).
 *
 * `history.maximumBufferedEventsBatch` (server default 100): when more events than this
 * arrive while a workflow task runs, the server force-closes the task and the worker
 * redoes it from history. A sweep's window can settle up to MAX_IN_FLIGHT_LIMIT runs
 * during one task, two events each (started + completed/failed), plus an update or a
 * cancel request; so with this limit no task of a sweep can be force-closed, whatever the
 * load. The buffer is per workflow and small (a few hundred bytes per event). Clusters keep
 * their operators' setting: see docs/benchmarks.md "Force-closed workflow tasks".
 */
export const EMBEDDED_DYNAMIC_CONFIG: Record<string, string | number | boolean> = {
  'history.maximumBufferedEventsBatch': 4 * MAX_IN_FLIGHT_LIMIT,
  // Off by default in the server. With it, a worker takes the runs its own workflow task
  // starts without the matching round trip (workers/plugin.ts EAGER_ACTIVITIES_PER_WORKFLOW_TASK).
  'system.enableActivityEagerExecution': true,
};

export interface DevServerOptions {
  cliPath?: string;
  dbFilename?: string;
  port?: number;
  uiPort?: number;
  headless?: boolean;
  namespace?: string;
  /** Extra `--dynamic-config-value KEY=VALUE` pairs (tests lower continue-as-new limits). */
  dynamicConfig?: Record<string, string | number | boolean>;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Ports `restartablePort` handed out in this process: probes close at once, so they would look free again. */
const handedOut = new Set<number>();

/**
 * A free port on `host` in 10000–32767 and below the kernel's ephemeral range (read from
 * /proc/sys/net/ipv4/ip_local_port_range on Linux). For a server that is stopped and started
 * again on the same port: while it is down, a port in the ephemeral range can be taken by any
 * outgoing connection on the machine, and the restart fails. Below 32768 also because
 * temporal-server stores membership ports in a PostgreSQL smallint. Where the ephemeral range
 * starts below 11000 there is no such room, and the whole 10000–32767 is used.
 */
export async function restartablePort(host = '127.0.0.1'): Promise<number> {
  const low = 10000;
  let high = 32768;
  try {
    const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (ephemeralLow >= low + 1000) high = Math.min(high, ephemeralLow);
  } catch {
    // not Linux: the IANA ephemeral range starts at 49152
  }
  for (let attempt = 0; attempt < 1000; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    handedOut.add(port); // before the probe: calls run concurrently
    const free = await new Promise<boolean>((resolve, reject) => {
      const probe = net.createServer();
      probe.unref();
      probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(false) : reject(err)));
      probe.listen(port, host, () => probe.close(() => resolve(true)));
    }).catch((err: unknown) => {
      handedOut.delete(port);
      throw err;
    });
    if (free) return port;
    handedOut.delete(port);
  }
  throw new Error(`no free port on ${host} between ${low} and ${high - 1} after 1000 tries`);
}

async function waitForFrontend(address: string, child: ChildProcess, deadline: number, stderr: () => string) {
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `temporal server start-dev exited (${child.exitCode ?? child.signalCode}) before accepting connections:\n${stderr()}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`temporal dev server at ${address} did not accept connections in time: ${String(lastError)}`);
}

let setprivPath: string | null | undefined;

/**
 * `setpriv --pdeathsig <signal> --` where util-linux provides it (Linux), else nothing: the
 * kernel then signals the server the moment the process that started it dies, even by
 * SIGKILL (`kill -9`, the OOM killer), when no `finally` or exit handler can run. Without it
 * an embedded server outlives a killed `gsweep run`, holding its ports and memory.
 */
function parentDeathPrefix(signal: 'KILL' | 'TERM'): string[] {
  if (setprivPath === undefined) {
    setprivPath = null;
    if (process.platform === 'linux') {
      const onPath = (name: string) =>
        (process.env.PATH ?? '/usr/bin:/bin')
          .split(path.delimiter)
          .filter((d) => d !== '')
          .map((d) => path.join(d, name))
          .find((p) => existsSync(p));
      const setpriv = onPath('setpriv');
      const target = onPath('true');
      if (setpriv && target && spawnSync(setpriv, ['--pdeathsig', 'KILL', '--', target], { stdio: 'ignore', timeout: 10_000 }).status === 0) {
        setprivPath = setpriv;
      }
    }
  }
  return setprivPath ? [setprivPath, '--pdeathsig', signal, '--'] : [];
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cliPath = options.cliPath ?? obtainTemporalCli(process.env, options.log).path;
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--namespace', namespace,
    '--log-level', 'error',
    ...searchAttributeFlags(),
  ];
  let uiUrl: string | undefined;
  if (options.headless) {
    args.push('--headless');
  } else {
    const uiPort = options.uiPort ?? (await freePort());
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://127.0.0.1:${uiPort}`;
  }
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  for (const [key, value] of Object.entries({ ...EMBEDDED_DYNAMIC_CONFIG, ...options.dynamicConfig })) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  // setpriv execs the CLI, so `child` (its pid) is the server itself. A server with a database
  // gets SIGTERM to close SQLite, as stop() gives it.
  const [command, ...prefixArgs] = [...parentDeathPrefix(options.dbFilename ? 'TERM' : 'KILL'), cliPath];
  const child = spawn(command, [...prefixArgs, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderrText = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrText = (stderrText + chunk.toString()).slice(-8192);
  });
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // An in-memory server has nothing to save, and its graceful shutdown takes ~2 s that every
    // `gsweep run` would wait for; a server with --db-filename gets SIGTERM to close SQLite.
    child.kill(options.dbFilename ? 'SIGTERM' : 'SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForFrontend(address, child, Date.now() + (options.startTimeoutMs ?? 30_000), () => stderrText);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, namespace, uiUrl, process: child, stop };
}
