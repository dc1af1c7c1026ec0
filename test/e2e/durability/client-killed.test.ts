/**
 * Killed client: the `gsweep run` process following a sweep is SIGKILLed;
 * the sweep goes on on the external worker; `gsweep status` and `gsweep wait` reattach,
 * show progress and report the result.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/temporal';
import {
  aggregateByRun,
  finishedRuns,
  gridArgs,
  killGroup,
  readManifestFile,
  ROWS_PER_RUN,
  spawnCli,
  startEnv,
  tagEnv,
  waitFor,
  type CliChild,
  type Env,
} from './helpers';

const RUNS = 40;

describe('client killed', () => {
  let env: Env;
  let cli: CliChild | undefined;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    if (cli?.child.pid) killGroup(cli.child.pid);
    await env?.close();
  });

  it('the sweep survives a SIGKILLed `gsweep run`; `gsweep wait` reattaches and reports the result', async () => {
    const out = path.join(env.scratch('gsweep-client-'), 'out');
    const sweepId = `client-${env.tag}`;
    await env.startWorker(['--concurrency', '2'], { GSWEEP_STANDIN_DELAY_MS: '300' });
    cli = spawnCli(gridArgs(out, sweepId, `Sat.SMA=6800:7400:${RUNS}`, ['--address', env.server.address]), tagEnv(env.tag));
    await waitFor(() => finishedRuns(out).length >= 5, 'five runs to finish', 60_000, 50);
    expect(cli.stderr()).toContain(`started sweep ${sweepId}: ${RUNS} runs`);
    killGroup(cli.child.pid!);
    expect(await cli.exited).toBeNull(); // died by signal, no exit code
    expect(cli.child.signalCode).toBe('SIGKILL');
    const doneAtKill = finishedRuns(out).length;
    expect(doneAtKill).toBeLessThan(RUNS - 5);

    // Nobody is following the sweep, and it goes on.
    await waitFor(() => finishedRuns(out).length >= doneAtKill + 3, 'runs to keep finishing without a client', 30_000, 50);
    const status = await runCli(['status', sweepId, '--address', env.server.address], { timeoutMs: 30_000 });
    expect(status.code, status.stderr).toBe(0);
    const progress = new RegExp(`^${sweepId}: running · (\\d+)/${RUNS} done · (\\d+) ok · 0 failed`).exec(status.stdout);
    expect(progress, status.stdout).not.toBeNull();
    expect(Number(progress![1])).toBeGreaterThanOrEqual(doneAtKill);

    const waited = await runCli(['wait', sweepId, '--address', env.server.address], { timeoutMs: 90_000 });
    expect(waited.code, waited.stderr).toBe(0);
    // The progress line picks up where the sweep is, not at zero.
    const first = /gsweep \[[=-]*\] (\d+)\/(\d+) runs/.exec(waited.stderr);
    expect(first, waited.stderr).not.toBeNull();
    expect(Number(first![1])).toBeGreaterThanOrEqual(doneAtKill);
    expect(Number(first![2])).toBe(RUNS);
    expect(waited.stderr).toContain(`${RUNS}/${RUNS} runs ok, 0 failed (sweep ${sweepId}`);
    expect(waited.stdout).toContain(`manifest: ${path.join(out, 'manifest.jsonl')}`);
    expect(waited.stdout).toContain(`report__Track: ${path.join(out, 'report__Track.parquet')}`);

    expect(readManifestFile(out).entries.map((e) => e.status)).toEqual(new Array(RUNS).fill('ok'));
    const byRun = await aggregateByRun(out);
    expect(byRun).toEqual(Array.from({ length: RUNS }, (_, id) => ({ run_id: id, rows: ROWS_PER_RUN, times: ROWS_PER_RUN, statuses: 'ok' })));
  }, 120_000);
});
