import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { PCG64 } from '../../../sweep/random/pcg64';
import { standardNormal } from '../../../sweep/random/normal';
import { fma, glibcExp, glibcLog1p } from '../../../sweep/random/libm';
import { ZIGGURAT_NOR_R } from '../../../sweep/random/ziggurat-tables';
import { V, fromHex, toHex } from './vectors';

describe('glibc libm ports (vectors from ctypes libm.so.6)', () => {
  it(`exp: ${V.libm.exp.length} inputs bit-exact`, () => {
    const bad: string[] = [];
    for (const [x, y] of V.libm.exp) if (toHex(glibcExp(fromHex(x))) !== y) bad.push(x);
    expect(bad).toEqual([]);
  });
  it(`log1p: ${V.libm.log1p.length} inputs bit-exact`, () => {
    const bad: string[] = [];
    for (const [x, y] of V.libm.log1p) if (toHex(glibcLog1p(fromHex(x))) !== y) bad.push(x);
    expect(bad).toEqual([]);
  });
  it('fma is correctly rounded on hard cases', () => {
    // (1 + 2^-52)(1 - 2^-52) - 1 = -2^-104 exactly (plain arithmetic gives 0)
    expect(fma(1 + 2 ** -52, 1 - 2 ** -52, -1)).toBe(-(2 ** -104));
    expect(fma(2, 3, 4)).toBe(10);
    expect(fma(0.1, 10, -1)).toBe(5.551115123125783e-17);
    // ties at half-ulp of the result resolve to even
    expect(fma(1 + 2 ** -52, 1, 2 ** -53)).toBe(1 + 2 ** -51);
    expect(fma(1, 1, 2 ** -53)).toBe(1);
  });
});

describe('standard_normal (numpy ziggurat)', () => {
  const sn = V.standard_normal;
  it(`first ${sn.first.length} draws of default_rng(${sn.seed}) bit-exact`, () => {
    const g = PCG64.fromSeed(sn.seed);
    const bad: number[] = [];
    for (let i = 0; i < sn.first.length; i++) if (toHex(standardNormal(g)) !== sn.first[i]) bad.push(i);
    expect(bad).toEqual([]);
  });
  it(`all ${sn.count} draws match numpy's SHA-256 of the float64 array (${sn.tail_count} tail draws)`, () => {
    const g = PCG64.fromSeed(sn.seed);
    const buf = new ArrayBuffer(8 * sn.count);
    const dv = new DataView(buf);
    let tails = 0;
    for (let i = 0; i < sn.count; i++) {
      const z = standardNormal(g);
      if (Math.abs(z) > ZIGGURAT_NOR_R) tails++;
      dv.setFloat64(8 * i, z, true);
    }
    expect(tails).toBe(sn.tail_count);
    const hex = Array.from(sha256(new Uint8Array(buf)), (b) => b.toString(16).padStart(2, '0')).join('');
    expect(hex).toBe(sn.sha256_f64le);
  });
  it(`${V.tail_first_draws.length} seeds whose first draw is a ziggurat tail draw`, () => {
    for (const [seed, hex] of V.tail_first_draws) {
      const z = standardNormal(PCG64.fromSeed(seed));
      expect(Math.abs(z)).toBeGreaterThan(ZIGGURAT_NOR_R);
      expect(toHex(z)).toBe(hex);
      expect(Object.is(z, fromHex(hex))).toBe(true);
    }
  });
});
