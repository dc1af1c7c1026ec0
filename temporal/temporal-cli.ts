/**
 * Finds or obtains the Temporal CLI that hosts the embedded dev server.
 *
 * Order: TEMPORAL_CLI_PATH, `temporal` on PATH, gsweep's cache, a `go install` of
 * v1.5.1 into that cache (the last tag `go install` accepts: later go.mod files carry a
 * replace directive), and only then the SDK's own download, which needs the internet.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const TEMPORAL_CLI_GO_VERSION = 'v1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_GO_VERSION}`;

export type TemporalCliSource = 'env' | 'path' | 'cache' | 'go-install';

export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

export function gsweepCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GSWEEP_CACHE_DIR) return path.resolve(env.GSWEEP_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'gsweep');
}

function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(gsweepCacheDir(env), 'temporal-cli', TEMPORAL_CLI_GO_VERSION, 'temporal');
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Looks for an existing CLI without building or downloading anything. */
function findTemporalCli(env: NodeJS.ProcessEnv = process.env): TemporalCli | undefined {
  const fromEnv = env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(
        `TEMPORAL_CLI_PATH=${fromEnv} is not an executable file; point it at a 'temporal' binary or unset it`,
      );
    }
    return { path: fromEnv, source: 'env' };
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return { path: fromPath, source: 'path' };
  const cached = cachedCliPath(env);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

/** The Go toolchain: `go` on PATH, else the official tarball's /usr/local/go/bin/go. */
export function goBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return onPath('go', env) ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** Builds the CLI with the Go toolchain into the cache. Throws with Go's own error text. */
function goInstallTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = () => {},
): TemporalCli {
  const target = cachedCliPath(env);
  const goBin = goBinary(env);
  if (!goBin) {
    throw new Error(
      'no Temporal CLI found (TEMPORAL_CLI_PATH, PATH, cache) and no Go toolchain to build one; ' +
        'install Go >= 1.25 or the Temporal CLI, or set TEMPORAL_CLI_PATH',
    );
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  log(`building the Temporal CLI: go install ${GO_PACKAGE} (one-off, a few minutes)`);
  const result = spawnSync(goBin, ['install', GO_PACKAGE], {
    env: { ...env, GOBIN: path.dirname(target), CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0 || !isExecutable(target)) {
    throw new Error(
      `go install ${GO_PACKAGE} failed (exit ${result.status ?? result.signal}):\n${(result.stderr ?? '').trim()}`,
    );
  }
  return { path: target, source: 'go-install' };
}

/**
 * Returns a usable CLI, building it if needed. `undefined` means the caller may fall back
 * to the SDK's download (which works only online).
 */
export function obtainTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = () => {},
): TemporalCli {
  return findTemporalCli(env) ?? goInstallTemporalCli(env, log);
}
