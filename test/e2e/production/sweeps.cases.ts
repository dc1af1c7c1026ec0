/**
 * Real-GMAT grid sweeps on the production rig, whole and damaged: a worker SIGKILLed,
 * temporal-server SIGKILLed and restarted, PostgreSQL restarted with `-m immediate`, the
 * client SIGKILLed and `gsweep wait` re-attached. Each ends with every run exactly once in the
 * manifest and the aggregate, and an aggregate and manifest identical to the same sweep served
 * by the embedded dev server. Nothing here counts activities: only what a user gets.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnWorker, tempDir, type WorkerProcess } from '../../helpers/temporal';
import { realGmat, realGmatEnv } from '../../helpers/real-gmat';
import { aggregateByRun, finishedRuns, killGroup, killTagged, newTag, readManifestFile, ROWS_PER_RUN, SCRIPT, sleep, spawnCli, tagEnv, waitFor } from '../durability/helpers';
import { aggregateContents, normalisedManifest, productionRig, NS } from './rig';

// 3 × 50 runs of leo_point_mass (~40 ms each); ECC = 1.5 is a state GMAT rejects, so 50 rows are `failed`.
const GRID = ['--grid', 'Sat.SMA=6800:7400:50', '--grid', 'Sat.ECC=0.001,0.05,1.5'];
const RUNS = 150;
const FAILED = 50;
const SWEEP_FLAGS = ['--engine', 'gmat', '--heartbeat-timeout', '3', '--max-in-flight', '20'];

export function registerSweepCases(): void {
  describe('real-GMAT sweeps on temporal-server + PostgreSQL with mTLS', () => {
    const tag = newTag();
    const dir = tempDir('gsweep-prod-sweeps-');
    const workers: WorkerProcess[] = [];
    let reference: { contents: unknown; manifest: unknown } | undefined;

    afterAll(() => {
      for (const w of workers) killGroup(w.child.pid!);
      killTagged(tag);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** The same sweep on the embedded dev server: what every case must reproduce. */
    async function devServerReference() {
      if (reference) return reference;
      const out = path.join(dir, 'reference');
      const r = await runCli(['run', SCRIPT, ...GRID, ...SWEEP_FLAGS, '--out', out, '--concurrency', '2'], {
        env: tagEnv(tag, realGmatEnv(await realGmat())),
        timeoutMs: 180_000,
      });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`${RUNS - FAILED}/${RUNS} runs ok, ${FAILED} failed`);
      // The reference itself: every run once, ok runs whole.
      const byRun = await aggregateByRun(out);
      expect(byRun.map((r) => r.run_id)).toEqual(Array.from({ length: RUNS }, (_, i) => i));
      expect(byRun.filter((r) => r.statuses === 'ok').every((r) => r.rows === ROWS_PER_RUN && r.times === ROWS_PER_RUN)).toBe(true);
      expect(byRun.filter((r) => r.statuses === 'ok')).toHaveLength(RUNS - FAILED);
      reference = { contents: await aggregateContents(out), manifest: normalisedManifest(out) };
      return reference;
    }

    beforeAll(() => {
      // Started early, awaited by each test (a failure fails the tests, never skips them).
      productionRig();
    });

    async function startWorkers(queue: string, count: number, subTag: string, useEnvVars = false): Promise<WorkerProcess[]> {
      const rig = await productionRig();
      const gmatEnv = realGmatEnv(await realGmat());
      const started: WorkerProcess[] = [];
      for (let i = 0; i < count; i++) {
        // One worker connects with the TEMPORAL_TLS_* variables, the others with flags.
        const connection = useEnvVars && i === 0 ? [] : rig.cliArgs(NS.main).slice(2);
        const extraEnv = useEnvVars && i === 0 ? rig.env(NS.main) : {};
        const w = spawnWorker(rig.address, [...connection, '--task-queue', queue, '--concurrency', '1'], tagEnv(`${tag}-${subTag}`, { ...gmatEnv, ...extraEnv }));
        workers.push(w);
        started.push(w);
      }
      await waitFor(() => started.every((w) => w.output().includes('gsweep worker polling') || w.child.exitCode !== null), 'workers to poll', 60_000, 50);
      for (const w of started) expect(w.child.exitCode, w.output()).toBeNull();
      return started;
    }

    async function sweepCase(name: string, damage: (ctx: { out: string; sweepId: string; queue: string; workers: WorkerProcess[] }) => Promise<void>, options: { follow?: boolean } = {}) {
      const rig = await productionRig();
      const ref = await devServerReference();
      const out = path.join(dir, name);
      const queue = `prod-${name}-${tag}`;
      const sweepId = `prod-${name}-${tag}`;
      const started = await startWorkers(queue, 2, name, name === 'whole');
      const args = ['run', SCRIPT, ...GRID, ...SWEEP_FLAGS, '--out', out, '--sweep-id', sweepId, ...rig.cliArgs(NS.main), '--task-queue', queue];
      if (!options.follow) {
        const start = await runCli([...args, '--no-wait'], { timeoutMs: 60_000 });
        expect(start.code, start.stderr).toBe(0);
      }
      await damage({ out, sweepId, queue, workers: started });
      const waited = await runCli(['wait', sweepId, ...rig.cliArgs(NS.main), '--task-queue', queue], { timeoutMs: 240_000 });
      expect(waited.code, waited.stderr).toBe(1); // the ECC = 1.5 runs failed
      expect(waited.stderr).toContain(`${RUNS - FAILED}/${RUNS} runs ok, ${FAILED} failed`);
      // Each run exactly once, no row lost, identical to the dev server's sweep.
      expect(readManifestFile(out).entries.map((e) => e.run_id)).toEqual(Array.from({ length: RUNS }, (_, i) => i));
      expect((await aggregateByRun(out)).map((r) => r.run_id)).toEqual(Array.from({ length: RUNS }, (_, i) => i));
      expect(await aggregateContents(out)).toEqual(ref.contents);
      expect(normalisedManifest(out)).toEqual(ref.manifest);
      for (const w of started) killGroup(w.child.pid!);
      killTagged(`${tag}-${name}`);
      return out;
    }

    /** Waits until some runs are done, and checks the damage lands before the last one. */
    async function midSweep(out: string, atLeast = 15): Promise<number> {
      await waitFor(() => finishedRuns(out).length >= atLeast, `${atLeast} runs to finish`, 120_000, 25);
      const done = finishedRuns(out).length;
      expect(done).toBeLessThan(RUNS);
      return done;
    }

    it('a 150-run sweep end to end, a worker connecting with TEMPORAL_TLS_* variables', async () => {
      await sweepCase('whole', async () => {});
    }, 400_000);

    it('a worker SIGKILLed mid-sweep: the other finishes it', async () => {
      await sweepCase('worker-killed', async ({ out, workers: [victim] }) => {
        await midSweep(out);
        killGroup(victim!.child.pid!); // the worker and its GmatConsoles
      });
    }, 300_000);

    it('temporal-server SIGKILLed mid-sweep and started again: the workers reconnect on their own', async () => {
      const rig = await productionRig();
      await sweepCase('server-killed', async ({ out }) => {
        await midSweep(out);
        await rig.killServer();
        const atKill = finishedRuns(out).length;
        await sleep(2000);
        expect(finishedRuns(out).length).toBeLessThan(RUNS);
        await rig.startServer();
        expect(atKill).toBeLessThan(RUNS);
      });
    }, 300_000);

    it('PostgreSQL restarted with -m immediate mid-sweep', async () => {
      const rig = await productionRig();
      await sweepCase('postgres-restarted', async ({ out }) => {
        await midSweep(out);
        rig.restartPostgres('immediate');
      });
    }, 300_000);

    it('the client SIGKILLed while following, then `gsweep wait` re-attaches', async () => {
      const rig = await productionRig();
      const queue = `prod-client-killed-${tag}`;
      const out = path.join(dir, 'client-killed');
      let client: ReturnType<typeof spawnCli> | undefined;
      await sweepCase(
        'client-killed',
        async ({ sweepId }) => {
          client = spawnCli(['run', SCRIPT, ...GRID, ...SWEEP_FLAGS, '--out', out, '--sweep-id', sweepId, ...rig.cliArgs(NS.main), '--task-queue', queue], tagEnv(tag));
          await midSweep(out);
          killGroup(client.child.pid!);
          expect(await client.exited).toBeNull(); // killed by the signal, not finished
        },
        { follow: true },
      );
    }, 300_000);
  });
}
