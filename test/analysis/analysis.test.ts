/**
 * gsweep summary / diff / mc-convergence on real sweeps made by gsweep (stand-in engine),
 * checked against DuckDB computing the same statistics from the same Parquet file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareSweeps, sweepDiff } from '../../analysis/diff';
import { openSweep, pickTable, readSweepTable } from '../../analysis/load';
import { openStore } from '../../output/open-store';
import { mcConvergence } from '../../analysis/mc-convergence';
import { sweepSummary } from '../../analysis/summary';
import { AnalysisError } from '../../analysis/table';
import { duckDbQuery } from '../helpers/duckdb';
import { runCli } from '../helpers/temporal';
import { LEO, openSweepLab, type SweepLab } from './sweeps';

const close = (a: number | null, b: number | null, rel = 1e-12) => {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
};

describe('summary, diff and mc-convergence on real sweeps', () => {
  let lab: SweepLab;
  let grid: string;
  let gridAgain: string;
  let gridShifted: string;
  let mc: string;
  let failed: string;

  beforeAll(async () => {
    lab = await openSweepLab();
    grid = await lab.sweep('grid', ['run', LEO, '--grid', 'Sat.SMA=6800:7400:4', '--grid', 'Sat.ECC=0.001:0.002:2']);
    gridAgain = await lab.sweep('grid-again', ['run', LEO, '--grid', 'Sat.SMA=6800:7400:4', '--grid', 'Sat.ECC=0.001:0.002:2']);
    gridShifted = await lab.sweep('grid-shifted', ['run', LEO, '--grid', 'Sat.SMA=6800:7400:4', '--grid', 'Sat.ECC=0.001:0.0021:2']);
    mc = await lab.sweep('mc', ['monte-carlo', LEO, '--n', '40', '--perturb', 'Sat.SMA=normal:7100:50', '--perturb', 'Sat.INC=uniform:50:52', '--seed', '7']);
    failed = await lab.sweep('failed', ['run', LEO, '--grid', 'Sat.SMA=0,7000,7100'], 1);
    // Several real sweeps on a shared 2-core machine: allow minutes, not the 2-minute default.
  }, 600_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('summary by time equals DuckDB avg / stddev_samp / quantile_cont / count per time step', async () => {
    const sweep = await openSweep(openStore(grid));
    const table = await readSweepTable(sweep, pickTable(sweep));
    const s = sweepSummary(table, { include: ['mean', 'std', 'min', 'max', 'count_ok'], q: [0.05, 0.5, 0.95] });
    expect(s.statistics).toEqual(['mean', 'std', 'min', 'max', 'count_ok', 'q0.05', 'q0.5', 'q0.95']);
    const file = path.join(grid, 'report__Track.parquet');
    const rows = await duckDbQuery(
      `SELECT time, avg("Sat.EarthMJ2000Eq.X") m, stddev_samp("Sat.EarthMJ2000Eq.X") s, min("Sat.EarthMJ2000Eq.X") lo, max("Sat.EarthMJ2000Eq.X") hi, count("Sat.EarthMJ2000Eq.X") c,
              quantile_cont("Sat.EarthMJ2000Eq.X", 0.05) q05, quantile_cont("Sat.EarthMJ2000Eq.X", 0.5) q50, quantile_cont("Sat.EarthMJ2000Eq.X", 0.95) q95
       FROM read_parquet('${file}') WHERE __status = 'ok' GROUP BY time ORDER BY time`,
    );
    expect(s.index.length).toBe(91);
    expect(rows.length).toBe(91);
    const v = s.values;
    const x = 'Sat.EarthMJ2000Eq.X';
    rows.forEach((r, g) => {
      expect(close(v.mean[x][g], r.m as number, 1e-12)).toBe(true);
      expect(close(v.std[x][g], r.s as number, 1e-9)).toBe(true);
      expect(v.min[x][g]).toBe(r.lo);
      expect(v.max[x][g]).toBe(r.hi);
      expect(v.count_ok[x][g]).toBe(Number(r.c));
      expect(close(v['q0.05'][x][g], r.q05 as number)).toBe(true);
      expect(close(v['q0.5'][x][g], r.q50 as number)).toBe(true);
      expect(close(v['q0.95'][x][g], r.q95 as number)).toBe(true);
    });
    expect(s.index[0]).toBe('2026-03-20T06:00:00.000000000');
  });

  it('summary drops failed runs by default and by run_id gives one row per ok run', async () => {
    const sweep = await openSweep(openStore(failed));
    const table = await readSweepTable(sweep, pickTable(sweep));
    const byRun = sweepSummary(table, { by: 'run_id', include: ['count_ok'], q: [] });
    expect(byRun.index).toEqual([1, 2]);
    expect(byRun.values.count_ok['Sat.Earth.SMA']).toEqual([91, 91]);
    const kept = sweepSummary(table, { by: 'run_id', include: ['count_ok'], q: [], dropna: false });
    expect(kept.index).toEqual([0, 1, 2]);
    expect(kept.values.count_ok['Sat.Earth.SMA']).toEqual([0, 91, 91]);
  });

  it('summary refuses bad options with gmat-sweep\'s messages', async () => {
    const sweep = await openSweep(openStore(grid));
    const table = await readSweepTable(sweep, pickTable(sweep));
    expect(() => sweepSummary(table, { q: [1.5] })).toThrow('q values must lie in the open interval (0, 1); got 1.5');
    expect(() => sweepSummary(table, { include: ['median'] })).toThrow('unknown statistic(s) median; allowed: mean, std, min, max, count_ok');
    expect(() => sweepSummary(table, { q: [0.5, 0.5] })).toThrow('q must not contain duplicates');
    expect(() => sweepSummary(table, { columns: ['Nope'] })).toThrow('column "Nope" is not a numeric column');
  });

  it('gsweep summary --json prints the same numbers; a missing directory exits 2 with the fix', async () => {
    const r = await runCli(['summary', grid, '--json', '--columns', 'Sat.Earth.SMA', '--include', 'mean', '--q', '0.5']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.table).toBe('report__Track');
    expect(json.fields).toEqual(['Sat.Earth.SMA']);
    expect(json.values.mean['Sat.Earth.SMA'][0]).toBeCloseTo(7100, 9);
    const text = await runCli(['summary', grid, '--columns', 'Sat.Earth.SMA']);
    expect(text.stdout).toContain('report__Track: 91 time steps');
    expect(text.stdout).toMatch(/2026-03-20T06:00:00\.000000000\s+7100\s/);
    const bad = await runCli(['summary', path.join(lab.dir, 'nope')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('has no manifest.jsonl; give the output directory of a finished gsweep');
  });

  it('a table that is a symbolic link is refused by name, even to a readable table, by every reading command', async () => {
    const linked = path.join(lab.dir, 'grid-linked');
    fs.cpSync(grid, linked, { recursive: true });
    const table = path.join(linked, 'report__Track.parquet');
    fs.rmSync(table);
    fs.symlinkSync(path.join(grid, 'report__Track.parquet'), table);
    const refusal = `table ${table} is a symbolic link; gsweep never makes links in an output directory and does not follow them, so replace it with the real file`;
    for (const args of [['summary', linked], ['mc-convergence', linked], ['diff', grid, linked], ['report', linked]]) {
      const r = await runCli(args);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr, args[0]).toBe(`gsweep: error: ${refusal}\n`);
    }
    expect(fs.existsSync(path.join(linked, 'report.html'))).toBe(false);
    const sweep = await openSweep(openStore(linked));
    expect(sweep.tables).toEqual(['report__Track']);
    await expect(readSweepTable(sweep, 'report__Track')).rejects.toThrow(new AnalysisError(refusal));
  });

  it('diff: identical sweeps are the same (exit 0); a changed axis differs (exit 1) and names the column and run', async () => {
    const same = await runCli(['diff', grid, gridAgain]);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('same within tolerance');
    expect(same.stdout).not.toContain('different run sets');
    const differ = await runCli(['diff', grid, gridShifted, '--json']);
    expect(differ.code).toBe(1);
    const v = JSON.parse(differ.stdout);
    expect(v.same).toBe(false);
    expect(v.sameRunSet).toBe(false);
    expect(v.rows).toBe(8 * 91);
    const ecc = v.columns.find((c: { column: string }) => c.column === 'Sat.Earth.ECC');
    // Keys sorted, last fastest: runs 4-7 have ECC 0.002 vs 0.0021, every row beyond tolerance.
    expect(ecc.beyond).toBe(4 * 91);
    expect(ecc.first.runId).toBe(4);
    expect(ecc.first.a).toBeCloseTo(0.002, 12);
    expect(ecc.first.b).toBeCloseTo(0.0021, 12);
    const loose = await runCli(['diff', grid, gridShifted, '--columns', 'Sat.Earth.ECC', '--atol', '0.0002']);
    expect(loose.code).toBe(0);
  });

  it('diff from code: __diff/__rel columns and the status pair, like sweep_diff', async () => {
    const a = await readSweepTable(await openSweep(openStore(failed)), 'report__Track');
    const b = await readSweepTable(await openSweep(openStore(grid)), 'report__Track');
    const d = sweepDiff(a, b, { on: 'run_id' });
    expect(d.runId).toEqual([0, 1, 2]);
    expect(d.statusDiff).toEqual(['failed/ok', 'ok', 'ok']);
    expect(Object.keys(d.columns).slice(0, 2)).toEqual(['Sat.ElapsedSecs__diff', 'Sat.ElapsedSecs__rel']);
    // run 2: SMA 7100 (failed sweep) vs 7200 (grid run 2, SMA fastest).
    expect(d.columns['Sat.Earth.SMA__diff'][2]!).toBeCloseTo(100, 6);
    expect(d.columns['Sat.Earth.SMA__rel'][2]!).toBeCloseTo(100 / 7100, 9);
    expect(d.columns['Sat.Earth.SMA__diff'][0]).toBeNull();
    const masked = sweepDiff(a, b, { on: 'run_id', how: 'absolute', tolerance: 1e6 });
    expect(masked.columns['Sat.Earth.SMA__diff'].every((x) => x === null)).toBe(true);
    const verdict = compareSweeps(a, b, { on: 'run_id' });
    expect(verdict.same).toBe(false);
    expect(verdict.statusMismatches).toEqual([{ runId: 0, time: null, status: 'failed/ok' }]);
    expect(verdict.onlyInB).toBe(5);
  });

  it('mc-convergence: running mean and std at every n equal DuckDB over the first n runs', async () => {
    const sweep = await openSweep(openStore(mc));
    const table = await readSweepTable(sweep, pickTable(sweep));
    const conv = mcConvergence(table, 'Sat.EarthMJ2000Eq.Z', { terminalOnly: true });
    expect(conv.rows.length).toBe(40);
    expect(conv.rows[0].running_std).toBeNull();
    const file = path.join(mc, 'report__Track.parquet');
    const finals = await duckDbQuery(`SELECT run_id, arg_max("Sat.EarthMJ2000Eq.Z", time) z FROM read_parquet('${file}') GROUP BY run_id ORDER BY run_id`);
    for (const n of [2, 5, 17, 40]) {
      const [r] = await duckDbQuery(
        `WITH f AS (SELECT run_id, arg_max("Sat.EarthMJ2000Eq.Z", time) z FROM read_parquet('${file}') GROUP BY run_id) SELECT avg(z) m, stddev_samp(z) s FROM f WHERE run_id < ${n}`,
      );
      const row = conv.rows[n - 1];
      expect(row.n).toBe(n);
      expect(close(row.running_mean, r.m as number, 1e-12)).toBe(true);
      expect(close(row.running_std, r.s as number, 1e-9)).toBe(true);
      expect(close(row.se_mean, (r.s as number) / Math.sqrt(n), 1e-9)).toBe(true);
    }
    expect(finals.length).toBe(40);
    const perTime = mcConvergence(table, 'Sat.EarthMJ2000Eq.Z');
    expect(perTime.rows.length).toBe(91 * 40);
    expect(perTime.rows[0]).toMatchObject({ time: '2026-03-20T06:00:00.000000000', n: 1 });
    expect(() => mcConvergence(table, 'Nope')).toThrow(AnalysisError);
  });

  it('gsweep mc-convergence drops failed runs and prints the 95 % half-width; --json has every row', async () => {
    const text = await runCli(['mc-convergence', failed, '--metric', 'Sat.Earth.SMA']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('final value of each of 2 ok runs');
    expect(text.stdout).toMatch(/Sat\.Earth\.SMA\s+2\s+7050\s+70\.71067812/);
    const json = JSON.parse((await runCli(['mc-convergence', mc, '--json', '--metric', 'Sat.Earth.SMA'])).stdout);
    expect(json.metrics[0].rows.length).toBe(40);
    expect(json.metrics[0].terminalOnly).toBe(true);
  });
});
