/**
 * Bit-exact re-implementations of the two glibc libm functions that numpy's Monte Carlo
 * path depends on, so draws match numpy on Linux/glibc instead of V8's own fdlibm port
 * (V8's Math.exp differs from glibc's exp in ~10% of inputs, Math.log1p in ~0.07%).
 *
 *  - `glibcExp`: the table-driven exp used by glibc since 2.28 (N = 128, degree-5
 *    polynomial). On x86-64 CPUs with FMA, glibc dispatches to a build of the same C code
 *    compiled with -mfma, where GCC contracts a*b+c into fused multiply-adds; both the
 *    contracted ('fma', the default) and the plain ('plain') evaluation are provided.
 *  - `glibcLog1p`: the SunPro fdlibm log1p as modified in glibc (pipelined polynomial
 *    evaluation), again in 'fma' (contracted) and 'plain' flavours.
 *  - `fma`: a correctly rounded fused multiply-add (double-double fast path with an exact
 *    BigInt fallback for the rare near-tie cases).
 *
 * Which flavour a given machine's glibc uses is a property of that machine; the test suite
 * pins the flavour that matches the vector-generating machine (see test/vectors/README.md).
 * Sandbox-safe: only ArrayBuffer/DataView, Math, BigInt.
 */
import { EXP_TAB, EXP_TABLE_BITS } from './exp-table';

export type LibmFlavour = 'fma' | 'plain';

const dv = new DataView(new ArrayBuffer(8));

function fromBits(hi: number, lo: number): number {
  dv.setUint32(0, hi >>> 0);
  dv.setUint32(4, lo >>> 0);
  return dv.getFloat64(0);
}
function highWord(x: number): number {
  dv.setFloat64(0, x);
  return dv.getInt32(0);
}
function withHighWord(x: number, hi: number): number {
  dv.setFloat64(0, x);
  dv.setInt32(0, hi);
  return dv.getFloat64(0);
}

// ---------------------------------------------------------------------------------------
// fused multiply-add

const SPLIT = 134217729; // 2^27 + 1

function exactFmaBig(a: number, b: number, c: number): number {
  const dec = (x: number): [bigint, number] => {
    // x = m * 2^e exactly, m a (signed) integer
    dv.setFloat64(0, x);
    const hi = dv.getUint32(0);
    const lo = dv.getUint32(4);
    const sign = hi >>> 31 ? -1n : 1n;
    const ex = (hi >>> 20) & 0x7ff;
    let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    let e: number;
    if (ex === 0) {
      e = -1074;
    } else {
      m |= 1n << 52n;
      e = ex - 1075;
    }
    return [sign * m, e];
  };
  const [ma, ea] = dec(a);
  const [mb, eb] = dec(b);
  const [mc, ec] = dec(c);
  const ep = ea + eb;
  const E = Math.min(ep, ec);
  const S = ((ma * mb) << BigInt(ep - E)) + (mc << BigInt(ec - E));
  if (S === 0n) return a * b + c; // sign of zero as IEEE
  const neg = S < 0n;
  let mag = neg ? -S : S;
  let exp = E;
  const bits = mag.toString(2).length;
  // Round to 53 significant bits (ignores subnormal results: not reachable from our callers).
  if (bits > 53) {
    const shift = bits - 53;
    const q = mag >> BigInt(shift);
    const rem = mag - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    let qq = q;
    if (rem > half || (rem === half && (q & 1n) === 1n)) qq = q + 1n;
    mag = qq;
    exp += shift;
  }
  let r = Number(mag);
  // scale by 2^exp in safe steps
  while (exp > 0) {
    const s = Math.min(exp, 1000);
    r *= Math.pow(2, s);
    exp -= s;
  }
  while (exp < 0) {
    const s = Math.max(exp, -1000);
    r *= Math.pow(2, s);
    exp -= s;
  }
  return neg ? -r : r;
}

/** Correctly rounded a*b + c (IEEE 754 fusedMultiplyAdd, round-to-nearest-even). */
export function fma(a: number, b: number, c: number): number {
  const p = a * b;
  if (!Number.isFinite(p) || !Number.isFinite(c) || a === 0 || b === 0) return p + c;
  const ap = Math.abs(p);
  if (ap < 1e-280 || ap > 1e280 || (c !== 0 && (Math.abs(c) < 1e-280 || Math.abs(c) > 1e280))) {
    return exactFmaBig(a, b, c);
  }
  // exact product p + pe (Dekker / Veltkamp)
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pe = ah * bh - p + ah * bl + al * bh + al * bl;
  // exact s + se = p + c
  const s = p + c;
  let bb = s - p;
  const se = p - (s - bb) + (c - bb);
  // tt + te = se + pe
  const tt = se + pe;
  bb = tt - se;
  const te = se - (tt - bb) + (pe - bb);
  const r = s + tt;
  if (te === 0) return r; // exact value is s + tt: one IEEE rounding
  if (r === 0 || !Number.isFinite(r)) return exactFmaBig(a, b, c);
  bb = r - s;
  const re = s - (r - bb) + (tt - bb); // r + re = s + tt exactly
  // half an ulp of the smaller binade adjacent to r (conservative at powers of two)
  // exact value = r + re + te; r is its rounding unless re + te reaches half an ulp
  dv.setFloat64(0, r);
  const hiW = dv.getUint32(0);
  const be = (hiW >>> 20) & 0x7ff; // biased exponent of r
  if (be < 60 || be > 2000) return exactFmaBig(a, b, c);
  const pow2 = (hiW & 0xfffff) === 0 && dv.getUint32(4) === 0; // r is a power of two
  const d = re + te;
  // moving away from zero: half ulp = 2^(e-53); towards zero: same, or 2^(e-54) at a power of two
  const away = r > 0 ? d > 0 : d < 0;
  dv.setUint32(0, (away || !pow2 ? be - 53 : be - 54) << 20);
  dv.setUint32(4, 0);
  if (Math.abs(d) < dv.getFloat64(0) * 0.9990234375) return r;
  return exactFmaBig(a, b, c);
}

// ---------------------------------------------------------------------------------------
// exp

const N = 1 << EXP_TABLE_BITS;
const TAIL = new Float64Array(N);
const HEAD = new Float64Array(N);
for (let j = 0; j < N; j++) {
  TAIL[j] = fromBits(EXP_TAB[4 * j], EXP_TAB[4 * j + 1]);
  HEAD[j] = fromBits(EXP_TAB[4 * j + 2] + j * 8192, EXP_TAB[4 * j + 3]); // + (j << 45)
}
const INV_LN2_N = 1.4426950408889634 * N; // 0x1.71547652b82fep0 * N
const NEG_LN2_HI_N = -0.005415212348111709; // -0x1.62e42fefa0000p-8
const NEG_LN2_LO_N = -1.2864023111638346e-14; // -0x1.cf79abc9e3b3ap-47
const SHIFT = 6755399441055744; // 0x1.8p52
const C2 = 0.49999999999996786; // 0x1.ffffffffffdbdp-2
const C3 = 0.16666666666665886; // 0x1.555555555543cp-3
const C4 = 0.0416666808410674; // 0x1.55555cf172b91p-5
const C5 = 0.008333335853059549; // 0x1.1111167a4d017p-7

/** glibc's exp(x) (bit-exact for |x| < 512; beyond that a careful but unverified scaling). */
export function glibcExp(x: number, flavour: LibmFlavour = 'fma'): number {
  const ax = Math.abs(x);
  if (!(ax >= 5.551115123125783e-17)) {
    // |x| < 2^-54, or NaN
    return x !== x ? x : 1.0 + x;
  }
  if (ax >= 1024) {
    if (x === Infinity) return Infinity;
    if (x === -Infinity) return 0;
    return x > 0 ? Infinity : 0;
  }
  const useFma = flavour === 'fma';
  const kdS = useFma ? fma(INV_LN2_N, x, SHIFT) : INV_LN2_N * x + SHIFT;
  const kd = kdS - SHIFT; // integer k, exactly
  const r = useFma ? fma(kd, NEG_LN2_LO_N, fma(kd, NEG_LN2_HI_N, x)) : x + kd * NEG_LN2_HI_N + kd * NEG_LN2_LO_N;
  const j = ((kd % N) + N) % N;
  const m = (kd - j) / N;
  const tail = TAIL[j];
  const r2 = r * r;
  let tmp: number;
  if (useFma) {
    tmp = fma(r2 * r2, fma(r, C5, C4), fma(r2, fma(r, C3, C2), tail + r));
  } else {
    tmp = tail + r + r2 * (C2 + r * C3) + r2 * r2 * (C4 + r * C5);
  }
  if (ax < 512) {
    const scale = HEAD[j] * Math.pow(2, m);
    return useFma ? fma(scale, tmp, scale) : scale + scale * tmp;
  }
  // |x| in [512, 1024): glibc's specialcase (scale would overflow/underflow).
  if (m > 0) {
    const scale = HEAD[j] * Math.pow(2, m - 1009);
    const y = useFma ? fma(scale, tmp, scale) : scale + scale * tmp;
    return y * Math.pow(2, 1009);
  }
  const scale = HEAD[j] * Math.pow(2, m + 1022);
  const y = useFma ? fma(scale, tmp, scale) : scale + scale * tmp;
  return y * Math.pow(2, -1022); // subnormal rounding subtleties of glibc not reproduced
}

// ---------------------------------------------------------------------------------------
// log1p (SunPro fdlibm, glibc's pipelined variant)

const LN2_HI = 6.93147180369123816490e-1; // 3fe62e42 fee00000
const LN2_LO = 1.90821492927058770002e-10; // 3dea39ef 35793c76
const LP1 = 6.666666666666735130e-1;
const LP2 = 3.999999999940941908e-1;
const LP3 = 2.857142874366239149e-1;
const LP4 = 2.222219843214978396e-1;
const LP5 = 1.818357216161805012e-1;
const LP6 = 1.531383769920937332e-1;
const LP7 = 1.479819860511658591e-1;

/** glibc's log1p(x). */
export function glibcLog1p(x: number, flavour: LibmFlavour = 'fma'): number {
  const F = flavour === 'fma';
  const hx = highWord(x);
  const ax = hx & 0x7fffffff;
  let k = 1;
  let f = 0;
  let hu = 0;
  let c = 0;
  if (hx < 0x3fda827a) {
    if (ax >= 0x3ff00000) {
      if (x === -1.0) return -Infinity;
      return NaN;
    }
    if (ax < 0x3e200000) {
      if (ax < 0x3c900000) return x;
      return x - x * x * 0.5; // x*x*0.5 is exact-scaled: contraction cannot change it
    }
    if (hx > 0 || hx <= (0xbfd2bec3 | 0)) {
      k = 0;
      f = x;
      hu = 1;
    }
  } else if (hx >= 0x7ff00000) {
    return x + x;
  }
  if (k !== 0) {
    let u: number;
    if (hx < 0x43400000) {
      u = 1.0 + x;
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
      c /= u;
    } else {
      u = x;
      hu = highWord(u);
      k = (hu >> 20) - 1023;
      c = 0;
    }
    hu &= 0x000fffff;
    if (hu < 0x6a09e) {
      u = withHighWord(u, hu | 0x3ff00000);
    } else {
      k += 1;
      u = withHighWord(u, hu | 0x3fe00000);
      hu = (0x00100000 - hu) >> 2;
    }
    f = u - 1.0;
  }
  const hfsq = 0.5 * f * f;
  if (hu === 0) {
    // |f| < 2^-20 (probability ~2^-20 per call): evaluated without contraction in both
    // flavours; not distinguishable by the vector data.
    if (f === 0) {
      if (k === 0) return 0;
      c += k * LN2_LO;
      return k * LN2_HI + c;
    }
    const R0 = hfsq * (1.0 - 0.66666666666666666 * f);
    if (k === 0) return f - R0;
    return k * LN2_HI - (R0 - (k * LN2_LO + c) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  let R: number;
  if (F) {
    // The contraction pattern GCC produces for glibc's FMA build of s_log1p.c (matched
    // empirically against glibc 2.36 on x86-64: 0 mismatches in 2.2M inputs); the
    // final combination below is not contracted.
    R = fma(z6, fma(z, LP7, LP6), fma(z4, fma(z, LP5, LP4), fma(z, LP1, z2 * fma(z, LP3, LP2))));
  } else {
    const R1 = z * LP1;
    const R2 = LP2 + z * LP3;
    const R3 = LP4 + z * LP5;
    const R4 = LP6 + z * LP7;
    R = R1 + z2 * R2 + z4 * R3 + z6 * R4;
  }
  if (k === 0) return f - (hfsq - s * (hfsq + R));
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + (k * LN2_LO + c)) - f);
}
