/**
 * Orchestration overhead: with the same engine and the same number of worker
 * slots, a gsweep sweep takes at most 1.15× the wall time of a plain local process pool
 * running the same runs. Reference: 1000 runs of `leo_point_mass.script` with the stand-in,
 * 2 slots.
 *
 *   (a) plain local process pool: 2 Node child processes (forked, warmed up before timing),
 *       each calling `runMission` for the run ids the parent hands it (like joblib/loky);
 *   (b) gsweep: an embedded `temporal server start-dev`, an in-process worker with
 *       concurrency 2, `startSweep` → `handle.result()` (includes the final writeAggregate).
 *       Dev-server and worker start-up are reported separately (a one-off cost per command).
 *
 * Both write the same per-run outputs (patched script, GMAT log, report Parquet,
 * outcome.json) under a fresh out dir. Runs alternate a/b/a/b to spread machine noise.
 *
 *   npx tsx bench/overhead.ts [--runs 1000] [--slots 2] [--repeat 2] [--mission path]
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { standInInstall } from '../gmat/install';
import { runDir } from '../output/layout';
import { runMission } from '../gmat/run-mission';
import { withEmbeddedTemporal } from '../cli/local';
import { prepareRequest } from '../request/request';
import { startSweep } from '../api';
import { gridOverrides, linspace } from '../sweep/grid';
import { fmt, numberFlag, parseArgs, printMachine, SHARED_MISSIONS } from './lib/common';

const AXIS = 'Sat.SMA';

/**
 * CPU seconds used by this process and by every descendant it has reaped (Linux
 * /proc/self/stat utime+stime+cutime+cstime). Less sensitive than wall time to other work
 * on a shared machine: on a saturated 2-core box, wall ≈ CPU / 2.
 */
function cpuSeconds(pid: number | 'self' = 'self', own = false): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime..cstime are fields 14..17.
  const ticks = (own ? [11, 12] : [11, 12, 13, 14]).reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / 100; // USER_HZ
}

function axes(runs: number): Record<string, number[]> {
  return { [AXIS]: linspace(6800, 7400, runs) };
}

// ---------------------------------------------------------------------------------------
// Pool child: runs whatever run ids the parent sends, one at a time.

async function poolChild(): Promise<void> {
  const install = standInInstall();
  process.on('message', (msg: { scriptText: string; outDir: string; runs: number; id: number } | { stop: true }) => {
    if ('stop' in msg) {
      process.disconnect();
      return;
    }
    runMission({
      scriptText: msg.scriptText,
      overrides: gridOverrides(axes(msg.runs), msg.id),
      runId: msg.id,
      runDirectory: runDir(msg.outDir, msg.id),
      install,
      timeoutMs: 600_000,
    }).then(
      () => process.send!({ id: msg.id, ok: true }),
      (err: Error) => process.send!({ id: msg.id, ok: false, error: err.message }),
    );
  });
  process.send!({ ready: true });
}

async function processPool(mission: string, runs: number, slots: number, outDir: string): Promise<{ wallMs: number; failed: number; cpuS: number }> {
  const cpu0 = cpuSeconds();
  const scriptText = fs.readFileSync(mission, 'utf8');
  const children: ChildProcess[] = [];
  try {
    for (let s = 0; s < slots; s++) {
      const child = fork(__filename, ['pool-child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
    }
    await Promise.all(children.map((c) => new Promise<void>((resolve) => c.once('message', () => resolve()))));
    const t0 = performance.now();
    let next = 0;
    let done = 0;
    let failed = 0;
    await new Promise<void>((resolve, reject) => {
      const feed = (child: ChildProcess) => {
        if (next < runs) child.send({ scriptText, outDir, runs, id: next++ });
      };
      for (const child of children) {
        child.on('message', (msg: { id: number; ok: boolean }) => {
          done++;
          if (!msg.ok) failed++;
          if (done === runs) resolve();
          else feed(child);
        });
        child.once('exit', (code) => {
          if (done < runs) reject(new Error(`pool child exited (${code}) after ${done} runs`));
        });
        feed(child);
      }
    });
    const wallMs = performance.now() - t0;
    await stopChildren(children);
    return { wallMs, failed, cpuS: cpuSeconds() - cpu0 };
  } finally {
    await stopChildren(children);
  }
}

async function stopChildren(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      if (c.connected) c.send({ stop: true });
      c.kill();
      await exited;
    }),
  );
}

async function gsweepSweep(
  mission: string,
  runs: number,
  slots: number,
  outDir: string,
): Promise<{ wallMs: number; setupMs: number; failed: number; executions: number; cpuS: number; serverCpuS: number; workerCpuS: number }> {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  let setupMs = 0;
  let serverPid = 0;
  const result = await withEmbeddedTemporal({ concurrency: slots, onServer: (server) => (serverPid = server.process.pid ?? 0) }, async ({ client, settings }) => {
    setupMs = performance.now() - t0;
    const prepared = await prepareRequest({ script: mission, grid: axes(runs), engine: 'stand-in', out: outDir });
    const server0 = cpuSeconds(serverPid, true);
    const own0 = cpuSeconds('self', true);
    const t1 = performance.now();
    const handle = await startSweep(client, prepared, { taskQueue: settings.taskQueue, namespace: settings.namespace });
    const summary = await handle.result();
    const wallMs = performance.now() - t1;
    return {
      wallMs,
      setupMs,
      failed: summary.failed,
      executions: summary.executions,
      // During the sweep only: the dev server's own CPU, and this process's (worker, workflow, client).
      serverCpuS: cpuSeconds(serverPid, true) - server0,
      workerCpuS: cpuSeconds('self', true) - own0,
    };
  });
  // The dev server has exited and been reaped: its CPU is in cutime now (start-up included).
  return { ...result, cpuS: cpuSeconds() - cpu0 };
}

async function main(): Promise<void> {
  const { positional, flags } = parseArgs(process.argv.slice(2));
  if (positional[0] === 'pool-child') {
    await poolChild();
    return;
  }
  const runs = numberFlag(flags, 'runs', 1000);
  const slots = numberFlag(flags, 'slots', 2);
  const repeat = numberFlag(flags, 'repeat', 2);
  const mission = typeof flags.mission === 'string' ? path.resolve(flags.mission) : path.join(SHARED_MISSIONS, 'leo_point_mass.script');
  printMachine();
  console.log(`overhead: ${runs} runs of ${path.basename(mission)}, stand-in engine, ${slots} slots, ${repeat} repeats`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-bench-overhead-'));
  const pool: number[] = [];
  const sweep: number[] = [];
  const poolCpu: number[] = [];
  const sweepCpu: number[] = [];
  try {
    for (let r = 0; r < repeat; r++) {
      const a = await processPool(mission, runs, slots, path.join(work, `pool-${r}`));
      pool.push(a.wallMs);
      poolCpu.push(a.cpuS);
      console.log(
        `  (a) process pool x${slots}        ${fmt(a.wallMs / 1000, 2).padStart(7)} s  ${fmt((runs * 1000) / a.wallMs, 1)} runs/s  failed ${a.failed}  CPU ${fmt(a.cpuS, 1)} s (${fmt((a.cpuS * 1000) / runs, 1)} ms/run)`,
      );
      fs.rmSync(path.join(work, `pool-${r}`), { recursive: true, force: true });
      const b = await gsweepSweep(mission, runs, slots, path.join(work, `sweep-${r}`));
      sweep.push(b.wallMs);
      sweepCpu.push(b.cpuS);
      console.log(
        `  (b) gsweep sweep, concurrency ${slots} ${fmt(b.wallMs / 1000, 2).padStart(7)} s  ${fmt((runs * 1000) / b.wallMs, 1)} runs/s  failed ${b.failed}  CPU ${fmt(b.cpuS, 1)} s (${fmt((b.cpuS * 1000) / runs, 1)} ms/run, incl. server; during the sweep: server ${fmt((b.serverCpuS * 1000) / runs, 1)} ms/run, worker process ${fmt((b.workerCpuS * 1000) / runs, 1)} ms/run)  (+ ${fmt(b.setupMs / 1000, 2)} s dev server + worker start; ${b.executions} execution(s); ratio ${fmt(b.wallMs / a.wallMs, 3)})`,
      );
      fs.rmSync(path.join(work, `sweep-${r}`), { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const a = Math.min(...pool);
  const b = Math.min(...sweep);
  console.log('\nbest of repeats:');
  console.log(`  (a) process pool: ${fmt(a / 1000, 2)} s   (b) gsweep: ${fmt(b / 1000, 2)} s   ratio b/a = ${fmt(b / a, 3)} (target <= 1.15: ${b / a <= 1.15 ? 'met' : 'MISSED'})`);
  const ca = Math.min(...poolCpu);
  const cb = Math.min(...sweepCpu);
  console.log(`  CPU: (a) ${fmt(ca, 1)} s  (b) ${fmt(cb, 1)} s  ratio ${fmt(cb / ca, 3)}  (orchestration CPU ${fmt(((cb - ca) * 1000) / runs, 1)} ms/run)`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
