/**
 * gmat-sweep's three distribution shorthands: validation, one-variate draws with scipy's
 * exact arithmetic, and inverse CDFs for Latin hypercube sampling.
 */
import type { PCG64 } from './pcg64';
import { standardNormal } from './normal';
import { glibcExp, type LibmFlavour } from './libm';

export type DistTag = 'normal' | 'uniform' | 'lognormal';
/** `["normal", mu, sigma] | ["uniform", lo, hi] | ["lognormal", mu, sigma]` */
export type DistSpec = readonly [DistTag, number, number];
export type Perturb = Readonly<Record<string, DistSpec>>;

export class DistributionError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly value: unknown,
  ) {
    super(message);
    this.name = 'DistributionError';
  }
}

const TAGS: readonly DistTag[] = ['normal', 'uniform', 'lognormal'];

function show(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Validate one spec (gmat-sweep §3.2 rules). `name` is the parameter name used in errors. */
export function validateSpec(name: string, spec: unknown): DistSpec {
  const field = `perturb[${JSON.stringify(name)}]`;
  if (!Array.isArray(spec)) {
    throw new DistributionError(
      `${field}: expected ["normal", mu, sigma], ["uniform", lo, hi] or ["lognormal", mu, sigma], got ${show(spec)}`,
      field,
      spec,
    );
  }
  if (spec.length !== 3) {
    throw new DistributionError(
      `${field}: expected exactly 3 elements [tag, p1, p2], got ${spec.length} (${show(spec)}); e.g. ["normal", 7100, 50]`,
      field,
      spec,
    );
  }
  const [tag, p1, p2] = spec as unknown[];
  if (typeof tag !== 'string' || !(TAGS as readonly string[]).includes(tag)) {
    throw new DistributionError(
      `${field}: unknown distribution ${show(tag)}; use one of "normal", "uniform", "lognormal"`,
      field,
      tag,
    );
  }
  const names = tag === 'uniform' ? ['lo', 'hi'] : ['mu', 'sigma'];
  const ps = [p1, p2];
  for (let i = 0; i < 2; i++) {
    const v = ps[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new DistributionError(
        `${field}: ${tag} ${names[i]} must be a finite number, got ${show(v)}; give a finite numeric value`,
        `${field}.${names[i]}`,
        v,
      );
    }
  }
  const a = p1 as number;
  const b = p2 as number;
  if (tag !== 'uniform' && !(b > 0)) {
    throw new DistributionError(
      `${field}: ${tag} sigma must be > 0, got ${show(b)}; use a positive standard deviation, e.g. ["${tag}", ${show(a)}, 1]`,
      `${field}.sigma`,
      b,
    );
  }
  if (tag === 'uniform' && !(b > a)) {
    throw new DistributionError(
      `${field}: uniform hi must be > lo, got lo=${show(a)}, hi=${show(b)}; swap or widen the bounds`,
      `${field}.hi`,
      b,
    );
  }
  // Every draw must be a finite number: a spec whose plausible draws overflow a double would
  // give runs of Infinity or NaN. Normal draws are bounded by mu +- TAIL sigma (a standard
  // normal beyond 10 has probability ~1e-23), uniform ones by lo + (hi - lo), lognormal ones by
  // exp(mu + TAIL sigma). A draw that still overflows fails its run with the value named.
  const reach =
    tag === 'uniform' ? b - a : tag === 'normal' ? Math.abs(a) + TAIL_SIGMAS * b : Math.exp(a + TAIL_SIGMAS * b);
  if (!Number.isFinite(reach)) {
    const what =
      tag === 'uniform'
        ? `hi - lo = ${show(b)} - (${show(a)}) overflows a double`
        : tag === 'normal'
          ? `mu +- ${TAIL_SIGMAS} sigma overflows a double`
          : `exp(mu + ${TAIL_SIGMAS} sigma) overflows a double`;
    throw new DistributionError(`${field}: draws would not be finite numbers (${what}); give smaller parameters`, field, spec);
  }
  return [tag as DistTag, a, b];
}

/** Standard deviations a normal draw is assumed to stay within when checking for overflow. */
const TAIL_SIGMAS = 10;

/** Validate a whole perturb map; returns a copy with names in (code-point) sorted order. */
export function validatePerturb(perturb: unknown): Array<[string, DistSpec]> {
  if (perturb === null || typeof perturb !== 'object' || Array.isArray(perturb)) {
    throw new DistributionError(`perturb: expected an object {name: spec}, got ${show(perturb)}`, 'perturb', perturb);
  }
  const names = sortedNames(Object.keys(perturb));
  if (names.length === 0) throw new DistributionError('perturb: must name at least one parameter', 'perturb', perturb);
  return names.map((n) => [n, validateSpec(n, (perturb as Record<string, unknown>)[n])]);
}

/**
 * Python `sorted()` order on str = Unicode code point order. JS's default sort compares
 * UTF-16 code units, which differs only for astral characters vs U+E000..U+FFFF; this
 * comparator compares code points so the order is always Python's.
 */
export function sortedNames(names: readonly string[]): string[] {
  return [...names].sort((x, y) => {
    const ax = Array.from(x);
    const ay = Array.from(y);
    const n = Math.min(ax.length, ay.length);
    for (let i = 0; i < n; i++) {
      const cx = ax[i].codePointAt(0)!;
      const cy = ay[i].codePointAt(0)!;
      if (cx !== cy) return cx - cy;
    }
    return ax.length - ay.length;
  });
}

/**
 * One variate exactly as `scipy.stats.<dist>(...).rvs(size=1, random_state=rng)[0]`:
 *  - normal:    norm(loc=mu, scale=sigma):   z * sigma + mu
 *  - uniform:   uniform(loc=lo, scale=hi-lo): u * (hi - lo) + lo, u = rng.uniform(0, 1) = next_double
 *  - lognormal: lognorm(s=sigma, scale=exp(mu)): exp(sigma * z) * exp(mu) + 0.0
 * `exp` is glibc's (numpy's np.exp on CPUs without AVX-512; see README for the AVX-512 caveat).
 */
export function drawOne(spec: DistSpec, rng: PCG64, flavour: LibmFlavour = 'fma'): number {
  const [tag, a, b] = spec;
  switch (tag) {
    case 'normal':
      return standardNormal(rng, flavour) * b + a;
    case 'uniform':
      return rng.nextDouble() * (b - a) + a;
    case 'lognormal': {
      const z = standardNormal(rng, flavour);
      return glibcExp(b * z, flavour) * glibcExp(a, flavour) + 0.0;
    }
  }
}

// ---------------------------------------------------------------------------------------
// inverse CDFs (LHS only: accurate, deterministic across platforms, not numpy-bit-exact)

/** erfc(x) for x >= 0, ~1e-15 relative: series for small x, continued fraction for large. */
function erfcPos(x: number): number {
  if (x < 1) {
    // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)): all terms
    // positive (no cancellation); erfc = 1 - erf keeps ~1e-16 relative since erfc > 0.15 here.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  }
  // Lentz continued fraction: erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
  const tiny = 1e-300;
  let f = x;
  let C = x;
  let D = 0;
  for (let n = 1; n < 5000; n++) {
    const an = n / 2;
    D = x + an * D;
    D = D === 0 ? tiny : D;
    C = x + an / C;
    C = C === 0 ? tiny : C;
    D = 1 / D;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Standard normal CDF. */
function normalCdf(z: number): number {
  const t = Math.abs(z) / Math.SQRT2;
  const c = 0.5 * erfcPos(t);
  return z < 0 ? c : 1 - c;
}

/** Standard normal inverse CDF: Acklam's rational start + two Halley refinements (~1e-15). */
export function normalPpf(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const plow = 0.02425;
  let x: number;
  if (p < plow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - plow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // Halley steps on the smaller tail to keep relative accuracy.
  for (let i = 0; i < 2; i++) {
    // e = F(x) - p, computed on the side where it keeps relative accuracy
    const e = x < 0 ? normalCdf(x) - p : 1 - p - normalCdf(-x);
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    x = x - u / (1 + (x * u) / 2);
  }
  return x;
}

/** Inverse CDF of a validated spec at probability p in [0, 1]. */
export function ppf(spec: DistSpec, p: number): number {
  const [tag, a, b] = spec;
  switch (tag) {
    case 'normal':
      return normalPpf(p) * b + a;
    case 'uniform':
      return p * (b - a) + a;
    case 'lognormal':
      return Math.exp(a + b * normalPpf(p));
  }
}
