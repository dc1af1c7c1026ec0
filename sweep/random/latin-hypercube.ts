/**
 * Latin hypercube sampling for gsweep (own contract; NOT bit-compatible with scipy's
 * qmc.LatinHypercube, which the spec does not require).
 *
 * Contract (deterministic for (perturb, n, seed)):
 *  - parameters are taken in sorted-name order (Python code-point order);
 *  - axis for parameter `name` uses a fresh PCG64 seeded from
 *      SeedSequence([seed, nameHash(name)], spawn_key=(LHS_DOMAIN,))
 *    (the spawn key separates this stream from the Monte Carlo streams);
 *  - from that stream: first a Fisher-Yates shuffle of 0..n-1
 *      for i = n-1 down to 1: j = floor(next_double() * (i + 1)); swap(perm[i], perm[j])
 *    then n jitters u_0..u_{n-1} = next_double();
 *  - unit coordinate of run i: t_i = (perm[i] + u_i) / n, nudged down by whole ulps if
 *    rounding pushed it out of stratum perm[i] ([perm[i]/n, (perm[i]+1)/n)), and raised to
 *    the smallest positive double if 0 (so normal/lognormal ppf stay finite);
 *  - value = ppf(spec, t_i).
 * Because the stream of an axis is keyed by its name (not its column position), adding a
 * parameter does not change the others' values for the same n. Not extendable in n.
 */
import { SeedSequence, type EntropyInt } from './seed-sequence';
import { PCG64 } from './pcg64';
import { ppf, validatePerturb, type DistSpec, type Perturb } from './distributions';
import { nameHash } from './monte-carlo';

/** ASCII "LHS1". */
const LHS_DOMAIN = 0x4c485331;

interface Axis {
  perm: Uint32Array;
  jitter: Float64Array;
}

function nextDown(x: number): number {
  // x > 0 finite
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  if (lo === 0) {
    dv.setUint32(0, hi - 1);
    dv.setUint32(4, 0xffffffff);
  } else dv.setUint32(4, lo - 1);
  return dv.getFloat64(0);
}

export function lhsAxis(seed: EntropyInt, name: string, n: number): Axis {
  const steps = lhsAxisSteps(seed, name, n);
  for (let r = steps.next(); ; r = steps.next()) if (r.done) return r.value;
}

/**
 * lhsAxis in steps: yields every `chunk` draws, so a caller that may not block (an activity
 * that must keep heartbeating while it builds a 10^7-run design) can pause between them.
 */
function* lhsAxisSteps(seed: EntropyInt, name: string, n: number, chunk = 1 << 20): Generator<void, Axis> {
  const rng = PCG64.fromSeedSequence(new SeedSequence([seed, nameHash(name)], { spawnKey: [LHS_DOMAIN] }));
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i >= 1; i--) {
    const j = Math.floor(rng.nextDouble() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
    if (i % chunk === 0) yield;
  }
  const jitter = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    jitter[i] = rng.nextDouble();
    if (i % chunk === chunk - 1) yield;
  }
  return { perm, jitter };
}

/** Unit-cube coordinate of point i on an axis, guaranteed inside stratum perm[i]. */
export function unitCoordinate(axis: Axis, n: number, i: number): number {
  const k = axis.perm[i];
  let t = (k + axis.jitter[i]) / n;
  while (t > 0 && t * n >= k + 1) t = nextDown(t);
  while (t >= 1) t = nextDown(t);
  if (t === 0) t = Number.MIN_VALUE;
  return t;
}

function checkArgs(n: number, seed: EntropyInt): void {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`latinHypercube.n must be an integer >= 1, got ${String(n)}; pass the number of runs, e.g. 100`);
  }
  if (typeof seed === 'bigint' ? seed < 0n : !(Number.isSafeInteger(seed) && seed >= 0)) {
    throw new RangeError(`latinHypercube.seed must be a non-negative integer, got ${String(seed)}; pass e.g. 42`);
  }
}

// Small memo so a lazy per-run call is O(1) after the first call for a design.
const CACHE_MAX = 8;
const cache = new Map<string, Array<[string, DistSpec, Axis]>>();

function designKey(specs: Array<[string, DistSpec]>, n: number, seed: EntropyInt): string {
  return JSON.stringify([specs, n, String(seed)]);
}

function remember(key: string, d: Array<[string, DistSpec, Axis]>): void {
  cache.set(key, d);
  while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
}

function design(perturb: Perturb, n: number, seed: EntropyInt): Array<[string, DistSpec, Axis]> {
  checkArgs(n, seed);
  const specs = validatePerturb(perturb);
  const key = designKey(specs, n, seed);
  let d = cache.get(key);
  if (d) {
    cache.delete(key); // refresh LRU position
    cache.set(key, d);
    return d;
  }
  d = specs.map(([name, spec]) => [name, spec, lhsAxis(seed, name, n)] as [string, DistSpec, Axis]);
  remember(key, d);
  return d;
}

/**
 * Builds (and remembers) the design in steps: the generator yields between chunks of draws,
 * so an activity can build a 10^7-run design and still heartbeat; lhsRun then finds it.
 */
export function* lhsDesignSteps(perturb: Perturb, n: number, seed: EntropyInt): Generator<void, void> {
  checkArgs(n, seed);
  const specs = validatePerturb(perturb);
  const key = designKey(specs, n, seed);
  if (cache.has(key)) return;
  const d: Array<[string, DistSpec, Axis]> = [];
  for (const [name, spec] of specs) d.push([name, spec, yield* lhsAxisSteps(seed, name, n)]);
  remember(key, d);
}

/** Overrides of run `runId` (0 <= runId < n) of the LHS design, keys in sorted-name order. */
export function lhsRun(perturb: Perturb, n: number, seed: EntropyInt, runId: number): Record<string, number> {
  const d = design(perturb, n, seed);
  if (!Number.isSafeInteger(runId) || runId < 0 || runId >= n) {
    throw new RangeError(`runId must be an integer in [0, ${n}), got ${runId}`);
  }
  const out: Record<string, number> = {};
  for (const [name, spec, axis] of d) out[name] = ppf(spec, unitCoordinate(axis, n, runId));
  return out;
}

/**
 * The design's median point (ppf(0.5) on every axis), keys in sorted-name order: what a request
 * is checked against the script with. Building the design itself takes seconds at 10^7 runs
 * (two draws per run per axis), which the client need not pay before the sweep starts.
 */
export function lhsMedian(perturb: Perturb): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, spec] of validatePerturb(perturb)) out[name] = ppf(spec, 0.5);
  return out;
}

