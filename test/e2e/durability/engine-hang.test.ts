/**
 * Engine hang: a run whose GmatConsole never exits (it also starts a `sleep
 * 3600` grandchild) fails at the sweep's run timeout as `failed` with a timeout message,
 * nothing of its process tree survives, and the sweep goes on (exit 1: one run failed).
 * One command, embedded dev server and in-process worker, as a laptop user runs it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/temporal';
import {
  aggregateByRun,
  engineProcesses,
  gridArgs,
  killGroup,
  killTagged,
  newTag,
  readManifestFile,
  readOutcomeFile,
  ROWS_PER_RUN,
  spawnCli,
  tagEnv,
  taggedProcesses,
  waitFor,
  type CliChild,
} from './helpers';

describe('engine hang', () => {
  const tag = newTag();
  let cli: CliChild | undefined;
  const dir = tempDir('gsweep-hang-');
  afterAll(() => {
    if (cli?.child.pid) killGroup(cli.child.pid);
    killTagged(tag);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails the hung run at runTimeout, kills its process tree, and finishes the others', async () => {
    const out = path.join(dir, 'out');
    const values = [6800, 6900, 7000, 7100, 7200, 7300, 7400, 7500];
    const hungRun = values.indexOf(7000);
    cli = spawnCli(
      // One process per run, so every stand-in process but the hung one's exits quickly; a
      // hang in a warm console is covered in test/gmat/warm.test.ts.
      gridArgs(out, `hang-${tag}`, `Sat.SMA=${values.join(',')}`, ['--run-timeout', '3', '--concurrency', '2', '--engine-mode', 'fresh']),
      tagEnv(tag, { GSWEEP_STANDIN_HANG_IF: 'Sat.SMA = 7000;', GSWEEP_STANDIN_DELAY_MS: '300' }),
    );

    // The engine really hangs: GmatConsole and its `sleep 3600` grandchild are alive.
    await waitFor(() => engineProcesses(tag).some((p) => /sleep 3600/.test(p.args)), 'the hung engine and its sleep grandchild', 60_000, 50);
    const hungAt = Date.now();
    // The hung run's engine and its sleep; not the other slot's engine, which may be starting.
    const hung = engineProcesses(tag).filter((p) => /sleep 3600/.test(p.args) || (/gmat-console\.js/.test(p.args) && p.args.includes(`/run-${hungRun}/`)));
    expect(hung).toHaveLength(2);

    // The moment the run records its failure, its tree is already gone.
    const outcomeFile = path.join(out, 'runs', `run-${hungRun}`, 'outcome.json');
    await waitFor(() => fs.existsSync(outcomeFile), 'the hung run to record its outcome', 30_000, 20);
    const failedAfterS = (Date.now() - hungAt) / 1000;
    const alive = new Set(taggedProcesses(tag).map((p) => p.pid));
    expect(hung.filter((p) => alive.has(p.pid))).toEqual([]);
    expect(engineProcesses(tag).filter((p) => /sleep 3600/.test(p.args))).toEqual([]);

    const outcome = readOutcomeFile(out, hungRun);
    expect(outcome.status).toBe('failed');
    expect(outcome.stderr).toMatch(/GMAT run timed out after 3 s and was killed with its process tree/);
    expect(outcome.duration_s).toBeGreaterThanOrEqual(3);
    // Figures, not bounds: how long after the hang showed the run was failed.
    console.log(`engine-hang: run ${hungRun} failed ${failedAfterS.toFixed(1)} s after its sleep appeared; outcome duration ${outcome.duration_s} s`);

    // The sweep goes on and ends with exit 1 (one run failed).
    const code = await Promise.race([cli.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 90_000))]);
    expect(code, cli.stderr()).toBe(1);
    expect(cli.stderr()).toContain(`${values.length - 1}/${values.length} runs ok, 1 failed`);
    // Nothing this test started is left: no GmatConsole, no sleep, no dev server, no CLI.
    await waitFor(() => taggedProcesses(tag).length === 0, 'every tagged process to be gone', 5000, 50);

    const manifest = readManifestFile(out);
    expect(manifest.entries.map((e) => e.status)).toEqual(values.map((_, i) => (i === hungRun ? 'failed' : 'ok')));
    expect(manifest.entries[hungRun]!.stderr).toMatch(/timed out after 3 s/);

    const byRun = await aggregateByRun(out);
    expect(byRun).toEqual(
      values.map((_, i) =>
        i === hungRun
          ? { run_id: i, rows: 1, times: 0, statuses: 'failed' }
          : { run_id: i, rows: ROWS_PER_RUN, times: ROWS_PER_RUN, statuses: 'ok' },
      ),
    );
  }, 120_000);
});
