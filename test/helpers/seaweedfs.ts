/**
 * A real S3-compatible object store for the tests: SeaweedFS (Apache-2.0) with its S3
 * gateway, never a mock.
 *
 * The `weed` binary is built once per machine and cached like the Temporal CLI
 * (temporal/temporal-cli.ts): `go install github.com/seaweedfs/seaweedfs/weed@<version>` is
 * refused because that module's go.mod has a replace directive, so a tiny wrapper module
 * requires SeaweedFS at a pinned version, repeats its one replace, and `go build`s the
 * `weed` package (several minutes, a ~230 MB binary). Order: GSWEEP_WEED_PATH, the cache,
 * then the build. `.ci/run` builds it before the tests (`npm run setup:seaweedfs`).
 */
import { decodePack, PACKS_PREFIX, packsInOrder } from '../../output/run-pack';
import type { Store } from '../../output/store';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { restartablePort } from '../../temporal/dev-server';
import { gsweepCacheDir } from '../../temporal/temporal-cli';

export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';
const MODULE = 'github.com/seaweedfs/seaweedfs';
/** The one replace directive of SeaweedFS's go.mod, repeated in the wrapper module. */
const REPLACE = 'github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0';

export function cachedWeedPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(gsweepCacheDir(env), 'seaweedfs', SEAWEEDFS_VERSION, 'weed');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function goBinary(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'go'))) return path.join(dir, 'go');
  }
  return isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined;
}

/** The `weed` binary: GSWEEP_WEED_PATH, the cache, else built into the cache with Go. */
export function obtainWeed(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => {}): string {
  if (env.GSWEEP_WEED_PATH) {
    if (!isExecutable(env.GSWEEP_WEED_PATH)) throw new Error(`GSWEEP_WEED_PATH=${env.GSWEEP_WEED_PATH} is not an executable file; point it at a SeaweedFS 'weed' binary or unset it`);
    return env.GSWEEP_WEED_PATH;
  }
  const target = cachedWeedPath(env);
  if (isExecutable(target)) return target;
  if (env.CI === 'true' && !env.GSWEEP_BUILD_WEED) {
    throw new Error(`no SeaweedFS weed binary at ${target}; CI builds it in .ci/run (npm run setup:seaweedfs) before the tests`);
  }
  const go = goBinary(env);
  if (!go) throw new Error('no SeaweedFS weed binary in the cache and no Go toolchain to build one; install Go >= 1.25 or set GSWEEP_WEED_PATH');
  const src = path.join(path.dirname(target), 'src');
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(
    path.join(src, 'go.mod'),
    `module gsweep.local/weedbuild\n\ngo 1.25\n\nrequire ${MODULE} ${SEAWEEDFS_VERSION}\n\nreplace ${REPLACE}\n`,
  );
  log(`building SeaweedFS: go build ${MODULE}/weed@${SEAWEEDFS_VERSION} (one-off, several minutes)`);
  const temp = `${target}.${process.pid}.tmp`;
  const result = spawnSync(go, ['build', '-mod=mod', '-o', temp, `${MODULE}/weed`], {
    cwd: src,
    env: { ...env, CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (result.status !== 0 || !isExecutable(temp)) {
    fs.rmSync(temp, { force: true });
    throw new Error(`go build ${MODULE}/weed failed (exit ${result.status ?? result.signal}):\n${(result.stderr ?? '').trim().slice(-4000)}`);
  }
  fs.renameSync(temp, target);
  return target;
}

export interface SeaweedServer {
  /** `http://<ip>:<port>`: the S3 endpoint (AWS_ENDPOINT_URL). */
  endpoint: string;
  s3Port: number;
  dir: string;
  /** Environment for a gsweep process that talks to this store. */
  env: NodeJS.ProcessEnv;
  /** The current `weed server` process. */
  child: () => ChildProcess;
  output: () => string;
  /** Stops the server (SIGTERM, then SIGKILL) and, unless `keepData`, removes its data. */
  stop: (options?: { keepData?: boolean }) => Promise<void>;
  /** Stops the server, keeps it down for `downMs`, and starts it again on the same ports and data. */
  outage: (downMs: number) => Promise<void>;
}

export const TEST_ACCESS_KEY = 'gsweeptestkey';
export const TEST_SECRET_KEY = 'gsweeptestsecret0123456789';

/**
 * Starts `weed server` with its S3 gateway on `ip` (default loopback), with one identity
 * (TEST_ACCESS_KEY/TEST_SECRET_KEY) allowed everything, and waits until S3 answers.
 */
export async function startSeaweed(options: { ip?: string; dir?: string; s3Port?: number } = {}): Promise<SeaweedServer> {
  const weed = obtainWeed();
  const ip = options.ip ?? '127.0.0.1';
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-weed-'));
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const s3Config = path.join(dir, 's3.json');
  fs.writeFileSync(
    s3Config,
    JSON.stringify({
      identities: [{ name: 'gsweep-test', credentials: [{ accessKey: TEST_ACCESS_KEY, secretKey: TEST_SECRET_KEY }], actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'] }],
    }),
  );
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3Port] = await Promise.all(
    [0, 1, 2, 3, 4, 5].map(() => restartablePort(ip)).concat(options.s3Port ? [Promise.resolve(options.s3Port)] : [restartablePort(ip)]),
  );
  const args = [
    'server',
    `-dir=${path.join(dir, 'data')}`,
    `-ip=${ip}`,
    `-ip.bind=${ip}`,
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    '-filer',
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    '-s3',
    `-s3.port=${s3Port}`,
    `-s3.config=${s3Config}`,
    '-volume.max=0',
    '-master.volumeSizeLimitMB=64',
  ];
  const endpoint = `http://${ip}:${s3Port}`;
  let text = '';
  const keep = (d: Buffer) => {
    text += d.toString();
    if (text.length > 200_000) text = text.slice(-100_000);
  };
  let current: { child: ChildProcess; exited: Promise<void>; dead: boolean };
  const launch = async () => {
    const child = spawn(weed, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const proc = { child, dead: false, exited: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
    void proc.exited.then(() => (proc.dead = true));
    current = proc;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.dead) throw new Error(`weed server exited before its S3 gateway answered:\n${text.slice(-3000)}`);
      if (await s3Answers(endpoint)) return;
      if (Date.now() > deadline) {
        await halt();
        throw new Error(`weed server's S3 gateway did not answer on ${endpoint} within 60 s:\n${text.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  const halt = async () => {
    const { child, exited } = current;
    if (current.dead || !child.pid) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  const stop = async (o: { keepData?: boolean } = {}) => {
    await halt();
    if (!o.keepData && !options.dir) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (err) {
    if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoint,
    s3Port,
    dir,
    child: () => current.child,
    output: () => text,
    stop,
    outage: async (downMs: number) => {
      await halt();
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: TEST_SECRET_KEY,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  };
}

/** True once the gateway answers an S3 request (any HTTP status: it is up and speaking S3). */
async function s3Answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2000) });
    const body = await res.text();
    return body.includes('<?xml') || body.includes('ListAllMyBuckets') || body.includes('Error');
  } catch {
    return false;
  }
}

if (require.main === module) {
  // `npm run setup:seaweedfs`: build (or find) the binary and print its path.
  process.stdout.write(`${obtainWeed({ ...process.env, GSWEEP_BUILD_WEED: '1' }, (l) => process.stderr.write(`${l}\n`))}\n`);
}

/** The ids of the runs whose outcome a store holds: in packs (a batch's) or as per-run objects. */
export async function storedRunIds(store: Store): Promise<Set<number>> {
  const ids = new Set<number>();
  const packs: string[] = [];
  for await (const e of store.list('')) {
    const m = /^runs\/run-(\d+)\/outcome\.json$/.exec(e.key);
    if (m) ids.add(Number(m[1]));
    if (e.key.startsWith(PACKS_PREFIX)) packs.push(e.key);
  }
  for (const k of packsInOrder(packs)) {
    const bytes = await store.get(k.key);
    if (!bytes) continue;
    for (const e of await decodePack(bytes, k, (_id, name) => name === 'outcome.json')) if (e.name === 'outcome.json') ids.add(e.runId);
  }
  return ids;
}
