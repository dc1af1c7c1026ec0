import { describe, expect, it } from 'vitest';
import { lhsAxis, lhsMedian, lhsRun, unitCoordinate } from '../../../sweep/random/latin-hypercube';
import { normalPpf, ppf, type Perturb } from '../../../sweep/random/distributions';
import { V, fromHex } from './vectors';

/** Every run of the design, as the sweep draws them one by one. */
const lhsDesign = (p: Perturb, n: number, seed: number) => Array.from({ length: n }, (_, i) => lhsRun(p, n, seed, i));
/** Unit-cube points (n x d, sorted-name column order), for stratification checks. */
const lhsUnit = (p: Perturb, n: number, seed: number) => {
  const axes = Object.keys(p).sort().map((name) => lhsAxis(seed, name, n));
  return Array.from({ length: n }, (_, i) => axes.map((axis) => unitCoordinate(axis, n, i)));
};

describe('Latin hypercube', () => {
  it('1000 uniform(0,1) samples: exactly one point per each of 1000 equal bins, per axis', () => {
    const p: Perturb = { a: ['uniform', 0, 1], b: ['uniform', 0, 1], c: ['uniform', 0, 1] };
    const rows = lhsDesign(p, 1000, 7);
    for (const name of ['a', 'b', 'c']) {
      const bins = new Array(1000).fill(0);
      for (const r of rows) bins[Math.floor(r[name] * 1000)]++;
      expect(bins.every((x) => x === 1)).toBe(true);
    }
  });

  it('deterministic for the same seed, different for another seed; lazy run = design row', () => {
    const p: Perturb = { 'Sat.SMA': ['normal', 7100, 50], 'Sat.INC': ['uniform', 50, 52] };
    const a = lhsDesign(p, 200, 42);
    // Outside the design memo: the axis itself is a function of (seed, name, n).
    expect(lhsAxis(42, 'Sat.SMA', 200)).toEqual(lhsAxis(42, 'Sat.SMA', 200));
    const c = lhsDesign(p, 200, 43);
    expect(c).not.toEqual(a);
    expect(lhsRun(p, 200, 42, 117)).toEqual(a[117]);
    expect(Object.keys(a[0])).toEqual(['Sat.INC', 'Sat.SMA']);
  });

  it('normal and lognormal LHS values lie in their probability strata', () => {
    const n = 500;
    const p: Perturb = { x: ['normal', 10, 2], y: ['lognormal', -1, 0.5] };
    const unit = lhsUnit(p, n, 3);
    const rows = lhsDesign(p, n, 3);
    const seen = [new Set<number>(), new Set<number>()];
    rows.forEach((r, i) => {
      ['x', 'y'].forEach((nm, j) => {
        const k = Math.floor(unit[i][j] * n);
        seen[j].add(k);
        const spec = p[nm];
        const lo = k === 0 ? -Infinity : ppf(spec, k / n);
        const hi = k === n - 1 ? Infinity : ppf(spec, (k + 1) / n);
        expect(r[nm]).toBeGreaterThanOrEqual(lo);
        expect(r[nm]).toBeLessThan(hi);
      });
    });
    expect(seen[0].size).toBe(n);
    expect(seen[1].size).toBe(n);
  });

  it('works for n = 1 and large n (1e5) without leaving the strata', () => {
    expect(Object.keys(lhsRun({ a: ['normal', 0, 1] }, 1, 0, 0))).toEqual(['a']);
    const n = 100_000;
    const u = lhsUnit({ a: ['uniform', 0, 1] }, n, 11);
    const bins = new Uint8Array(n);
    for (const [t] of u) bins[Math.floor(t * n)]++;
    expect(bins.every((x) => x === 1)).toBe(true);
  });

  it('normal ppf agrees with scipy.stats.norm.ppf to ~1e-14 relative', () => {
    for (const [p, q] of V.norm_ppf) {
      const want = fromHex(q);
      const got = normalPpf(fromHex(p));
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(want)));
    }
  });

  it('rejects n < 1 and bad seeds with a message naming the field', () => {
    expect(() => lhsRun({ a: ['normal', 0, 1] }, 0, 1, 0)).toThrow(/latinHypercube\.n .*got 0/);
    expect(() => lhsRun({ a: ['normal', 0, 1] }, 2.5, 1, 0)).toThrow(/latinHypercube\.n/);
    expect(() => lhsRun({ a: ['normal', 0, 1] }, 10, -1, 0)).toThrow(/latinHypercube\.seed/);
  });

  it('lhsMedian: the median of every axis, keys sorted, without building the design (what a request is checked with)', () => {
    const perturb: Perturb = { 'Sat.SMA': ['normal', 7000, 10], 'Sat.INC': ['uniform', 50, 52], 'Sat.ECC': ['lognormal', -5, 0.3] };
    const median = lhsMedian(perturb);
    expect(Object.keys(median)).toEqual(['Sat.ECC', 'Sat.INC', 'Sat.SMA']);
    expect(median['Sat.SMA']).toBe(7000);
    expect(median['Sat.INC']).toBe(51);
    expect(median['Sat.ECC']).toBeCloseTo(Math.exp(-5), 15);
    // The same keys a design's runs have.
    expect(Object.keys(lhsRun(perturb, 10, 1, 0))).toEqual(Object.keys(median));
  });
});
