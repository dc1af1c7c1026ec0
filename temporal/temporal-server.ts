/**
 * Finds or builds the production Temporal binaries: `temporal-server` (the real multi-service
 * server, on PostgreSQL, MySQL or Cassandra) and `temporal-sql-tool` (which sets up its SQL
 * schemas). gsweep itself never needs them; the production rig (temporal/production-rig.ts),
 * its tests and the PostgreSQL benchmark do.
 *
 * Order: TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH (both), gsweep's cache, else
 * `go install go.temporal.io/server/cmd/server@v1.29.1` and `.../cmd/tools/sql@v1.29.1` into
 * that cache (a few minutes, once; quicker when the Temporal CLI build already fetched the
 * shared modules).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { goBinary, gsweepCacheDir, isExecutable } from './temporal-cli';

const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const GO_PACKAGES = [`go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`];

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  source: 'env' | 'cache' | 'go-install';
}

function cachedServerDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(gsweepCacheDir(env), 'temporal-server', TEMPORAL_SERVER_VERSION);
}

function cached(env: NodeJS.ProcessEnv): { server: string; sqlTool: string } {
  const dir = cachedServerDir(env);
  return { server: path.join(dir, 'temporal-server'), sqlTool: path.join(dir, 'temporal-sql-tool') };
}

/** Existing binaries, without building anything. */
export function findTemporalServer(env: NodeJS.ProcessEnv = process.env): TemporalServerBinaries | undefined {
  const server = env.TEMPORAL_SERVER_PATH;
  const sqlTool = env.TEMPORAL_SQL_TOOL_PATH;
  if (server || sqlTool) {
    for (const [name, file] of [['TEMPORAL_SERVER_PATH', server], ['TEMPORAL_SQL_TOOL_PATH', sqlTool]] as const) {
      if (!file || !isExecutable(file)) {
        throw new Error(`${name}=${file ?? ''} is not an executable file; set both TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH, or neither`);
      }
    }
    return { server: server!, sqlTool: sqlTool!, source: 'env' };
  }
  const c = cached(env);
  if (isExecutable(c.server) && isExecutable(c.sqlTool)) return { ...c, source: 'cache' };
  return undefined;
}

/** `go install` of both binaries into the cache (built beside it, renamed into place at the end). */
function goInstallTemporalServer(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => {}): TemporalServerBinaries {
  const goBin = goBinary(env);
  if (!goBin) {
    throw new Error('no temporal-server found (TEMPORAL_SERVER_PATH, cache) and no Go toolchain to build one; install Go >= 1.24 or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH');
  }
  const target = cached(env);
  const building = `${cachedServerDir(env)}.building-${process.pid}`;
  fs.mkdirSync(building, { recursive: true });
  log(`building temporal-server: go install ${GO_PACKAGES.join(' ')} (one-off, a few minutes)`);
  try {
    const result = spawnSync(goBin, ['install', ...GO_PACKAGES], {
      env: { ...env, GOBIN: building, CGO_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(`go install ${GO_PACKAGES.join(' ')} failed (exit ${result.status ?? result.signal}):\n${(result.stderr ?? '').trim()}`);
    }
    fs.mkdirSync(path.dirname(target.server), { recursive: true });
    // `go install` names the binaries after their package directories (server, sql).
    fs.renameSync(path.join(building, 'sql'), target.sqlTool);
    fs.renameSync(path.join(building, 'server'), target.server);
  } finally {
    fs.rmSync(building, { recursive: true, force: true });
  }
  return { ...target, source: 'go-install' };
}

export function obtainTemporalServer(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => {}): TemporalServerBinaries {
  return findTemporalServer(env) ?? goInstallTemporalServer(env, log);
}
