/**
 * Raw orchestration throughput: an engine that returns at once (no
 * process spawned), embedded dev server, end to end: ≥ 300 runs/s on a 2-core machine,
 * whatever the sweep's size.
 *
 * Three processes, as in a deployment: this one is the client (prepareRequest → startSweep
 * → result), the worker runs in its own process (`bench/lib/throughput-worker.ts`: gsweep's
 * bundle, activities and worker options, except that `runGmat` returns at once), and the
 * dev server is the Temporal CLI with a SQLite file. Figures per repeat:
 *   end to end  — startSweep → result (prepareSweep, every run, continue-as-new, writeAggregate)
 *   run phase   — startSweep → writeAggregate starts (the part that scales with runs)
 *   peak RSS of worker, client and server; the server's database size; history events per
 *   run and per execution; WORKFLOW_TASK_FAILED (force-closed tasks); payload-size warnings.
 *
 *   npx tsx bench/throughput.ts [--runs 5000] [--max-in-flight 500] [--concurrency 500]
 *                               [--repeat 2] [--wft N] [--pollers N] [--max-cached N] [--eager N]
 *                               [--no-history] [--max-buffered N] [--no-eager-server] [--db-file] [--json FILE]
 *                               [--server dev|postgres]
 *
 * `--server postgres` runs against the production rig instead (temporal/production-rig.ts:
 * temporal-server v1.29.1 on PostgreSQL 15 behind mTLS, the server's default dynamic config,
 * so no eager activities and the default buffered-events batch); server CPU is temporal-server's
 * and the database growth per run is PostgreSQL's (both databases) over the sweep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { EMBEDDED_DYNAMIC_CONFIG, startDevServer, type DevServer } from '../temporal/dev-server';
import { startProductionRig, type ProductionRig } from '../temporal/production-rig';
import { prepareRequest } from '../request/request';
import { startSweep } from '../api';
import { fmt, mib, nodeTs, numberFlag, parseArgs, peakRssMiB, printMachine, SHARED_MISSIONS } from './lib/common';

interface Result {
  /** Database bytes added during the sweep (PostgreSQL server only). */
  dbGrowthBytes?: number;
  /** CPU seconds during the sweep: worker process, dev server, this client. */
  cpu: { worker: number; server: number; client: number };
  endToEndMs: number;
  runPhaseMs: number;
  aggregateMs: number;
  executions: number;
  ok: number;
  workflowId: string;
  worker: WorkerReport;
  clientPeakRssMiB: number;
}

interface WorkerReport {
  completed: number;
  aggregateStartedAtMs: number;
  aggregateMs: number;
  peakRssMiB: number;
  cpuSeconds: number;
  payloadWarnings: number;
  taskNotFound: number;
}

/** The history event types this bench reports (temporal.api.enums.v1.EventType). */
const EVENT_TYPES: Record<number, string> = {
  5: 'WORKFLOW_TASK_SCHEDULED',
  6: 'WORKFLOW_TASK_STARTED',
  7: 'WORKFLOW_TASK_COMPLETED',
  8: 'WORKFLOW_TASK_TIMED_OUT',
  9: 'WORKFLOW_TASK_FAILED',
  10: 'ACTIVITY_TASK_SCHEDULED',
  11: 'ACTIVITY_TASK_STARTED',
  12: 'ACTIVITY_TASK_COMPLETED',
  40: 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
};
/** temporal.api.enums.v1.WorkflowTaskFailedCause, the values seen here. */
const WFT_FAILED_CAUSES: Record<number, string> = { 1: 'UNHANDLED_COMMAND', 13: 'RESET_STICKY_TASK_QUEUE', 17: 'FORCE_CLOSE_COMMAND', 24: 'NON_DETERMINISTIC_ERROR' };

/** Event counts over every execution of the sweep (continue-as-new chain). */
async function historyCounts(client: Client, workflowId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = { total: 0, executions: 0, largest: 0 };
  counts.heartbeats = 0;
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    const events = history.events ?? [];
    // Heartbeats are not in history: a batch sends at most one a second (GsweepPlugin's
    // throttle), so its seconds between start and completion bound them from above.
    const startedAt = new Map<string, number>();
    const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
    for (const event of events) {
      const started = event.activityTaskStartedEventAttributes;
      if (started) startedAt.set(String(started.scheduledEventId), ms(event.eventTime));
      const done = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskCanceledEventAttributes;
      const t0 = done ? startedAt.get(String(done.scheduledEventId)) : undefined;
      if (t0 !== undefined) counts.heartbeats += Math.floor((ms(event.eventTime) - t0) / 1000);
    }
    counts.total += events.length;
    counts.executions++;
    counts.largest = Math.max(counts.largest, events.length);
    for (const event of events) {
      const type = EVENT_TYPES[Number(event.eventType ?? 0)] ?? `type ${String(event.eventType)}`;
      counts[type] = (counts[type] ?? 0) + 1;
      const cause = event.workflowTaskFailedEventAttributes?.cause;
      if (cause !== undefined && cause !== null) {
        const key = `WORKFLOW_TASK_FAILED cause ${WFT_FAILED_CAUSES[Number(cause)] ?? String(cause)}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
    }
  }
  return counts;
}

/** Starts the worker process and resolves once it polls. */
async function startWorker(args: string[]): Promise<{ child: ChildProcess; report: Promise<WorkerReport> }> {
  const [cmd, argv] = nodeTs(path.join(__dirname, 'lib', 'throughput-worker.ts'), args);
  // stdin is a pipe the worker watches: it exits when this process dies.
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const report = new Promise<WorkerReport>((resolve, reject) => {
    let last: WorkerReport | undefined;
    lines.on('line', (line) => {
      const value = JSON.parse(line) as WorkerReport & { ready?: boolean };
      if (value.ready) ready();
      else last = value;
    });
    child.once('exit', (code) => (last && code === 0 ? resolve(last) : reject(new Error(`worker process exited with ${code}`))));
  });
  await Promise.race([isReady, report]);
  return { child, report };
}

/** CPU seconds (user + system) a process has used so far, from /proc (100 ticks per second). */
function processCpuSeconds(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function once(
  client: Client,
  opts: { address: string; namespace: string; runs: number; maxInFlight: number; workerArgs: string[]; serverPid?: number; dbBytes?: () => number },
  outDir: string,
  taskQueue: string,
): Promise<Result> {
  const { child, report } = await startWorker(['--address', opts.address, '--namespace', opts.namespace, '--task-queue', taskQueue, ...opts.workerArgs]);
  try {
    const prepared = await prepareRequest({
      script: path.join(SHARED_MISSIONS, 'leo_point_mass.script'),
      grid: { 'Sat.SMA': { lo: 6800, hi: 7400, count: opts.runs } },
      engine: 'stand-in',
      out: outDir,
      maxInFlight: opts.maxInFlight,
    });
    const db0 = opts.dbBytes?.();
    const t0 = Date.now();
    const serverCpu0 = processCpuSeconds(opts.serverPid);
    const clientCpu0 = process.cpuUsage();
    const handle = await startSweep(client, prepared, { taskQueue, namespace: opts.namespace });
    const summary = await handle.result();
    const t1 = Date.now();
    const serverCpu = processCpuSeconds(opts.serverPid) - serverCpu0;
    const clientCpuUsage = process.cpuUsage(clientCpu0);
    const dbGrowthBytes = db0 === undefined ? undefined : opts.dbBytes!() - db0;
    child.kill('SIGTERM');
    const worker = await report;
    if (worker.completed < opts.runs) throw new Error(`only ${worker.completed} of ${opts.runs} runs executed`);
    return {
      cpu: { worker: worker.cpuSeconds, server: serverCpu, client: (clientCpuUsage.user + clientCpuUsage.system) / 1e6 },
      endToEndMs: t1 - t0,
      runPhaseMs: worker.aggregateStartedAtMs - t0,
      aggregateMs: worker.aggregateMs,
      executions: summary.executions,
      ok: summary.ok,
      workflowId: handle.workflowId,
      worker,
      clientPeakRssMiB: peakRssMiB(),
      dbGrowthBytes,
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** Peak RSS (VmHWM) of a process, in MiB. */
function processPeakRssMiB(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : Number.NaN;
}

function dbBytes(file: string): number {
  return ['', '-wal', '-shm'].reduce((n, suffix) => n + (fs.existsSync(file + suffix) ? fs.statSync(file + suffix).size : 0), 0);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const runs = numberFlag(flags, 'runs', 5000);
  const maxInFlight = numberFlag(flags, 'max-in-flight', 500);
  const repeat = numberFlag(flags, 'repeat', 2);
  const workerArgs = ['--concurrency', String(numberFlag(flags, 'concurrency', 500))];
  for (const name of ['wft', 'pollers', 'max-cached', 'eager']) if (flags[name] !== undefined) workerArgs.push(`--${name}`, String(flags[name]));
  printMachine();
  // The embedded server's own settings (temporal/dev-server.ts), optionally overridden.
  const dynamicConfig: Record<string, string | number | boolean> = { ...EMBEDDED_DYNAMIC_CONFIG };
  if (flags['max-buffered'] !== undefined) dynamicConfig['history.maximumBufferedEventsBatch'] = numberFlag(flags, 'max-buffered', 100);
  // The server's own default (off): every run goes through matching, whatever --eager says.
  if (flags['no-eager-server'] === true) dynamicConfig['system.enableActivityEagerExecution'] = false;
  console.log(
    `throughput: ${runs} runs, engine returning at once, server ${flags.server === 'postgres' ? 'temporal-server on PostgreSQL (default dynamic config)' : `dev server, database ${flags['db-file'] === true ? 'in a file' : 'in memory'}`}, worker in its own process (${workerArgs.join(' ')}), maxInFlight ${maxInFlight}, ${flags.server === 'postgres' ? 'server dynamic config: its defaults' : `server dynamic config ${JSON.stringify(dynamicConfig)}`}, ${repeat} repeats`,
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-bench-throughput-'));
  const dbFile = path.join(work, 'temporal.db');
  // SQLite in memory by default, as `gsweep run`'s embedded server; --db-file puts it in a
  // file (as `--db-filename`), to report its size (file-backed SQLite costs the server ~2x CPU).
  const inMemory = flags['db-file'] !== true;
  const postgres = flags.server === 'postgres';
  let rig: ProductionRig | undefined;
  let dev: DevServer | undefined;
  if (postgres) rig = await startProductionRig({ log: (l) => console.log(`  rig: ${l}`) });
  else dev = await startDevServer({ headless: true, dynamicConfig, ...(inMemory ? {} : { dbFilename: dbFile }) });
  const server = {
    address: rig?.address ?? dev!.address,
    namespace: rig?.namespace ?? dev!.namespace,
    pid: () => rig?.serverPid() ?? dev!.process.pid,
    tlsArgs: rig ? rig.cliArgs().slice(4) : [],
    stop: () => (rig ? rig.stop() : dev!.stop()),
  };
  // Ctrl-C / kill: take the server down with the bench (the worker follows its stdin).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (dev) dev.process.kill('SIGKILL');
      void rig?.stop().finally(() => process.exit(130));
      if (!rig) process.exit(130);
    });
  }
  const results: Result[] = [];
  let connection: Connection | undefined;
  try {
    connection = rig ? await rig.connect() : await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: server.namespace });
    for (let r = 0; r < repeat; r++) {
      const res = await once(
        client,
        { address: server.address, namespace: server.namespace, runs, maxInFlight, workerArgs: [...workerArgs, ...server.tlsArgs], serverPid: server.pid(), dbBytes: rig ? () => rig!.databaseBytes() : undefined },
        path.join(work, `out-${r}`),
        `bench-${r}`,
      );
      results.push(res);
      console.log(
        `  end to end ${fmt(res.endToEndMs / 1000, 2)} s = ${fmt((runs * 1000) / res.endToEndMs, 0)} runs/s;  run phase ${fmt(res.runPhaseMs / 1000, 2)} s = ${fmt((runs * 1000) / res.runPhaseMs, 0)} runs/s;  aggregate ${fmt(res.aggregateMs / 1000, 2)} s;  ${res.executions} execution(s), ${res.ok} ok;  load(1m) ${fmt(os.loadavg()[0], 2)}`,
      );
      console.log(
        `    peak RSS: worker ${fmt(res.worker.peakRssMiB, 0)} MiB, client ${fmt(res.clientPeakRssMiB, 0)} MiB, server ${fmt(processPeakRssMiB(server.pid()), 0)} MiB (so far); server DB ${rig ? `PostgreSQL ${fmt(mib(rig.databaseBytes()), 0)} MiB, +${fmt((res.dbGrowthBytes ?? 0) / runs / 1024, 2)} KiB per run` : inMemory ? 'in memory' : `${fmt(mib(dbBytes(dbFile)), 0)} MiB`};  payload warnings ${res.worker.payloadWarnings}, task-not-found warnings ${res.worker.taskNotFound}`,
      );
      const cpuTotal = res.cpu.worker + res.cpu.server + res.cpu.client;
      console.log(
        `    CPU: worker ${fmt(res.cpu.worker, 1)} s (incl. start-up), server ${fmt(res.cpu.server, 1)} s, client ${fmt(res.cpu.client, 1)} s = ${fmt((cpuTotal * 1000) / runs, 2)} ms per run; on 2 otherwise idle cores that is ${fmt(runs / (cpuTotal / 2), 0)} runs/s`,
      );
      if (flags['no-history'] !== true) {
        // Visibility is eventually consistent: give the last execution a moment to be listed.
        await new Promise((done) => setTimeout(done, 1500));
        const counts = await historyCounts(client, res.workflowId);
        const total = counts.total;
        const wft = counts.WORKFLOW_TASK_COMPLETED ?? 0;
        console.log(
          `    history: ${total} events over ${counts.executions} executions (${fmt(total / runs, 2)}/run, ${fmt(total / counts.executions, 0)}/execution, largest execution ${counts.largest}), ${wft} workflow tasks completed (${fmt(runs / Math.max(1, wft), 2)} runs per task); WORKFLOW_TASK_FAILED=${counts.WORKFLOW_TASK_FAILED ?? 0} ` +
            Object.entries(counts)
              .filter(([k]) => /TIMED_OUT|cause/.test(k))
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
        );
        // What Temporal Cloud bills: a workflow start per execution (continue-as-new
        // included), an activity start per attempt, each heartbeat, each search-attribute
        // upsert (the client's progress queries come on top, one per poll).
        const actions = counts.executions + (counts.ACTIVITY_TASK_STARTED ?? 0) + counts.heartbeats + (counts.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ?? 0);
        console.log(
          `    Temporal actions (estimate): ${actions} = ${counts.executions} starts + ${counts.ACTIVITY_TASK_STARTED ?? 0} activities + <= ${counts.heartbeats} heartbeats + ${counts.UPSERT_WORKFLOW_SEARCH_ATTRIBUTES ?? 0} upserts; ${fmt((actions / runs) * 1e6, 0)} per 1 000 000 runs`,
        );
      }
      fs.rmSync(path.join(work, `out-${r}`), { recursive: true, force: true });
    }
  } finally {
    await connection?.close();
    const serverPeak = processPeakRssMiB(server.pid());
    const database = rig ? `PostgreSQL ${fmt(mib(rig.databaseBytes()), 0)} MiB` : inMemory ? 'in memory (pass --db-file for its size)' : `${fmt(mib(dbBytes(dbFile)), 0)} MiB`;
    await server.stop();
    console.log(`server peak RSS ${fmt(serverPeak, 0)} MiB, database ${database} after ${results.length} sweep(s)`);
    fs.rmSync(work, { recursive: true, force: true });
  }
  const rates = results.map((r) => (runs * 1000) / r.endToEndMs);
  const capacity = results.map((r) => runs / ((r.cpu.worker + r.cpu.server + r.cpu.client) / 2));
  console.log(`CPU-bound capacity on 2 idle cores (median): ${fmt(median(capacity), 0)} runs/s`);
  // Batches make the per-run price of durability small: >= 2 000 runs/s with the server's
  // database in memory, >= 1 000 with it in a file (what a real cluster has).
  const target = inMemory && !rig ? 2000 : 1000;
  const targetWhat = inMemory && !rig ? ' (database in memory)' : ' (database on disk)';
  const rate = median(rates);
  console.log(
    `\nmedian of ${results.length}: ${fmt(rate, 0)} runs/s end to end (best ${fmt(Math.max(...rates), 0)}; target >= ${target}${targetWhat}: ${rate >= target ? 'met' : 'MISSED'}); ` +
      `worker peak RSS ${fmt(Math.max(...results.map((r) => r.worker.peakRssMiB)), 0)} MiB (< 1024: ${results.every((r) => r.worker.peakRssMiB < 1024) ? 'met' : 'MISSED'}), ` +
      `client ${fmt(Math.max(...results.map((r) => r.clientPeakRssMiB)), 0)} MiB (< 300: ${results.every((r) => r.clientPeakRssMiB < 300) ? 'met' : 'MISSED'})`,
  );
  if (typeof flags.json === 'string') fs.writeFileSync(flags.json, JSON.stringify({ runs, results }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
