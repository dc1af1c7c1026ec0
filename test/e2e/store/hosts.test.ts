/**
 * Workers on separate hosts with no shared directory: three "hosts" built as Linux network
 * namespaces (veth pairs on a bridge of their own), each in its own mount namespace with a
 * private tmpfs /tmp and every other mount read-only, so a worker can write nowhere but its
 * scratch and the object store. Temporal and SeaweedFS listen on the bridge's address on
 * this side. A 200-run sweep on real GMAT with `--out s3://...`; one host is killed mid-sweep
 * (every process in its namespace); the sweep completes and its aggregate equals the same
 * sweep run here into a local directory. Everything made here is removed, also on failure.
 *
 * Needs root and `ip` (iproute2); under CI both are there, and without them this fails.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../../temporal/dev-server';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Store, s3ClientConfig } from '../../../output/s3-store';
import { workflowBundlePath } from '../../../workers/bundle';
import { readParquetWithDuckDb } from '../../helpers/duckdb';
import { startSeaweed, storedRunIds, type SeaweedServer } from '../../helpers/seaweedfs';
import { MISSIONS, runCli, tempDir, waitFor, WORKER_BIN } from '../../helpers/temporal';
import { realGmat } from '../../helpers/real-gmat';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const RUNS = 200;
const HOSTS = 3;
const TAG = randomBytes(3).toString('hex');
const SUBNET = `10.251.${1 + (randomBytes(1)[0] % 250)}`;
const HOST_IP = `${SUBNET}.1`;
const BRIDGE = `gswbr${TAG}`;
const nsName = (i: number) => `gsweep-${TAG}-h${i}`;
const vethHost = (i: number) => `gsw${TAG}h${i}`;
const vethNs = (i: number) => `gsw${TAG}n${i}`;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

let temporal: DevServer | undefined;
let relay: net.Server | undefined;
let relayAddress = '';
let weed: SeaweedServer | undefined;
let client: S3Client | undefined;
let gmatRoot = '';
const workers: Array<{ child: ChildProcess; output: () => string }> = [];
const dirs: string[] = [];
const savedEnv = { ...process.env };

/** Every process in a namespace, killed with SIGKILL (a host that dies). */
function killHost(ns: string): number {
  let pids: string[] = [];
  try {
    pids = ip('netns', 'pids', ns).split('\n').filter(Boolean);
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return pids.length;
}

function teardownNetwork(): void {
  for (let i = 1; i <= HOSTS; i++) {
    killHost(nsName(i));
    try {
      ip('netns', 'del', nsName(i));
    } catch {
      /* not made */
    }
    try {
      ip('link', 'del', vethHost(i));
    } catch {
      /* went with its namespace */
    }
  }
  try {
    ip('link', 'del', BRIDGE);
  } catch {
    /* not made */
  }
}

function setupNetwork(): void {
  ip('link', 'add', BRIDGE, 'type', 'bridge');
  ip('addr', 'add', `${HOST_IP}/24`, 'dev', BRIDGE);
  ip('link', 'set', BRIDGE, 'up');
  for (let i = 1; i <= HOSTS; i++) {
    ip('netns', 'add', nsName(i));
    ip('link', 'add', vethHost(i), 'type', 'veth', 'peer', 'name', vethNs(i));
    ip('link', 'set', vethHost(i), 'master', BRIDGE);
    ip('link', 'set', vethHost(i), 'up');
    ip('link', 'set', vethNs(i), 'netns', nsName(i));
    ip('-n', nsName(i), 'addr', 'add', `${SUBNET}.${10 + i}/24`, 'dev', vethNs(i));
    ip('-n', nsName(i), 'link', 'set', vethNs(i), 'up');
    ip('-n', nsName(i), 'link', 'set', 'lo', 'up');
  }
}

/**
 * `gsweep-worker` on host i: its own network namespace, its own mount namespace with a fresh
 * tmpfs on /tmp (its scratch) and every other mount made read-only.
 */
function startHostWorker(i: number, address: string): void {
  const script = [
    'set -e',
    'mount -t tmpfs -o mode=1777 gsweep-host-tmp /tmp',
    "for m in $(awk '{print $2}' /proc/self/mounts | grep -vE '^/(proc|sys|dev|tmp)(/|$)' | sort -u); do mount -o remount,bind,ro \"$m\" 2>/dev/null || true; done",
    'touch /root/.gsweep-host-write-check 2>/dev/null && { echo "the host can write outside /tmp" >&2; exit 3; }',
    'exec "$@"',
  ].join('\n');
  const child = spawn(
    'ip',
    ['netns', 'exec', nsName(i), 'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'host-worker',
      process.execPath, WORKER_BIN, '--address', address, '--concurrency', '1', '--scratch', '/tmp'],
    {
      env: { ...process.env, GMAT_ROOT: gmatRoot, TMPDIR: '/tmp', GSWEEP_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  workers.push({ child, output: () => text });
}

/** The prerequisites, awaited inside the test: a missing one fails it (never a skip). */
let ready: Promise<void>;

async function setup(): Promise<void> {
  gmatRoot = (await realGmat()).root;
  // Hosts cannot write the workflow bundle cache (read-only there): it is built here first.
  await workflowBundlePath();
  teardownNetwork();
  setupNetwork();
  weed = await startSeaweed({ ip: HOST_IP });
  Object.assign(process.env, weed.env);
  client = new S3Client(s3ClientConfig(process.env, 3));
  await client.send(new CreateBucketCommand({ Bucket: 'gsweep-hosts' }));
  // The dev server's own services talk over loopback, so it listens there; the hosts reach
  // its frontend through a plain TCP relay on the bridge's address.
  temporal = await startDevServer({ headless: true });
  const [, port] = temporal.address.split(':');
  relay = net.createServer((inbound) => {
    const outbound = net.connect(Number(port), '127.0.0.1');
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  await new Promise<void>((resolve, reject) => relay!.once('error', reject).listen(0, HOST_IP, () => resolve()));
  relayAddress = `${HOST_IP}:${(relay.address() as net.AddressInfo).port}`;
}

beforeAll(() => {
  ready = setup();
  ready.catch(() => undefined);
});

afterAll(async () => {
  // Whatever the set-up got to (even when no test awaited it) is taken down.
  await ready?.catch(() => undefined);
  teardownNetwork();
  relay?.close();
  await temporal?.stop();
  client?.destroy();
  await weed?.stop();
  process.env = savedEnv;
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function manifestRuns(file: string): unknown[] {
  const [, ...runs] = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  return runs.map((r) => {
    const { started_at: _s, ended_at: _e, duration_s: _d, output_paths, log_path: _l, ...rest } = r;
    return { ...rest, output_keys: Object.keys(output_paths as object) };
  });
}

describe('workers on separate hosts with no shared directory', () => {
  it('a 200-run sweep into s3:// survives a killed host and equals the same sweep into a local directory', async () => {
    await ready;
    const address = relayAddress;
    for (let i = 1; i <= HOSTS; i++) startHostWorker(i, address);
    const url = `s3://gsweep-hosts/sma-${TAG}`;
    const store = new S3Store(url, { client });
    const work = fs.realpathSync(tempDir('gsweep-hosts-'));
    dirs.push(work);
    const env = { ...weed!.env, GMAT_ROOT: gmatRoot };
    const sweep = runCli(['run', LEO, '--grid', `Sat.SMA=6800:7400:${RUNS}`, '--out', url, '--address', address, '--heartbeat-timeout', '5', '--batch-size', '5'], { cwd: work, env, timeoutMs: 900_000 });

    const outcomes = async () => (await storedRunIds(store)).size;
    const hostLogs = () => workers.map((w, i) => `--- host ${i + 1}:\n${w.output().slice(-3000)}`).join('\n');
    let ended: { code: number | null; stderr: string } | undefined;
    void sweep.then((r) => (ended = r), () => undefined);
    await waitFor(async () => ended !== undefined || (await outcomes()) >= 40, 'the first 40 runs in the store', 180_000, 500).catch((err: Error) => {
      throw new Error(`${err.message}\n${hostLogs()}`);
    });
    if (ended) throw new Error(`the sweep ended before a host could be killed (exit ${ended.code}):\n${ended.stderr}\n${hostLogs()}`);
    // Host 1 dies: its worker, GMAT and everything else in its namespace.
    expect(killHost(nsName(1))).toBeGreaterThan(0);
    const s3 = await sweep;
    expect(s3.code, `${s3.stderr}\n${hostLogs()}`).toBe(0);
    expect(s3.stderr).toContain(`gsweep: ${RUNS}/${RUNS} runs ok, 0 failed`);
    const copy = path.join(work, 'copy');
    expect((await runCli(['pull', url, copy], { cwd: work, env })).code).toBe(0);
    // The runs were spread over the hosts (the outcome's worker is host:pid; the pids differ).
    const byWorker = new Set<string>();
    for (let id = 0; id < RUNS; id += 1) byWorker.add(JSON.parse(fs.readFileSync(path.join(copy, 'runs', `run-${id}`, 'outcome.json'), 'utf8')).worker);
    expect(byWorker.size).toBeGreaterThanOrEqual(2);

    const localOut = path.join(work, 'local');
    const local = await runCli(['run', LEO, '--grid', `Sat.SMA=6800:7400:${RUNS}`, '--out', localOut, '--concurrency', '2'], { cwd: work, env, timeoutMs: 600_000 });
    expect(local.code, local.stderr).toBe(0);
    const a = await readParquetWithDuckDb(path.join(localOut, 'report__Track.parquet'), 'run_id, time');
    const b = await readParquetWithDuckDb(path.join(copy, 'report__Track.parquet'), 'run_id, time');
    expect(b.rows).toHaveLength(RUNS * 91);
    expect(b.rows).toEqual(a.rows);
    expect(manifestRuns(path.join(copy, 'manifest.jsonl'))).toEqual(manifestRuns(path.join(localOut, 'manifest.jsonl')));
  }, 1_200_000);
});
