/**
 * Restarted server: `gsweep dev-server --db-filename` is SIGKILLed mid-sweep
 * (with its `temporal` child: the whole process group) and started again on the same file
 * and port; the two worker processes reconnect on their own and the sweep completes
 * correctly from history.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { restartablePort } from '../../../temporal/dev-server';
import { runCli, spawnWorker, tempDir, type WorkerProcess } from '../../helpers/temporal';
import {
  aggregateByRun,
  ENGINES,
  finishedRuns,
  gridArgs,
  killGroup,
  killTagged,
  newTag,
  OK_RUN_FILES,
  readManifestFile,
  ROWS_PER_RUN,
  runDirReport,
  sleep,
  spawnCli,
  STAND_IN,
  tagEnv,
  waitFor,
  type CliChild,
} from './helpers';


/** True when a TCP connection to 127.0.0.1:port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe.each(ENGINES)('dev server restarted ($label)', (engine) => {
  // Real GMAT cannot be slowed on cue (the stand-in's runs take 300 ms here): more runs, so the restart lands mid-sweep.
  const RUNS = engine === STAND_IN ? 60 : 100;
  const tag = newTag();
  const servers: CliChild[] = [];
  const workers: WorkerProcess[] = [];
  const dir = tempDir('gsweep-restart-');
  afterAll(async () => {
    for (const w of workers) killGroup(w.child.pid!);
    for (const s of servers) killGroup(s.child.pid!);
    await Promise.all(servers.map((s) => s.exited));
    killTagged(tag);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function startServer(port: number, db: string): Promise<CliChild> {
    const server = spawnCli(['dev-server', '--port', String(port), '--db-filename', db], tagEnv(tag));
    servers.push(server);
    await waitFor(() => server.stdout().includes(`127.0.0.1:${port}`) || server.child.exitCode !== null, 'dev server to listen', 60_000, 50);
    if (server.child.exitCode !== null) throw new Error(`dev server exited:\n${server.stderr()}`);
    return server;
  }

  it('survives SIGKILL of the dev server and a restart on the same database and port', async () => {
    const out = path.join(dir, 'out');
    const db = path.join(dir, 'temporal.db');
    const port = await restartablePort();
    const address = `127.0.0.1:${port}`;
    const sweepId = `restart-${tag}`;

    const first = await startServer(port, db);
    const engineEnv = await engine.workerEnv();
    for (let i = 0; i < 2; i++) {
      const w = spawnWorker(address, ['--concurrency', '2'], tagEnv(tag, { ...engineEnv, GSWEEP_STANDIN_DELAY_MS: '300' }));
      workers.push(w);
    }
    await waitFor(() => workers.every((w) => w.output().includes('gsweep worker polling')), 'workers to poll', 60_000, 50);
    const start = await runCli(
      gridArgs(out, sweepId, `Sat.SMA=6800:7400:${RUNS}`, ['--address', address, '--heartbeat-timeout', '3', '--no-wait'], engine),
      { timeoutMs: 60_000 },
    );
    expect(start.code, start.stderr).toBe(0);

    await waitFor(() => finishedRuns(out).length >= 10, 'ten runs to finish', 60_000, 50);
    killGroup(first.child.pid!); // the gsweep dev-server process and its `temporal` child
    await first.exited;
    const killedAt = Date.now();
    const doneAtKill = finishedRuns(out).length;
    expect(doneAtKill).toBeLessThan(RUNS - 10);
    // Really down: nothing listens on its port any more (the `temporal` child is gone too).
    await waitFor(() => refused(port), 'the dev server port to refuse connections', 5000, 50);
    await sleep(Math.max(0, 3000 - (Date.now() - killedAt)));
    expect(finishedRuns(out).length).toBeLessThan(RUNS);
    expect(fs.existsSync(db)).toBe(true);

    await startServer(port, db);
    const restartedAt = Date.now();
    const waited = await runCli(['wait', sweepId, '--address', address], { timeoutMs: 100_000 });
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stderr).toContain(`${RUNS}/${RUNS} runs ok, 0 failed`);

    // The same worker processes (never restarted) did the rest after the restart.
    for (const w of workers) expect(w.child.exitCode).toBeNull();
    const afterRestart = Array.from({ length: RUNS }, (_, id) => runDirReport(out, id)).filter((r) => r.startedMs > restartedAt);
    expect(afterRestart.length).toBeGreaterThan(0);

    expect(readManifestFile(out).entries.map((e) => e.status)).toEqual(new Array(RUNS).fill('ok'));
    const byRun = await aggregateByRun(out);
    expect(byRun).toEqual(Array.from({ length: RUNS }, (_, id) => ({ run_id: id, rows: ROWS_PER_RUN, times: ROWS_PER_RUN, statuses: 'ok' })));
    for (let id = 0; id < RUNS; id++) expect(runDirReport(out, id).files).toEqual(OK_RUN_FILES);
  }, 150_000);
});
