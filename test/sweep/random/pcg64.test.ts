import { describe, expect, it } from 'vitest';
import { PCG64 } from '../../../sweep/random/pcg64';
import { V, entropyOf, fromHex, toHex } from './vectors';

describe('PCG64 (numpy vectors)', () => {
  for (const c of V.pcg64) {
    it(`seed ${JSON.stringify(c.seed)}: state, next_uint64, next_double`, () => {
      const seed = entropyOf(c.seed);
      const g = PCG64.fromSeed(seed);
      expect(g.state.state.toString(16).padStart(32, '0')).toBe(c.state);
      expect(g.state.inc.toString(16).padStart(32, '0')).toBe(c.inc);
      expect(c.u64.map(() => g.nextUint64().toString(16).padStart(16, '0'))).toEqual(c.u64);
      const h = PCG64.fromSeed(seed);
      const ds = c.doubles.map(() => h.nextDouble());
      expect(ds.map(toHex)).toEqual(c.doubles);
      expect(ds.every((d: number, i: number) => Object.is(d, fromHex(c.doubles[i])))).toBe(true);
    });
  }

  it('agrees with a straightforward BigInt LCG for 10k steps', () => {
    const M = 0x2360ed051fc65da44385df649fccf645n;
    const MASK = (1n << 128n) - 1n;
    const g = PCG64.fromSeed(123456789);
    let { state, inc } = g.state;
    for (let i = 0; i < 10000; i++) {
      state = (state * M + inc) & MASK;
      const x = ((state >> 64n) ^ state) & 0xffffffffffffffffn;
      const rot = state >> 122n;
      const out = ((x >> rot) | (x << ((64n - rot) & 63n))) & 0xffffffffffffffffn;
      expect(g.nextUint64()).toBe(out);
    }
    void inc;
  });
});
