/**
 * The README's 16-run grid of leo_point_mass.script on real GMAT, end to end: a real Temporal
 * dev server, two real worker processes, the setup-gmat GmatConsole, in `fresh` and in `warm`
 * mode. The aggregates are byte-identical between modes and every state matches closed-form
 * two-body motion to 1e-9 relative (real GMAT's RK89 at 60 s steps is better than 2e-10).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { GmatInstall } from '../../../gmat/install';
import { parseManifest } from '../../../output/manifest';
import { readParquetWithDuckDb } from '../../helpers/duckdb';
import { MISSIONS, runCli, spawnWorker, startLocalTemporal, tempDir, type WorkerProcess } from '../../helpers/temporal';
import { keplerState, leo } from '../../helpers/two-body';
import { realGmatEnv } from '../../helpers/real-gmat';
import { useRealGmat } from '../../helpers/use-real-gmat';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const STATE = ['X', 'Y', 'Z', 'VX', 'VY', 'VZ'].map((c) => `Sat.EarthMJ2000Eq.${c}`);
const SMAS = Array.from({ length: 16 }, (_, i) => 6800 + 40 * i);

describe('16-run grid of leo_point_mass on real GMAT (dev server, 2 worker processes)', () => {
  let env: TestWorkflowEnvironment;
  let install: GmatInstall;
  const workers: WorkerProcess[] = [];
  const root = tempDir('gsweep-real-grid-');
  const outs: Record<'fresh' | 'warm', string> = { fresh: path.join(root, 'fresh'), warm: path.join(root, 'warm') };
  const sweepIds: Record<string, string> = {};
  const gmat = useRealGmat();
  // A throwing beforeAll would report the tests as skipped: keep its failure for them to throw.
  let failure: unknown;
  const ready = () => {
    if (failure !== undefined) throw failure;
  };

  beforeAll(async () => {
    try {
      await sweepBothModes();
    } catch (e) {
      failure = e;
    }
  });

  async function sweepBothModes(): Promise<void> {
    install = gmat();
    env = await startLocalTemporal();
    for (let i = 0; i < 2; i++) workers.push(spawnWorker(env.address, ['--concurrency', '2'], realGmatEnv(install)));
    for (const mode of ['fresh', 'warm'] as const) {
      const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=6800:7400:16', '--engine-mode', mode, '--out', outs[mode], '--address', env.address, '--json'], {
        env: realGmatEnv(install),
      });
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result.summary).toMatchObject({ total: 16, ok: 16, failed: 0 });
      sweepIds[mode] = result.sweepId;
    }
  }

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await env?.teardown();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('the workers say they run the setup-gmat GMAT, and every run was made by it', () => {
    ready();
    for (const w of workers) expect(w.output()).toContain(`gsweep worker: GMAT R2026a at ${install.root} (from GMAT_ROOT)`);
    for (const mode of ['fresh', 'warm'] as const) {
      for (const id of SMAS.keys()) {
        const outcome = JSON.parse(fs.readFileSync(path.join(outs[mode], 'runs', `run-${id}`, 'outcome.json'), 'utf8'));
        expect(outcome.engine).toEqual({ kind: 'gmat', root: install.root, version: 'R2026a' });
      }
    }
  });

  it('warm mode really reused consoles: fewer GmatConsole start-ups than runs', () => {
    ready();
    // A warm run's log is its share of a long-lived console's transcript, which starts with the banner only once.
    const banners = SMAS.map((_, id) => fs.readFileSync(path.join(outs.warm, 'runs', `run-${id}`, 'GmatLog.txt'), 'utf8').includes('GMAT Console Application'));
    expect(banners.filter(Boolean).length).toBeLessThan(16);
  });

  it('fresh and warm aggregates are byte-identical (apart from the sweep id in the footer), as are the per-run ReportFiles', () => {
    ready();
    const a = fs.readFileSync(path.join(outs.fresh, 'report__Track.parquet'));
    const b = fs.readFileSync(path.join(outs.warm, 'report__Track.parquet'));
    // The footer records which sweep wrote the table; both ids have the same length.
    expect(sweepIds.fresh).toHaveLength(sweepIds.warm!.length);
    expect(sweepIds.fresh).not.toBe(sweepIds.warm);
    const neutral = (buf: Buffer, id: string) => Buffer.from(buf.toString('latin1').split(id).join('#'.repeat(id.length)), 'latin1');
    expect(a.toString('latin1')).toContain(sweepIds.fresh);
    expect(neutral(a, sweepIds.fresh!).equals(neutral(b, sweepIds.warm!))).toBe(true);
    for (const id of SMAS.keys()) {
      const f = fs.readFileSync(path.join(outs.fresh, 'runs', `run-${id}`, 'track.txt'));
      const w = fs.readFileSync(path.join(outs.warm, 'runs', `run-${id}`, 'track.txt'));
      expect(f.equals(w), `run ${id} track.txt`).toBe(true);
    }
    const manifest = parseManifest(fs.readFileSync(path.join(outs.fresh, 'manifest.jsonl'), 'utf8'));
    expect([...manifest.entries.values()].map((e) => e.overrides)).toEqual(SMAS.map((sma) => ({ 'Sat.SMA': sma })));
  });

  it('16 x 91 rows whose states match closed-form two-body motion to 1e-9 relative', async () => {
    ready();
    const { rows } = await readParquetWithDuckDb(path.join(outs.fresh, 'report__Track.parquet'));
    expect(rows).toHaveLength(16 * 91);
    let worst = 0;
    for (const row of rows) {
      const id = Number(row.run_id as bigint);
      expect(row.__status).toBe('ok');
      const want = keplerState(leo(SMAS[id]!), row['Sat.ElapsedSecs'] as number);
      const rMag = Math.hypot(want[0]!, want[1]!, want[2]!);
      const vMag = Math.hypot(want[3]!, want[4]!, want[5]!);
      STATE.forEach((c, k) => {
        const err = Math.abs((row[c] as number) - want[k]!) / (k < 3 ? rMag : vMag);
        worst = Math.max(worst, err);
        expect(err, `run ${id} ${c} at ${row['Sat.ElapsedSecs']} s`).toBeLessThan(1e-9);
      });
      expect(Math.abs((row['Sat.Earth.SMA'] as number) - SMAS[id]!) / SMAS[id]!).toBeLessThan(1e-9);
    }
    // Not a pass/fail figure: shows how far inside the bound real GMAT is.
    process.stdout.write(`real GMAT vs closed-form two-body: worst relative error ${worst.toExponential(2)}\n`);
  });
});
