/**
 * numpy's `SeedSequence` (numpy/random/bit_generator.pyx), re-implemented bit-for-bit.
 *
 * Sandbox-safe: pure arithmetic, no Node builtins. All 32-bit words are kept as
 * non-negative JS numbers in [0, 2^32); multiplication mod 2^32 uses `Math.imul`.
 */

const DEFAULT_POOL_SIZE = 4;
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const XSHIFT = 16; // 4 * 8 / 2

/** A non-negative integer (number must be a safe integer; use bigint above 2^53). */
export type EntropyInt = number | bigint;
export type Entropy = EntropyInt | readonly EntropyInt[];

function intToWords(v: EntropyInt, what: string): number[] {
  let n: bigint;
  if (typeof v === 'bigint') {
    n = v;
  } else {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
      throw new TypeError(`SeedSequence ${what} must be a non-negative safe integer or bigint, got ${String(v)}`);
    }
    n = BigInt(v);
  }
  if (n < 0n) throw new RangeError(`SeedSequence ${what} must be non-negative, got ${n}`);
  if (n === 0n) return [0];
  // Fast path for values that fit in 32 bits.
  if (n <= 0xffffffffn) return [Number(n)];
  const out: number[] = [];
  while (n > 0n) {
    out.push(Number(n & 0xffffffffn));
    n >>= 32n;
  }
  return out;
}

/** numpy `_coerce_to_uint32_array` for ints and (flat or nested) lists of ints. */
export function coerceToUint32Words(x: Entropy, what = 'entropy'): number[] {
  if (typeof x === 'number' || typeof x === 'bigint') return intToWords(x, what);
  if (!Array.isArray(x)) throw new TypeError(`SeedSequence ${what} must be an int or a list of ints`);
  const out: number[] = [];
  for (const v of x) for (const w of intToWords(v, what)) out.push(w);
  return out;
}

function mix(x: number, y: number): number {
  let r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
  r = (r ^ (r >>> XSHIFT)) >>> 0;
  return r;
}

export class SeedSequence {
  readonly entropy: Entropy;
  readonly spawnKey: readonly number[];
  readonly poolSize: number;
  /** Number of children already handed out by `spawn` (numpy's `n_children_spawned`). */
  nChildrenSpawned: number;
  /** The mixed entropy pool (pool_size uint32 words). */
  readonly pool: Uint32Array;

  constructor(entropy: Entropy, opts: { spawnKey?: readonly number[]; poolSize?: number; nChildrenSpawned?: number } = {}) {
    if (entropy === null || entropy === undefined) {
      throw new TypeError('SeedSequence entropy is required (OS entropy is not available in a deterministic sandbox)');
    }
    this.entropy = entropy;
    this.spawnKey = opts.spawnKey ? [...opts.spawnKey] : [];
    this.poolSize = opts.poolSize ?? DEFAULT_POOL_SIZE;
    if (!Number.isInteger(this.poolSize) || this.poolSize < 4) throw new RangeError('poolSize must be an integer >= 4');
    this.nChildrenSpawned = opts.nChildrenSpawned ?? 0;
    this.pool = mixEntropy(this.poolSize, assembleEntropy(entropy, this.spawnKey, this.poolSize));
  }

  /** numpy `generate_state(n_words, dtype=uint32)`: returns uint32 words. */
  generateState(nWords: number): Uint32Array;
  generateState(nWords: number, dtype: 'uint32'): Uint32Array;
  /** numpy `generate_state(n_words, dtype=uint64)`: pairs of uint32 words, little-endian. */
  generateState(nWords: number, dtype: 'uint64'): bigint[];
  generateState(nWords: number, dtype: 'uint32' | 'uint64' = 'uint32'): Uint32Array | bigint[] {
    if (!Number.isInteger(nWords) || nWords < 0) throw new RangeError('nWords must be a non-negative integer');
    const n32 = dtype === 'uint64' ? nWords * 2 : nWords;
    const words = generateWords(this.pool, n32);
    if (dtype === 'uint32') return words;
    const out: bigint[] = [];
    for (let i = 0; i < nWords; i++) out.push((BigInt(words[2 * i + 1]) << 32n) | BigInt(words[2 * i]));
    return out;
  }

  /** numpy `spawn(n_children)`: children with spawn_key = parent.spawn_key + (i,). */
  spawn(nChildren: number): SeedSequence[] {
    if (!Number.isInteger(nChildren) || nChildren < 0) throw new RangeError('nChildren must be a non-negative integer');
    const out: SeedSequence[] = [];
    const start = this.nChildrenSpawned;
    for (let i = start; i < start + nChildren; i++) out.push(this.child(i));
    this.nChildrenSpawned += nChildren;
    return out;
  }

  /** Child number `i` (what `spawn` would produce at position i) without mutating the parent. */
  child(i: number): SeedSequence {
    return new SeedSequence(this.entropy, { spawnKey: [...this.spawnKey, i], poolSize: this.poolSize });
  }
}

/** numpy `get_assembled_entropy`. */
function assembleEntropy(entropy: Entropy, spawnKey: readonly number[], poolSize = DEFAULT_POOL_SIZE): number[] {
  const run = coerceToUint32Words(entropy, 'entropy');
  const spawn = coerceToUint32Words([...spawnKey], 'spawn_key');
  if (spawn.length > 0 && run.length < poolSize) {
    while (run.length < poolSize) run.push(0);
  }
  return run.concat(spawn);
}

/** numpy `mix_entropy`: returns the mixed pool. */
function mixEntropy(poolSize: number, entropyArray: readonly number[]): Uint32Array {
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> XSHIFT)) >>> 0;
  };
  const mixer = new Uint32Array(poolSize);
  for (let i = 0; i < poolSize; i++) mixer[i] = hashmix(i < entropyArray.length ? entropyArray[i] : 0);
  for (let iSrc = 0; iSrc < poolSize; iSrc++) {
    for (let iDst = 0; iDst < poolSize; iDst++) {
      if (iSrc !== iDst) mixer[iDst] = mix(mixer[iDst], hashmix(mixer[iSrc]));
    }
  }
  for (let iSrc = poolSize; iSrc < entropyArray.length; iSrc++) {
    for (let iDst = 0; iDst < poolSize; iDst++) mixer[iDst] = mix(mixer[iDst], hashmix(entropyArray[iSrc]));
  }
  return mixer;
}

function generateWords(pool: Uint32Array, n: number): Uint32Array {
  let hashConst = INIT_B;
  const state = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let v = pool[i % pool.length];
    v = (v ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_B) >>> 0;
    v = Math.imul(v, hashConst) >>> 0;
    v = (v ^ (v >>> XSHIFT)) >>> 0;
    state[i] = v;
  }
  return state;
}

/** First uint32 word of `SeedSequence(entropy, spawn_key).generate_state(1)`, without allocation overhead. */
export function firstWord(entropy: Entropy, spawnKey: readonly number[] = []): number {
  const pool = mixEntropy(DEFAULT_POOL_SIZE, assembleEntropy(entropy, spawnKey));
  return generateWords(pool, 1)[0];
}
