import { describe, expect, it } from 'vitest';
import { SeedSequence, coerceToUint32Words, firstWord } from '../../../sweep/random/seed-sequence';
import { V, entropyOf } from './vectors';

describe('SeedSequence (numpy vectors)', () => {
  it(`reproduces ${V.seed_sequence.length} entropy/spawn_key cases`, () => {
    for (const c of V.seed_sequence) {
      const ent = entropyOf(c.entropy);
      const ss = new SeedSequence(ent, { spawnKey: c.spawn_key });
      const label = JSON.stringify([c.entropy, c.spawn_key]);
      expect(Array.from(ss.pool), label).toEqual(c.pool);
      expect(Array.from(ss.generateState(9)), label).toEqual(c.state_u32);
      expect(ss.generateState(3, 'uint64').map((x) => x.toString(16).padStart(16, '0')), label).toEqual(c.state_u64);
      const kids = [...ss.spawn(3), ...ss.spawn(2)];
      expect(ss.nChildrenSpawned).toBe(5);
      expect(kids.map((k) => [...k.spawnKey]), label).toEqual(c.children_keys);
      expect(kids.map((k) => Array.from(k.generateState(2))), label).toEqual(c.children_u32);
      expect(kids.map((_, i) => ss.child(i).generateState(1)[0])).toEqual(c.children_u32.map((w: number[]) => w[0]));
      expect(firstWord(ent, c.spawn_key)).toBe(c.state_u32[0]);
    }
  });

  it('accepts numbers and bigints interchangeably and splits big ints little-endian', () => {
    expect(coerceToUint32Words(0)).toEqual([0]);
    expect(coerceToUint32Words(2 ** 32)).toEqual([0, 1]);
    expect(coerceToUint32Words((1n << 64n) + 5n)).toEqual([5, 0, 1]);
    expect(coerceToUint32Words([1, 2n ** 40n])).toEqual([1, 0, 256]);
    expect(Array.from(new SeedSequence(42).generateState(4))).toEqual(Array.from(new SeedSequence(42n).generateState(4)));
  });

  it('rejects negative, fractional and unsafe entropy', () => {
    expect(() => new SeedSequence(-1)).toThrow(/non-negative/);
    expect(() => new SeedSequence(1.5)).toThrow(/integer/);
    expect(() => new SeedSequence(2 ** 60)).toThrow(/safe integer or bigint/);
  });
});
