// gsweep list: running and recent sweeps on a real dev server, from the visibility API and
// the Gsweep* search attributes. A run the stand-in engine hangs on (a fault real GMAT
// cannot be made to do) keeps one sweep running with known progress.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepHandle, sweepProgress } from '../../../api/handle';
import { SCRIPT, startEnv, waitFor, type Env } from '../durability/helpers';
import { runCli } from '../../helpers/temporal';

let env: Env;
const RUNNING = 'list-running';
const DONE = 'list-done';

beforeAll(async () => {
  env = await startEnv();
  await env.startWorker(['--concurrency', '2'], { GSWEEP_STANDIN_HANG_IF: 'Sat.SMA = 7777;' });
  const out = env.scratch('gsweep-list-');
  const done = await runCli(['run', SCRIPT, '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', `${out}/done`, '--sweep-id', DONE, '--address', env.server.address]);
  expect(done.code).toBe(0);
  const started = await runCli([
    'run', SCRIPT, '--grid', 'Sat.SMA=7000,7777,7100', '--engine', 'stand-in', '--out', `${out}/running`, '--sweep-id', RUNNING,
    '--address', env.server.address, '--no-wait', '--run-timeout', '3600',
  ]);
  expect(started.code).toBe(0);
  await waitFor(async () => (await sweepProgress(sweepHandle(env.client, RUNNING))).ok === 2, 'two runs of the running sweep to finish', 60_000, 200);
}, 180_000);

afterAll(async () => {
  await env?.client.workflow.getHandle(RUNNING).terminate('test over').catch(() => undefined);
  await env?.close();
});

describe('gsweep list', () => {
  it('--json: running sweeps first with live progress, then recent ones with their final counts', async () => {
    const r = await runCli(['list', '--address', env.server.address, '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows).toEqual([
      expect.objectContaining({ sweepId: RUNNING, status: 'running', script: 'leo_point_mass.script', runCount: 3, done: 2, failed: 0, progressFrom: 'query', closeTime: null }),
      expect.objectContaining({ sweepId: DONE, status: 'completed', script: 'leo_point_mass.script', runCount: 2, done: 2, failed: 0, progress: 1, progressFrom: 'search-attributes' }),
    ]);
    expect(rows[0].progress).toBeCloseTo(2 / 3, 12);
    expect(rows[1].outDir).toMatch(/\/done$/);
  });

  it('prints a table; --running shows only running sweeps', async () => {
    const table = await runCli(['list', '--address', env.server.address]);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SWEEP\s+STATUS\s+SCRIPT\s+RUNS\s+DONE\s+FAILED\s+PROGRESS\s+STARTED \(UTC\)$/);
    expect(lines[1]).toMatch(new RegExp(`^${RUNNING}\\s+running\\s+leo_point_mass\\.script\\s+3\\s+2\\s+0\\s+66%\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`));
    expect(lines[2]).toMatch(new RegExp(`^${DONE}\\s+completed\\s+leo_point_mass\\.script\\s+2\\s+2\\s+0\\s+100%`));
    const running = JSON.parse((await runCli(['list', '--address', env.server.address, '--running', '--json'])).stdout);
    expect(running.map((x: { sweepId: string }) => x.sweepId)).toEqual([RUNNING]);
  });

  it('needs a server address', async () => {
    const r = await runCli(['list'], { env: { TEMPORAL_ADDRESS: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gsweep: error: gsweep list needs --address (or TEMPORAL_ADDRESS): the sweep lives on a Temporal server');
  });
});
