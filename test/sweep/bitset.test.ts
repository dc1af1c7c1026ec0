// sweep/bitset.ts: the hand-written base64 (the workflow sandbox has no Buffer) checked
// against Node's Buffer base64 and by round trips at awkward sizes.
import { describe, expect, it } from 'vitest';
import { RunBitset } from '../../sweep/bitset';

/** Deterministic pseudo-random bits (xorshift32), so failures reproduce. */
function pattern(size: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  const ids: number[] = [];
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    if (x % 3 === 0) ids.push(i);
  }
  return ids;
}

describe('RunBitset base64', () => {
  for (const size of [0, 1, 7, 8, 9, 100_001]) {
    it(`round-trips ${size} runs and matches Buffer's base64`, () => {
      const cases: number[][] = [[], Array.from({ length: size }, (_, i) => i), pattern(size, size + 1)];
      if (size > 0) cases.push([0], [size - 1]);
      for (const ids of cases) {
        const set = RunBitset.fromRunIds(size, ids);
        const text = set.toBase64();
        expect(text).toBe(Buffer.from(set.bytes).toString('base64'));
        expect(text.length).toBe(4 * Math.ceil(Math.ceil(size / 8) / 3));
        const back = RunBitset.fromBase64(size, text);
        expect(back.size).toBe(size);
        expect(Array.from(back.bytes)).toEqual(Array.from(set.bytes));
        expect(back.count()).toBe(ids.length);
        const members = new Set(ids);
        for (let i = 0; i < size; i++) if (back.has(i) !== members.has(i)) throw new Error(`bit ${i} of ${size}: expected ${members.has(i)}`);
      }
    });
  }

  it('encodes known bytes like RFC 4648', () => {
    expect(RunBitset.fromRunIds(8, [0]).toBase64()).toBe('AQ==');
    expect(RunBitset.fromRunIds(16, [0, 15]).toBase64()).toBe('AYA=');
    expect(RunBitset.fromRunIds(24, [7, 8, 23]).toBase64()).toBe('gAGA');
    expect(new RunBitset(0).toBase64()).toBe('');
  });

  it('decodes Buffer-made base64 with and without padding', () => {
    const bytes = Uint8Array.from([0xff, 0x00, 0xa5, 0x5a, 0x01]);
    const text = Buffer.from(bytes).toString('base64');
    expect(Array.from(RunBitset.fromBase64(40, text).bytes)).toEqual(Array.from(bytes));
    expect(Array.from(RunBitset.fromBase64(40, text.replace(/=+$/, '')).bytes)).toEqual(Array.from(bytes));
  });

  it('refuses text for another size and non-base64 characters', () => {
    const text = RunBitset.fromRunIds(8, [3]).toBase64();
    expect(() => RunBitset.fromBase64(9, text)).toThrow('bitset of 9 runs needs 2 bytes, got 1');
    expect(() => RunBitset.fromBase64(8, 'A*==')).toThrow('invalid base64 character "*" in run bitset');
  });

  it('refuses a run outside the set', () => {
    const set = new RunBitset(9);
    expect(() => set.set(9)).toThrow('run 9 outside 0..8');
    expect(() => set.set(-1)).toThrow('run -1 outside 0..8');
    set.set(8);
    set.clear(8);
    expect(set.count()).toBe(0);
  });
});
