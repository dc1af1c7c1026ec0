import { describe, expect, it } from 'vitest';
import { drawRun, nameHash, paramSeed, runSeed, utf8Encode } from '../../../sweep/random/monte-carlo';
import { SeedSequence } from '../../../sweep/random/seed-sequence';
import type { Perturb } from '../../../sweep/random/distributions';
import { V, fromHex, toHex } from './vectors';

const seedOf = (s: string): number | bigint => (BigInt(s) <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : BigInt(s));

describe('gmat-sweep Monte Carlo draws (numpy/scipy vectors)', () => {
  for (const c of V.monte_carlo) {
    it(`${c.perturb} seed=${c.seed} n=${c.n}: run seeds and every draw bit-exact`, () => {
      const perturb = V.perturbs[c.perturb] as Perturb;
      const seed = seedOf(c.seed);
      const spawned = new SeedSequence(seed).spawn(c.n).map((k) => k.generateState(1)[0]);
      expect(spawned).toEqual(c.run_seeds);
      const rows = Array.from({ length: c.n }, (_, i) => drawRun(perturb, seed, i));
      const bad: string[] = [];
      for (let i = 0; i < c.n; i++) {
        expect(runSeed(seed, i)).toBe(c.run_seeds[i]);
        expect(Object.keys(rows[i])).toEqual(c.names);
        c.names.forEach((nm: string, j: number) => {
          const got = rows[i][nm];
          if (!Object.is(got, fromHex(c.draws[i][j]))) bad.push(`run ${i} ${nm}: got ${toHex(got)} want ${c.draws[i][j]}`);
        });
      }
      expect(bad).toEqual([]);
    });
  }

  it('matches the published gmat-sweep reference draws', () => {
    expect([0, 1, 2, 3].map((i) => runSeed(42, i))).toEqual([2684470948, 4091952314, 233227757, 3276785861]);
    expect([0, 1, 2].map((i) => runSeed(0, i))).toEqual([3757552657, 673228719, 3241444873]);
    expect([0, 1, 2].map((i) => runSeed(20260505, i))).toEqual([1921773271, 2565565561, 3149134466]);
    expect([nameHash('Sat.SMA'), nameHash('Sat.INC'), nameHash('Sat.DryMass')]).toEqual([1932507812, 541401420, 1475419933]);
    expect(paramSeed(runSeed(42, 0), 'Sat.SMA')).toBe(3277931593);
    const p: Perturb = { 'Sat.SMA': ['normal', 7100, 50], 'Sat.INC': ['uniform', 0, 90], 'Sat.DryMass': ['lognormal', Math.log(100), 0.05] };
    expect(drawRun(p, 42, 3)).toEqual({ 'Sat.DryMass': 98.41440303128105, 'Sat.INC': 11.283157701575895, 'Sat.SMA': 7031.781980813246 });
  });

  it('extension property: runs 0..k of n=1000 equal a fresh sweep of n=k+1', () => {
    const c = V.monte_carlo.find((x: { perturb: string; n: number }) => x.perturb === 'three' && x.n === 1000);
    const perturb = V.perturbs.three as Perturb;
    for (const k of [0, 9, 500]) {
      const fresh = Array.from({ length: k + 1 }, (_, i) => drawRun(perturb, 42, i));
      const ss = new SeedSequence(42).spawn(k + 1).map((x) => x.generateState(1)[0]);
      expect(ss).toEqual(c.run_seeds.slice(0, k + 1));
      fresh.forEach((row, i) => expect(Object.values(row).map(toHex)).toEqual(c.draws[i]));
    }
  });

  it('name-keyed: adding a parameter does not change the others', () => {
    const a = drawRun({ 'Sat.SMA': ['normal', 7100, 50] }, 42, 5);
    const b = drawRun({ 'Sat.SMA': ['normal', 7100, 50], 'Sat.ECC': ['uniform', 0, 0.1] }, 42, 5);
    expect(b['Sat.SMA']).toBe(a['Sat.SMA']);
  });

  it('UTF-8 encoder matches TextEncoder (incl. astral, lone surrogate)', () => {
    for (const s of ['', 'Sat.SMA', 'é.ä', '日本.値', '𝛼.Value', 'a\ud800b']) {
      expect(Array.from(utf8Encode(s))).toEqual(Array.from(new TextEncoder().encode(s)));
    }
  });
});
