/**
 * A production-shaped Temporal on one machine, for tests, benchmarks and trying gsweep the way
 * a cluster runs it: the real `temporal-server` (temporal/temporal-server.ts) on a private
 * PostgreSQL 15 cluster (persistence and SQL visibility schemas set up by temporal-sql-tool),
 * the frontend behind mTLS with a CA, server and client certificates made by openssl, and
 * namespaces created by the rig. The server runs with its default dynamic config: eager
 * activity execution off, the default buffered-events batch, Temporal's own limits.
 *
 * By hand: `npx tsx temporal/production-rig.ts [--dir DIR]` prints the TEMPORAL_* settings of
 * a running rig and stops it on Ctrl-C (README "A production Temporal on one machine").
 *
 * Everything lives in one directory (certificates, PostgreSQL data, server config and logs);
 * PostgreSQL runs as the `postgres` user when this process is root (initdb refuses root).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { connectOptions, DEFAULT_TASK_QUEUE, type ConnectionSettings } from './connection';
import { restartablePort } from './dev-server';
import { registerSweepSearchAttributes } from './search-attributes-admin';
import { obtainTemporalServer, type TemporalServerBinaries } from './temporal-server';

export interface RigNamespace {
  name: string;
  /** Register gsweep's search attributes on it (what an admin would have done). */
  searchAttributes: boolean;
}

export interface ProductionRigOptions {
  /** Directory for everything (default: a new temporary directory, removed by stop()). */
  dir?: string;
  /** Default: `gsweep` with gsweep's search attributes registered. */
  namespaces?: RigNamespace[];
  /** PostgreSQL's bin directory (default: PG_BIN, else Debian's /usr/lib/postgresql/15/bin). */
  pgBin?: string;
  log?: (line: string) => void;
}

export interface RigCertificates {
  ca: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate from a CA the server does not trust. */
  foreignCert: string;
  foreignKey: string;
}

export interface ProductionRig {
  dir: string;
  address: string;
  /** The first namespace. */
  namespace: string;
  certs: RigCertificates;
  binaries: TemporalServerBinaries;
  /** Connection settings with the rig's client certificate. */
  settings(namespace?: string, taskQueue?: string): ConnectionSettings;
  /** `--address … --namespace … --tls-cert … --tls-key … --tls-ca …` for gsweep and gsweep-worker. */
  cliArgs(namespace?: string): string[];
  /** The same settings as TEMPORAL_* variables. */
  env(namespace?: string): NodeJS.ProcessEnv;
  connect(namespace?: string): Promise<Connection>;
  /** PID of the running temporal-server. */
  serverPid(): number | undefined;
  /** SIGKILLs temporal-server (no clean shutdown) and waits until it is gone. */
  killServer(): Promise<void>;
  /** Starts temporal-server again on the same database and ports, and waits for its frontend. */
  startServer(): Promise<void>;
  /** `pg_ctl restart -m <mode>`: `immediate` is a crash as far as PostgreSQL knows. */
  restartPostgres(mode?: 'immediate' | 'fast'): void;
  /** Size in bytes of the persistence and visibility databases. */
  databaseBytes(): number;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], options: { cwd?: string; asPostgres?: boolean } = {}): string {
  const [file, argv] = options.asPostgres ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { cwd: options.cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stderr || r.stdout}`);
  return r.stdout;
}

/** A CA, a server certificate for localhost/127.0.0.1, a client certificate, and a foreign CA's client certificate. */
function makeCertificates(dir: string): RigCertificates & { serverCert: string; serverKey: string } {
  fs.mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) => run('openssl', ['req', '-x509', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '30', '-subj', `/CN=${name}`]);
  const leaf = (name: string, caName: string, ext: string) => {
    fs.writeFileSync(f(`${name}.ext`), ext);
    run('openssl', ['req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`]);
    run('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${caName}.pem`), '-CAkey', f(`${caName}.key`), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '30', '-extfile', f(`${name}.ext`)]);
  };
  ca('gsweep-rig-ca');
  ca('foreign-ca');
  // The server certificate is also the internode and internal-frontend client certificate.
  leaf('server', 'gsweep-rig-ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n');
  leaf('client', 'gsweep-rig-ca', 'subjectAltName=DNS:gsweep-client\nextendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  leaf('foreign-client', 'foreign-ca', 'subjectAltName=DNS:gsweep-client\nextendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  return {
    ca: f('gsweep-rig-ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
    foreignCert: f('foreign-client.pem'),
    foreignKey: f('foreign-client.key'),
  };
}

interface Ports {
  postgres: number;
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  metrics: number;
}

function serverConfig(ports: Ports, certs: ReturnType<typeof makeCertificates>): string {
  const datastore = (db: string, maxConns: number) => `
      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "127.0.0.1:${ports.postgres}"
        connectProtocol: "tcp"
        user: "temporal"
        password: "temporal"
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
  const service = (grpc: number, membership: number, http?: number) => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnIP: "127.0.0.1"${http ? `\n      httpPort: ${http}` : ''}`;
  const tlsServer = `
        certFile: "${certs.serverCert}"
        keyFile: "${certs.serverKey}"
        requireClientAuth: true
        clientCaFiles: ["${certs.ca}"]`;
  const tlsClient = `
        serverName: "localhost"
        rootCaFiles: ["${certs.ca}"]`;
  // Based on the server's own config/development-postgres12.yaml: no archival, no pprof, the
  // server's default dynamic config (no dynamicConfigClient), mTLS on the frontend and between services.
  return `log:
  stdout: true
  level: warn

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:${datastore('temporal', 20)}
    postgres-visibility:${datastore('temporal_visibility', 4)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${ports.metrics}"
  tls:
    internode:
      server:${tlsServer}
      client:${tlsClient}
    frontend:
      server:${tlsServer}
      client:${tlsClient}

services:
  frontend:${service(ports.frontend, ports.frontendMembership, ports.frontendHttp)}
  matching:${service(ports.matching, ports.matchingMembership)}
  history:${service(ports.history, ports.historyMembership)}
  worker:${service(ports.worker, ports.workerMembership)}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "localhost:${ports.frontend}"

dcRedirectionPolicy:
  policy: "noop"
`;
}

async function waitUntil<T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>, failFast?: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const fatal = failFast?.();
    if (fatal) throw new Error(fatal);
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Every port outside the ephemeral range: the rig's tests stop and start its servers in place. */
async function allocatePorts(): Promise<Ports> {
  return {
    postgres: await restartablePort(),
    frontend: await restartablePort(),
    frontendHttp: await restartablePort(),
    frontendMembership: await restartablePort(),
    history: await restartablePort(),
    historyMembership: await restartablePort(),
    matching: await restartablePort(),
    matchingMembership: await restartablePort(),
    worker: await restartablePort(),
    workerMembership: await restartablePort(),
    metrics: await restartablePort(),
  };
}

/** The rig's PostgreSQL cluster: `pg(['pg_ctl', ...])` runs its tools as the right user. */
interface RigPostgres {
  pg(args: string[]): string;
  data: string;
  start(): void;
  running: boolean;
}

/** PostgreSQL: a private cluster on a free loopback port, its socket in its own directory. */
function initPostgres(dir: string, pgBin: string, asPostgres: boolean, port: number): RigPostgres {
  const pgDir = path.join(dir, 'postgres');
  const data = path.join(pgDir, 'data');
  fs.mkdirSync(pgDir, { recursive: true });
  if (asPostgres) run('chown', ['-R', 'postgres:postgres', pgDir]);
  const pg = (args: string[]) => run(path.join(pgBin, args[0]!), args.slice(1), { asPostgres });
  pg(['initdb', '-D', data, '-U', 'temporal', '--auth=trust', '-E', 'UTF8', '--locale=C']);
  const pgOptions = `-p ${port} -k ${pgDir} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  return {
    pg,
    data,
    running: false,
    start() {
      pg(['pg_ctl', '-D', data, '-l', path.join(pgDir, 'postgres.log'), '-o', pgOptions, '-w', 'start']);
      this.running = true;
    },
  };
}

/** The persistence and visibility databases with Temporal's schemas, by temporal-sql-tool. */
function setUpTemporalSchemas(binaries: TemporalServerBinaries, port: number): void {
  const sql = (db: string, args: string[]) =>
    run(binaries.sqlTool, ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(port), '-u', 'temporal', '--pw', 'temporal', '--db', db, ...args]);
  for (const [db, schema] of [['temporal', 'postgresql/v12/temporal'], ['temporal_visibility', 'postgresql/v12/visibility']] as const) {
    sql(db, ['create']);
    sql(db, ['setup-schema', '-v', '0.0']);
    sql(db, ['update-schema', '--schema-name', schema]);
  }
}

/** What the rig's steps share; `server` is the current temporal-server process. */
interface RigState {
  dir: string;
  ownsDir: boolean;
  binaries: TemporalServerBinaries;
  certs: RigCertificates & { serverCert: string; serverKey: string };
  address: string;
  serverLog: string;
  postgres: RigPostgres;
  server?: ChildProcess;
  connect(namespace?: string): Promise<Connection>;
}

function serverRunning(server: ChildProcess | undefined): server is ChildProcess {
  return server !== undefined && server.exitCode === null && server.signalCode === null;
}

async function killServer(rig: RigState): Promise<void> {
  const server = rig.server;
  if (!serverRunning(server)) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGKILL');
  await exited;
}

/** Kills temporal-server, stops PostgreSQL at once and removes the directory the rig made. */
async function stopRig(rig: RigState): Promise<void> {
  await killServer(rig);
  if (rig.postgres.running) {
    try {
      rig.postgres.pg(['pg_ctl', '-D', rig.postgres.data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already stopped
    }
    rig.postgres.running = false;
  }
  if (rig.ownsDir) fs.rmSync(rig.dir, { recursive: true, force: true });
}

/** Starts temporal-server on the rig's config and waits until its frontend answers. */
async function startServer(rig: RigState): Promise<void> {
  const out = fs.openSync(rig.serverLog, 'a');
  const child = spawn(rig.binaries.server, ['--root', rig.dir, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'], {
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  rig.server = child;
  await waitUntil(
    `temporal-server's frontend at ${rig.address}`,
    90_000,
    async () => {
      const connection = await rig.connect();
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    },
    () =>
      child.exitCode !== null || child.signalCode !== null
        ? `temporal-server exited (${child.exitCode ?? child.signalCode}):\n${fs.readFileSync(rig.serverLog, 'utf8').slice(-4000)}`
        : undefined,
  );
}

async function registerNamespaces(rig: RigState, namespaces: RigNamespace[], log: (line: string) => void): Promise<void> {
  const admin = await rig.connect();
  try {
    for (const ns of namespaces) {
      await admin.workflowService.registerNamespace({ namespace: ns.name, workflowExecutionRetentionPeriod: msToTs('3 days') });
      // The frontend's namespace cache catches up within seconds.
      await waitUntil(`namespace ${ns.name}`, 60_000, async () => (await admin.workflowService.describeNamespace({ namespace: ns.name })) && true);
      if (ns.searchAttributes) await registerSweepSearchAttributes(admin, ns.name);
      log(`namespace ${ns.name}${ns.searchAttributes ? ' with gsweep search attributes' : ''}`);
    }
  } finally {
    await admin.close();
  }
}

export async function startProductionRig(options: ProductionRigOptions = {}): Promise<ProductionRig> {
  const log = options.log ?? (() => {});
  const binaries = obtainTemporalServer(process.env, log);
  const ownsDir = !options.dir;
  const dir = options.dir ? path.resolve(options.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-rig-'));
  fs.mkdirSync(dir, { recursive: true });
  const pgBin = options.pgBin ?? process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
  const asPostgres = process.getuid?.() === 0;
  const namespaces = options.namespaces ?? [{ name: 'gsweep', searchAttributes: true }];
  const ports = await allocatePorts();
  const certs = makeCertificates(path.join(dir, 'certs'));
  // Readable by the postgres user and the server; the keys are test keys.
  fs.chmodSync(dir, 0o755);
  const postgres = initPostgres(dir, pgBin, asPostgres, ports.postgres);
  postgres.start();

  const address = `127.0.0.1:${ports.frontend}`;
  // The server certificate names localhost and 127.0.0.1; the name keeps Node's TLS from
  // warning about an IP as server name (RFC 6066) on every client's stderr.
  const settings = (namespace = namespaces[0]!.name, taskQueue = DEFAULT_TASK_QUEUE): ConnectionSettings => ({
    address,
    namespace,
    taskQueue,
    tls: { clientCertPath: certs.clientCert, clientKeyPath: certs.clientKey, serverCaCertPath: certs.ca, serverName: 'localhost' },
  });
  const connect = (namespace?: string) => Connection.connect({ ...connectOptions(settings(namespace)), connectTimeout: '5s' });
  const rig: RigState = { dir, ownsDir, binaries, certs, address, serverLog: path.join(dir, 'temporal-server.log'), postgres, connect };

  try {
    setUpTemporalSchemas(binaries, ports.postgres);
    log(`PostgreSQL 15 on 127.0.0.1:${ports.postgres}, schemas set up with temporal-sql-tool`);
    const configDir = path.join(dir, 'config');
    fs.mkdirSync(configDir, { recursive: true });
    fs.writeFileSync(path.join(configDir, 'production.yaml'), serverConfig(ports, certs));
    await startServer(rig);
    log(`temporal-server ${binaries.server} at ${address} (mTLS), log ${rig.serverLog}`);
    await registerNamespaces(rig, namespaces, log);
    return rigHandle(rig, namespaces[0]!.name, settings, pgBin, ports.postgres);
  } catch (err) {
    await stopRig(rig);
    throw err;
  }
}

function rigHandle(rig: RigState, namespace: string, settings: ProductionRig['settings'], pgBin: string, pgPort: number): ProductionRig {
  const { dir, address, certs, binaries, connect, postgres } = rig;
  return {
    dir,
    address,
    namespace,
    certs,
    binaries,
    settings,
    cliArgs: (ns?: string) => {
      const s = settings(ns);
      return ['--address', s.address, '--namespace', s.namespace, '--tls-cert', certs.clientCert, '--tls-key', certs.clientKey, '--tls-ca', certs.ca, '--tls-server-name', 'localhost'];
    },
    env: (ns?: string) => ({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: ns ?? namespace,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certs.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certs.clientKey,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    }),
    connect,
    serverPid: () => (serverRunning(rig.server) ? rig.server.pid : undefined),
    killServer: () => killServer(rig),
    startServer: () => startServer(rig),
    restartPostgres(mode = 'immediate') {
      postgres.pg(['pg_ctl', '-D', postgres.data, '-m', mode, '-w', 'stop']);
      postgres.start();
    },
    databaseBytes() {
      const out = run(path.join(pgBin, 'psql'), [
        '-h', '127.0.0.1', '-p', String(pgPort), '-U', 'temporal', '-d', 'temporal', '-At', '-c',
        "SELECT pg_database_size('temporal') + pg_database_size('temporal_visibility')",
      ]);
      return Number(out.trim());
    },
    stop: () => stopRig(rig),
  };
}

if (require.main === module) {
  const i = process.argv.indexOf('--dir');
  const dir = i > 0 ? process.argv[i + 1] : undefined;
  startProductionRig({ dir, log: (l) => process.stderr.write(`rig: ${l}\n`) }).then(
    (rig) => {
      for (const [k, v] of Object.entries(rig.env())) process.stdout.write(`export ${k}=${v}\n`);
      process.stderr.write(`rig: running in ${rig.dir}; Ctrl-C stops temporal-server and PostgreSQL${dir ? '' : ' and removes the directory'}\n`);
      const stop = () => void rig.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err) => {
      process.stderr.write(`rig: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
