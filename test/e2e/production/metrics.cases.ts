/**
 * gsweep's own metrics on the worker's Prometheus endpoint (`gsweep-worker --metrics`), next
 * to the SDK's: scraped during a real-GMAT sweep and after it, and checked against the manifest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../temporal/dev-server';
import { runCli, spawnWorker, tempDir, waitFor, type WorkerProcess } from '../../helpers/temporal';
import { realGmat, realGmatEnv } from '../../helpers/real-gmat';
import { finishedRuns, killGroup, readManifestFile, SCRIPT } from '../durability/helpers';
import { productionRig, NS } from './rig';

/** Sum of a metric's samples whose labels include every given one (Prometheus text format). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total = (total ?? 0) + Number(m[3]);
  }
  return total;
}

export function registerMetricsCases(): void {
  describe('gsweep metrics on the worker Prometheus endpoint', () => {
    const dir = tempDir('gsweep-prod-metrics-');
    const workers: WorkerProcess[] = [];
    afterAll(() => {
      for (const w of workers) killGroup(w.child.pid!);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('counts runs ok and failed, GMAT durations, busy slots and output writes as the manifest does', async () => {
      const rig = await productionRig();
      const port = await freePort();
      const queue = `metrics-${process.pid}`;
      const w = spawnWorker(rig.address, [...rig.cliArgs(NS.main).slice(2), '--task-queue', queue, '--concurrency', '2', '--metrics', `127.0.0.1:${port}`], {
        ...realGmatEnv(await realGmat()),
        GSWEEP_LOG_LEVEL: 'WARN',
      });
      workers.push(w);
      await waitFor(() => w.output().includes('gsweep worker polling') || w.child.exitCode !== null, 'worker to poll', 60_000, 50);
      const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

      const out = path.join(dir, 'out');
      const sweep = runCli(
        ['run', SCRIPT, '--grid', 'Sat.SMA=6800:7400:40', '--grid', 'Sat.ECC=0.001,1.5', '--engine', 'gmat', '--out', out, ...rig.cliArgs(NS.main), '--task-queue', queue],
        { timeoutMs: 240_000 },
      );
      // During the sweep: runs counted on the endpoint while runs remain.
      let during = '';
      await waitFor(
        async () => {
          during = await scrape();
          return (metricValue(during, 'gsweep_runs_finished') ?? 0) >= 10 && finishedRuns(out).length < 80;
        },
        'runs to be counted during the sweep',
        120_000,
        50,
      );
      expect(metricValue(during, 'gsweep_engine_slots_busy'), during).toBeDefined();
      const r = await sweep;
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('40/80 runs ok, 40 failed');

      const { entries } = readManifestFile(out);
      const byStatus = (s: string) => entries.filter((e) => e.status === s).length;
      const after = await scrape();
      expect(metricValue(after, 'gsweep_runs_finished', { status: 'ok' }), after).toBe(byStatus('ok'));
      expect(metricValue(after, 'gsweep_runs_finished', { status: 'failed' })).toBe(byStatus('failed'));
      expect(metricValue(after, 'gsweep_runs_finished', { status: 'cached' })).toBeUndefined();
      expect(metricValue(after, 'gsweep_gmat_run_duration_seconds_count')).toBe(byStatus('ok'));
      expect(metricValue(after, 'gsweep_gmat_run_duration_seconds_sum')).toBeGreaterThan(0);
      expect(metricValue(after, 'gsweep_output_writes', { kind: 'run', result: 'ok' })).toBe(byStatus('ok'));
      expect(metricValue(after, 'gsweep_output_writes', { kind: 'aggregate', result: 'ok' })).toBe(1);
      expect(metricValue(after, 'gsweep_output_writes', { result: 'failed' })).toBeUndefined();
      expect(metricValue(after, 'gsweep_engine_slots_busy')).toBe(0);
      // The SDK's own metrics share the endpoint.
      expect(after).toMatch(/^temporal_\w+/m);
    }, 300_000);
  });
}
