/**
 * numpy's PCG64 bit generator (128-bit LCG, XSL-RR 64-bit output), seeded exactly as
 * `numpy.random.default_rng(seed)` / `PCG64(SeedSequence(seed))` does.
 *
 * The 128-bit state is held as eight 16-bit limbs in plain numbers (products of two
 * 16-bit limbs plus carries stay far below 2^53), which is several times faster than
 * BigInt in V8. Sandbox-safe: no Node builtins.
 */
import { SeedSequence, type Entropy } from './seed-sequence';

// 0x2360ED051FC65DA44385DF649FCCF645 as 16-bit limbs, least significant first.
const MULT = [0xf645, 0x9fcc, 0xdf64, 0x4385, 0x5da4, 0x1fc6, 0xed05, 0x2360];
const TWO_POW_M53 = 1 / 9007199254740992;

function limbsFromBigInt(v: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    out.push(Number(v & 0xffffn));
    v >>= 16n;
  }
  return out;
}

function bigIntFromLimbs(l: ArrayLike<number>): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 16n) | BigInt(l[i]);
  return v;
}

export class PCG64 {
  private readonly s = new Array<number>(8).fill(0); // state limbs
  private readonly inc: number[]; // increment limbs
  private readonly tmp = new Array<number>(8).fill(0);
  /** High and low 32-bit halves of the last 64-bit output (set by `next64`). */
  hi = 0;
  lo = 0;

  /** Seed the way numpy does from `(initstate, initseq)` (pcg64_set_seed / pcg_setseq_128_srandom_r). */
  constructor(initstate: bigint, initseq: bigint) {
    const M128 = (1n << 128n) - 1n;
    this.inc = limbsFromBigInt(((initseq << 1n) | 1n) & M128);
    this.step();
    const st = (bigIntFromLimbs(this.s) + (initstate & M128)) & M128;
    const l = limbsFromBigInt(st);
    for (let i = 0; i < 8; i++) this.s[i] = l[i];
    this.step();
  }

  /** `numpy.random.default_rng(seed).bit_generator` equivalent. */
  static fromSeed(seed: Entropy): PCG64 {
    return PCG64.fromSeedSequence(new SeedSequence(seed));
  }

  static fromSeedSequence(ss: SeedSequence): PCG64 {
    const v = ss.generateState(4, 'uint64');
    // PCG_128BIT_CONSTANT(high, low): seed[0] is the high word, seed[1] the low word.
    return new PCG64((v[0] << 64n) | v[1], (v[2] << 64n) | v[3]);
  }

  /** The current 128-bit state and increment (for tests / debugging). */
  get state(): { state: bigint; inc: bigint } {
    return { state: bigIntFromLimbs(this.s), inc: bigIntFromLimbs(this.inc) };
  }

  /** state = state * MULT + inc (mod 2^128). */
  private step(): void {
    const s = this.s;
    const t = this.tmp;
    const c = this.inc;
    let carry = 0;
    for (let k = 0; k < 8; k++) {
      let acc = carry + c[k];
      for (let i = 0; i <= k; i++) acc += s[i] * MULT[k - i];
      t[k] = acc % 65536;
      carry = Math.floor(acc / 65536);
    }
    for (let k = 0; k < 8; k++) s[k] = t[k];
  }

  /** Advance and compute the 64-bit output into `this.hi` / `this.lo` (unsigned 32-bit halves). */
  next64(): void {
    this.step();
    const s = this.s;
    // XSL: high 64 bits xor low 64 bits.
    let xl = ((s[1] << 16) | s[0]) ^ ((s[5] << 16) | s[4]);
    let xh = ((s[3] << 16) | s[2]) ^ ((s[7] << 16) | s[6]);
    // RR: rotate right by the top 6 bits of the state.
    let rot = s[7] >>> 10;
    if (rot >= 32) {
      const t = xl;
      xl = xh;
      xh = t;
      rot -= 32;
    }
    if (rot !== 0) {
      const nl = (xl >>> rot) | (xh << (32 - rot));
      const nh = (xh >>> rot) | (xl << (32 - rot));
      xl = nl;
      xh = nh;
    }
    this.hi = xh >>> 0;
    this.lo = xl >>> 0;
  }

  /** numpy `next_uint64`. */
  nextUint64(): bigint {
    this.next64();
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** numpy `next_double`: (next_uint64 >> 11) * 2^-53. */
  nextDouble(): number {
    this.next64();
    return (this.hi * 2097152 + (this.lo >>> 11)) * TWO_POW_M53;
  }
}
