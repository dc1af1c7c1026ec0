/**
 * gmat-sweep's Monte Carlo seed contract, bit-identical to numpy:
 *   run_seed   = SeedSequence(S).spawn(n)[i].generate_state(1)[0]
 *              = SeedSequence(S, spawn_key=(i,)).generate_state(1)[0]  (position-deterministic)
 *   name_hash  = first 4 bytes of SHA-256(UTF-8 name), big-endian
 *   param_seed = SeedSequence([run_seed, name_hash]).generate_state(1)[0]
 *   value      = scipy frozen dist .rvs(size=1, random_state=default_rng(param_seed))[0]
 * Lazy: run i needs nothing from runs < i; `n` does not influence run i's draws at all.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { firstWord, type EntropyInt } from './seed-sequence';
import { PCG64 } from './pcg64';
import { drawOne, validatePerturb, type DistSpec, type Perturb } from './distributions';
import type { LibmFlavour } from './libm';

/** UTF-8 encode without relying on TextEncoder or Buffer. Lone surrogates become U+FFFD (as TextEncoder). */
export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else cp = 0xfffd;
    } else if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return Uint8Array.from(out);
}

/** First 4 bytes of SHA-256(UTF-8 name), big-endian, as a uint32. */
export function nameHash(name: string): number {
  const d = sha256(utf8Encode(name));
  return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}

function checkSeed(seed: EntropyInt): void {
  if (typeof seed === 'bigint' ? seed < 0n : !(Number.isSafeInteger(seed) && seed >= 0)) {
    throw new RangeError(`seed must be a non-negative integer (number or bigint), got ${String(seed)}; pass e.g. 42`);
  }
}

/** Per-run seed: first uint32 of SeedSequence(seed).spawn(n)[runId].generate_state(1). */
export function runSeed(seed: EntropyInt, runId: number): number {
  checkSeed(seed);
  if (!Number.isSafeInteger(runId) || runId < 0) throw new RangeError(`runId must be a non-negative integer, got ${runId}`);
  return firstWord(seed, [runId]);
}

/** Per-(run, parameter) seed: SeedSequence([runSeed, nameHash]).generate_state(1)[0]. */
export function paramSeed(runSeedValue: number, name: string): number {
  return firstWord([runSeedValue, nameHash(name)]);
}

/** The fresh PCG64 numpy would build for (run, parameter): default_rng(param_seed). */
function paramRng(runSeedValue: number, name: string): PCG64 {
  return PCG64.fromSeed(paramSeed(runSeedValue, name));
}

export interface DrawOptions {
  /** Which glibc build to emulate for exp/log1p ('fma': x86-64 with FMA, the default). */
  libm?: LibmFlavour;
}

/** Draw one parameter of one run (no validation). */
function drawParam(spec: DistSpec, runSeedValue: number, name: string, opts: DrawOptions = {}): number {
  return drawOne(spec, paramRng(runSeedValue, name), opts.libm ?? 'fma');
}

/**
 * The overrides of run `runId` for a Monte Carlo sweep with parent `seed`: keys in
 * sorted-name order (Python code-point order). Identical for every n > runId.
 */
export function drawRun(perturb: Perturb, seed: EntropyInt, runId: number, opts: DrawOptions = {}): Record<string, number> {
  const specs = validatePerturb(perturb);
  const rs = runSeed(seed, runId);
  const out: Record<string, number> = {};
  for (const [name, spec] of specs) out[name] = drawParam(spec, rs, name, opts);
  return out;
}
