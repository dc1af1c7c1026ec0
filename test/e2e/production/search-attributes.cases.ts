/**
 * Search attributes an administrator owns: on a namespace without gsweep's, sweeps start and
 * finish, and `gsweep list` says in one sentence what is missing and how to register it; on
 * one with them they are used (listing counts come from them); `gsweep setup-namespace`
 * registers them where the caller may.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SWEEP_SEARCH_ATTRIBUTES } from '../../../sweep/search-attributes';
import { runCli, spawnWorker, tempDir, waitFor, type WorkerProcess } from '../../helpers/temporal';
import { killGroup, SCRIPT } from '../durability/helpers';
import { productionRig, NS } from './rig';

const NAMES = SWEEP_SEARCH_ATTRIBUTES.map((k) => k.name);

export function registerSearchAttributeCases(): void {
  describe("gsweep's search attributes on an administrator's namespace", () => {
    const dir = tempDir('gsweep-prod-sa-');
    const workers: WorkerProcess[] = [];
    afterAll(() => {
      for (const w of workers) killGroup(w.child.pid!);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    async function sweepOn(namespace: string, name: string) {
      const rig = await productionRig();
      const queue = `sa-${name}`;
      const w = spawnWorker(rig.address, [...rig.cliArgs(namespace).slice(2), '--task-queue', queue, '--concurrency', '2'], { GSWEEP_LOG_LEVEL: 'WARN' });
      workers.push(w);
      await waitFor(() => w.output().includes('gsweep worker polling') || w.child.exitCode !== null, 'worker to poll', 60_000, 50);
      const out = path.join(dir, name);
      const sweepId = `sa-${name}-${process.pid}`;
      const r = await runCli(
        ['run', SCRIPT, '--grid', 'Sat.SMA=6800:7400:6', '--engine', 'stand-in', '--out', out, '--sweep-id', sweepId, ...rig.cliArgs(namespace), '--task-queue', queue],
        { timeoutMs: 120_000 },
      );
      killGroup(w.child.pid!);
      return { r, sweepId };
    }

    it('without them a sweep runs, and `gsweep list` names what is missing and the command that registers it', async () => {
      const rig = await productionRig();
      const { r, sweepId } = await sweepOn(NS.bare, 'bare');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('6/6 runs ok, 0 failed');
      const notice =
        `gsweep: namespace ${NS.bare} lacks gsweep's search attributes ${NAMES.join(', ')}, so sweeps run but list without live counts; ` +
        `an administrator registers them with \`gsweep setup-namespace --address ${rig.address} --namespace ${NS.bare}\` (and the same TLS options) ` +
        `or \`temporal operator search-attribute create --namespace ${NS.bare} --name GsweepScript --type Keyword --name GsweepRunCount --type Int --name GsweepDone --type Int --name GsweepFailed --type Int\``;
      expect(r.stderr).toContain(notice);
      const list = await runCli(['list', '--json', ...rig.cliArgs(NS.bare)], { timeoutMs: 60_000 });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stderr.trim()).toBe(notice);
      const row = (JSON.parse(list.stdout) as { sweepId: string; script: string; progressFrom: string; done: number }[]).find((x) => x.sweepId === sweepId);
      // Script from the memo, counts from the result: nothing from search attributes.
      expect(row).toMatchObject({ script: 'leo_point_mass.script', progressFrom: 'result', done: 6 });
    }, 180_000);

    it('with them registered (by the rig, as an admin would) a sweep sets them and `gsweep list` reads them, with no notice', async () => {
      const rig = await productionRig();
      const { r, sweepId } = await sweepOn(NS.main, 'registered');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain('lacks gsweep');
      const list = await runCli(['list', '--json', ...rig.cliArgs(NS.main)], { timeoutMs: 60_000 });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stderr).toBe('');
      let row: { progressFrom: string; done: number; runCount: number } | undefined;
      // Visibility is eventually consistent: the final upsert reaches it shortly after the close.
      await waitFor(
        async () => {
          const again = await runCli(['list', '--json', ...rig.cliArgs(NS.main)], { timeoutMs: 60_000 });
          row = (JSON.parse(again.stdout) as { sweepId: string; progressFrom: string; done: number; runCount: number }[]).find((x) => x.sweepId === sweepId);
          return row?.progressFrom === 'search-attributes';
        },
        'the listing to read the search attributes',
        30_000,
        500,
      );
      expect(row).toMatchObject({ progressFrom: 'search-attributes', done: 6, runCount: 6 });
    }, 180_000);

    it('`gsweep setup-namespace` registers them, once', async () => {
      const rig = await productionRig();
      const before = await runCli(['list', ...rig.cliArgs(NS.setup)], { timeoutMs: 60_000 });
      expect(before.stderr).toContain(`namespace ${NS.setup} lacks gsweep's search attributes`);
      const first = await runCli(['setup-namespace', ...rig.cliArgs(NS.setup)], { timeoutMs: 60_000 });
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr.trim()).toBe(`gsweep: registered ${NAMES.join(', ')} on namespace ${NS.setup}`);
      const second = await runCli(['setup-namespace', ...rig.cliArgs(NS.setup)], { timeoutMs: 60_000 });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr.trim()).toBe(`gsweep: namespace ${NS.setup} already has gsweep's search attributes`);
      const after = await runCli(['list', ...rig.cliArgs(NS.setup)], { timeoutMs: 60_000 });
      expect(after.code, after.stderr).toBe(0);
      expect(after.stderr).toBe('');
      const connection = await rig.connect(NS.setup);
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: NS.setup });
        expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(NAMES));
      } finally {
        await connection.close();
      }
    }, 120_000);
  });
}
