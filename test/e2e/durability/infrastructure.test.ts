/**
 * An infrastructure failure (an output directory that cannot be used): one run's directory
 * cannot be made (a regular file sits where `runs/run-2/` belongs; root ignores permissions,
 * so a file in the way is what stops it). The batch holding the run fails with the OS error,
 * Temporal retries it per the sweep's policy (`--retries 2`) from that run, and when the
 * attempts are used up the run is `failed` with that error in the manifest and the rest of
 * the batch runs in a new one; the other runs finish, the sweep does not hang, and the file
 * gsweep did not create is left alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/temporal';
import { aggregateByRun, gridArgs, readManifestFile, ROWS_PER_RUN, startEnv, type Env } from './helpers';

describe('infrastructure errors', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('an unusable run directory is retried per policy, then recorded as failed with the OS error', async () => {
    const out = path.join(env.scratch('gsweep-infra-'), 'out');
    const sweepId = `infra-${env.tag}`;
    const queue = ['--task-queue', `q-infra-${env.tag}`];
    const values = [6800, 6900, 7000, 7100, 7200, 7300];
    // Started before any worker polls its queue, so the obstacle is in place before run 2 starts.
    const start = await runCli(
      gridArgs(out, sweepId, `Sat.SMA=${values.join(',')}`, ['--address', env.server.address, '--retries', '2', '--no-wait', ...queue]),
      { timeoutMs: 60_000 },
    );
    expect(start.code, start.stderr).toBe(0);
    const obstacle = path.join(out, 'runs', 'run-2');
    fs.mkdirSync(path.dirname(obstacle), { recursive: true });
    fs.writeFileSync(obstacle, 'a file somebody put here\n');

    await env.startWorker(['--concurrency', '2', ...queue]);
    const waited = await runCli(['wait', sweepId, '--address', env.server.address, ...queue], { timeoutMs: 60_000 });
    expect(waited.code, waited.stderr).toBe(1);
    expect(waited.stderr).toContain(`${values.length - 1}/${values.length} runs ok, 1 failed`);

    // Not deleted: gsweep only replaces run directories.
    expect(fs.readFileSync(obstacle, 'utf8')).toBe('a file somebody put here\n');

    const manifest = readManifestFile(out);
    expect(manifest.entries.map((e) => e.status)).toEqual(values.map((_, i) => (i === 2 ? 'failed' : 'ok')));
    expect(manifest.entries[2]!.stderr).toMatch(/^ENOTDIR: not a directory, \w+ '.*\/runs\/run-2'/);
    expect(await aggregateByRun(out)).toEqual(
      values.map((_, id) =>
        id === 2 ? { run_id: id, rows: 1, times: 0, statuses: 'failed' } : { run_id: id, rows: ROWS_PER_RUN, times: ROWS_PER_RUN, statuses: 'ok' },
      ),
    );

    // Temporal retried the batch holding run 2 (ids are `runs-<first>-<last>`): the final
    // attempt was the 2nd, and it failed with the OS error of run 2.
    const history = await env.client.workflow.getHandle(sweepId).fetchHistory();
    const events = history.events ?? [];
    const holds2 = (id: string | null | undefined) => {
      const m = /^runs-(\d+)-(\d+)$/.exec(id ?? '');
      return m !== null && Number(m[1]) <= 2 && 2 <= Number(m[2]);
    };
    const scheduled = events.find((e) => holds2(e.activityTaskScheduledEventAttributes?.activityId));
    expect(scheduled).toBeDefined();
    const sid = Number(scheduled!.eventId);
    const started = events.find((e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1) === sid);
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(2);
    const failed = events.find((e) => Number(e.activityTaskFailedEventAttributes?.scheduledEventId ?? -1) === sid);
    expect(failed?.activityTaskFailedEventAttributes?.failure?.message).toMatch(/^run 2: ENOTDIR: not a directory/);
    expect(failed?.activityTaskFailedEventAttributes?.retryState).toBe(4); // RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
  }, 120_000);
});
