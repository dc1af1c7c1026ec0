/**
 * `gsweep sobol` runs a Saltelli design as one explicit-row sweep (stand-in engine, real
 * Temporal) and `gsweep sobol-analyze` computes the indices of its outputs. The design in
 * the out dir must be the sampler's, run for run; the indices must be SALib's estimator on
 * the final values DuckDB reads from the aggregate table.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../output/manifest';
import { sobolSample } from '../../sensitivity/saltelli';
import { sobolAnalyze } from '../../sensitivity/sobol-indices';
import { LEO, openSweepLab, type SweepLab } from '../analysis/sweeps';
import { duckDbQuery } from '../helpers/duckdb';
import { runCli } from '../helpers/temporal';

const PERTURB = ['--perturb', 'Sat.SMA=normal:7100:50', '--perturb', 'Sat.INC=uniform:50:52'];

describe('gsweep sobol + sobol-analyze', () => {
  let lab: SweepLab;
  let out: string;

  beforeAll(async () => {
    lab = await openSweepLab();
    out = await lab.sweep('sobol', ['sobol', LEO, '--n', '8', ...PERTURB, '--seed', '11']);
    // Several real sweeps on a shared 2-core machine: allow minutes, not the 2-minute default.
  }, 600_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('runs N(2D+2) = 48 runs whose overrides are the Saltelli design, and keeps the design in sobol.json', () => {
    const design = sobolSample({ 'Sat.SMA': ['normal', 7100, 50], 'Sat.INC': ['uniform', 50, 52] }, { n: 8, seed: 11 });
    const { header, entries } = parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8'));
    expect(header.run_count).toBe(48);
    expect((header.parameter_spec as { _kind: string })._kind).toBe('explicit');
    expect(entries.size).toBe(48);
    for (const [id, e] of entries) {
      expect(e.status).toBe('ok');
      expect(e.overrides).toEqual({ 'Sat.INC': design.rows[id][0], 'Sat.SMA': design.rows[id][1] });
    }
    const file = JSON.parse(fs.readFileSync(path.join(out, 'sobol.json'), 'utf8'));
    expect(file).toMatchObject({ kind: 'saltelli', names: ['Sat.INC', 'Sat.SMA'], n: 8, seed: 11, calc_second_order: true, run_count: 48 });
  });

  it('sobol-analyze --json equals SALib\'s estimator on the final values DuckDB reads', async () => {
    const r = await runCli(['sobol-analyze', out, '--metric', 'Sat.EarthMJ2000Eq.Z,Sat.Earth.SMA', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.seed).toBe(11);
    const finals = await duckDbQuery(
      `SELECT run_id, arg_max("Sat.EarthMJ2000Eq.Z", time) z, arg_max("Sat.Earth.SMA", time) sma FROM read_parquet('${path.join(out, 'report__Track.parquet')}') GROUP BY run_id ORDER BY run_id`,
    );
    const z = sobolAnalyze(['Sat.INC', 'Sat.SMA'], finals.map((f) => f.z as number), { seed: 11 });
    const [zOut, smaOut] = result.metrics;
    expect(zOut.metric).toBe('Sat.EarthMJ2000Eq.Z');
    expect(zOut.S1).toEqual(z.S1);
    expect(zOut.ST).toEqual(z.ST);
    expect(zOut.S1_conf).toEqual(z.S1_conf);
    expect(zOut.ST_conf).toEqual(z.ST_conf);
    // The osculating SMA at the end of a two-body coast depends on Sat.SMA alone.
    expect(Math.abs(smaOut.S1[0])).toBeLessThan(1e-6);
    expect(Math.abs(smaOut.ST[0])).toBeLessThan(1e-6);
    expect(smaOut.ST[1]).toBeGreaterThan(0.5);
  });

  it('gsweep report of a Sobol sweep adds S1/ST bars for the outputs, after the dispersion charts', async () => {
    const r = await runCli(['report', out, '--columns', 'Sat.EarthMJ2000Eq.Z,Sat.Earth.SMA', '--json']);
    expect(r.code).toBe(0);
    const page = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    const ids = [...page.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(['durations', 'hist-Sat.EarthMJ2000Eq.Z', 'hist-Sat.Earth.SMA', 'corner', 'trajectories', 'sobol-Sat.EarthMJ2000Eq.Z', 'sobol-Sat.Earth.SMA']);
    expect(page).toContain('Sobol (Saltelli design): Sat.INC, Sat.SMA · N=8 · seed 11');
    expect(page).toContain('95 % bootstrap intervals (100 resamples, seed 11)');
  });

  it('prints a readable table; refuses a sweep that is not a Sobol design, naming the fix', async () => {
    const text = await runCli(['sobol-analyze', out, '--metric', 'Sat.EarthMJ2000Eq.Z']);
    expect(text.stdout).toContain('2 parameters · N=8 · 48 runs · bootstrap 100 resamples, seed 11');
    expect(text.stdout).toMatch(/Sat\.SMA\s+-?\d\.\d{4} ± \d\.\d{4}/);
    expect(text.stdout).toContain('S2 Sat.INC × Sat.SMA:');
    const grid = await lab.sweep('grid', ['run', LEO, '--grid', 'Sat.SMA=7000,7100']);
    const bad = await runCli(['sobol-analyze', grid]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('has no sobol.json; sobol-analyze reads sweeps started with `gsweep sobol`');
    const badN = await runCli(['sobol', LEO, '--n', '8', '--perturb', 'Sat.SMA=normal:7100:-5', '--seed', '1', '--engine', 'stand-in', '--out', path.join(lab.dir, 'never')]);
    expect(badN.code).toBe(2);
    expect(badN.stderr).toContain('sigma must be > 0');
    expect(fs.existsSync(path.join(lab.dir, 'never'))).toBe(false);
  });

  it('refuses to analyse a design with failed runs and says how to finish it', async () => {
    // SMA uniform over [-7000, 7000]: runs with SMA <= 0 are rejected by the engine.
    const failed = await lab.sweep('sobol-failed', ['sobol', LEO, '--n', '2', '--perturb', 'Sat.SMA=uniform:-7000:7000', '--seed', '5'], 1);
    const r = await runCli(['sobol-analyze', failed, '--metric', 'Sat.Earth.SMA']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/run\(s\) of the Sobol design are not ok \(run \d+/);
    expect(r.stderr).toContain('fix the cause and `gsweep resume` the sweep');
  });
});
