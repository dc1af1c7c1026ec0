/**
 * scipy.stats.qmc.Sobol, bit for bit: Joe-Kuo direction numbers, 30 bits, Gray-code order,
 * the first point included, and scipy's LMS + digital-shift scrambling driven by
 * `numpy.random.default_rng(seed)` (what SALib's `sobol.sample(..., seed=)` passes on).
 * Written here because no JS library reproduces scipy's sequence and scrambling exactly,
 * and matching SALib's designs needs that.
 */
import { PCG64 } from '../sweep/random/pcg64';
import { NumpyUint32 } from './numpy-integers';
import { SOBOL_MAXDIM, SOBOL_POLY, SOBOL_VINIT } from './sobol-directions';

const BITS = 30;
const SCALE = 1 / 2 ** BITS;

function bitLength(n: number): number {
  let bits = 0;
  while (n !== 0) {
    n = Math.floor(n / 2);
    bits++;
  }
  return bits;
}

/** scipy `_initialize_v`: direction numbers scaled to BITS-bit integers (all < 2^30). */
function directionNumbers(dim: number): number[][] {
  const v = Array.from({ length: dim }, () => new Array<number>(BITS).fill(0));
  if (dim === 0) return v;
  for (let i = 0; i < BITS; i++) v[0][i] = 1;
  for (let d = 1; d < dim; d++) {
    const p = SOBOL_POLY[d];
    const m = bitLength(p) - 1;
    for (let j = 0; j < m; j++) v[d][j] = SOBOL_VINIT[d][j];
    for (let j = m; j < BITS; j++) {
      let newv = v[d][j - m];
      let pow2 = 1;
      for (let k = 0; k < m; k++) {
        pow2 *= 2;
        if ((p >> (m - 1 - k)) & 1) newv ^= pow2 * v[d][j - k - 1];
      }
      v[d][j] = newv;
    }
  }
  let pow2 = 1;
  for (let b = 0; b < BITS; b++) {
    for (let i = 0; i < dim; i++) v[i][BITS - 1 - b] *= pow2;
    pow2 *= 2;
  }
  return v;
}

/** Parity of the set bits of a non-negative 31-bit integer. */
function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/** scipy `_scramble`: a random shift per dimension, then `_cscramble`'s left matrix scramble. */
function scramble(sv: number[][], rng: PCG64): number[] {
  const dim = sv.length;
  const bits = new NumpyUint32(rng);
  const shift = new Array<number>(dim).fill(0);
  for (let d = 0; d < dim; d++) for (let b = 0; b < BITS; b++) shift[d] += bits.below(2) * 2 ** b;
  for (let d = 0; d < dim; d++) {
    // Rows of the lower-triangular matrix read as integers, first column most significant
    // (`cdot_pow2`); the diagonal is forced to 1. Every entry is drawn, as numpy's
    // `integers(2, size=(d, bits, bits))` does before `tril` keeps the lower triangle.
    const rows = new Array<number>(BITS).fill(0);
    for (let p = 0; p < BITS; p++) {
      for (let k = 0; k < BITS; k++) {
        const bit = bits.below(2);
        if (k < p && bit) rows[p] += 2 ** (BITS - 1 - k);
        if (k === p) rows[p] += 2 ** (BITS - 1 - k);
      }
    }
    for (let j = 0; j < BITS; j++) {
      const vdj = sv[d][j];
      let t2 = 0;
      let l = 1;
      for (let p = BITS - 1; p >= 0; p--) {
        t2 += parity(rows[p] & vdj) * l;
        l *= 2;
      }
      sv[d][j] = t2;
    }
  }
  return shift;
}

export interface SobolOptions {
  /** scipy's default is true; SALib's too. */
  scramble?: boolean;
  /** `numpy.random.default_rng(seed)`; required when scrambling (reproducibility). */
  seed?: number | bigint;
}

/** The first `n` points of scipy's `qmc.Sobol(d, scramble, seed).random(n)`, row-major. */
export function sobolPoints(d: number, n: number, options: SobolOptions = {}): Float64Array[] {
  if (!Number.isInteger(d) || d < 1 || d > SOBOL_MAXDIM) throw new RangeError(`Sobol dimension must be 1..${SOBOL_MAXDIM}; got ${d}`);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** BITS) throw new RangeError(`Sobol point count must be 0..2^${BITS}; got ${n}`);
  const sv = directionNumbers(d);
  let quasi = new Array<number>(d).fill(0);
  if (options.scramble ?? true) {
    if (options.seed === undefined) throw new RangeError('a scrambled Sobol sequence needs a seed');
    quasi = scramble(sv, PCG64.fromSeed(BigInt(options.seed)));
  }
  const out: Float64Array[] = [];
  if (n === 0) return out;
  out.push(Float64Array.from(quasi, (q) => q * SCALE));
  for (let i = 0, gen = 0; i < n - 1; i++, gen++) {
    // Gray-code step: flip the direction number of the lowest zero bit of the counter.
    let l = 0;
    while (Math.floor(gen / 2 ** l) % 2 === 1) l++;
    const row = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      quasi[j] = (quasi[j] ^ sv[j][l]) >>> 0;
      row[j] = quasi[j] * SCALE;
    }
    out.push(row);
  }
  return out;
}
