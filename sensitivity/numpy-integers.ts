/**
 * numpy `Generator.integers(high, size)` for ranges below 2^32 (int64 and uint32 dtypes):
 * Lemire's bounded method on the bit generator's buffered 32-bit outputs (low half of a
 * 64-bit draw first), rejection threshold `(2^32 - 1 - rng) % (rng + 1)`. SALib's bootstrap
 * indices and scipy's Sobol scrambling bits are drawn this way.
 */
import { PCG64 } from '../sweep/random/pcg64';

export class NumpyUint32 {
  private buffered: number | undefined;

  constructor(private readonly rng: PCG64) {}

  /** numpy `next_uint32` (pcg64_next32). */
  next(): number {
    if (this.buffered !== undefined) {
      const v = this.buffered;
      this.buffered = undefined;
      return v;
    }
    this.rng.next64();
    this.buffered = this.rng.hi;
    return this.rng.lo;
  }

  /** One draw of `integers(0, high)` with 1 <= high <= 2^32 - 1. */
  below(high: number): number {
    const rng = high - 1;
    if (rng === 0) return 0;
    const excl = high;
    const mul = (u: number) => {
      // u * excl < 2^64 as (high word, low word) without losing bits.
      const uh = Math.floor(u / 65536);
      const ul = u % 65536;
      const a = uh * excl;
      const b = ul * excl;
      return { hi: Math.floor((a + Math.floor(b / 65536)) / 65536), lo: Math.imul(u, excl) >>> 0 };
    };
    let m = mul(this.next());
    if (m.lo < excl) {
      const threshold = (4294967295 - rng) % excl;
      while (m.lo < threshold) m = mul(this.next());
    }
    return m.hi;
  }
}

/** `numpy.random.default_rng(seed).integers(high, size=count)` (int64 dtype, high < 2^32). */
export function numpyIntegers(seed: number | bigint, high: number, count: number): Int32Array | Float64Array {
  if (!Number.isInteger(high) || high < 1 || high > 4294967295) throw new RangeError(`high must be 1..2^32-1; got ${high}`);
  const gen = new NumpyUint32(PCG64.fromSeed(BigInt(seed)));
  const out = high <= 2 ** 31 ? new Int32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = gen.below(high);
  return out;
}
