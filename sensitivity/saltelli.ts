/**
 * SALib's `sobol.sample` (Saltelli's scheme over a scrambled Sobol base of 2D columns) and
 * gmat-sweep's `sobol_sample` lift of the unit-cube design through each parameter's
 * inverse CDF. Parameters are taken in sorted-name order, as gmat-sweep does.
 */
import { ppf, sortedNames, validateSpec, type DistSpec } from '../sweep/random/distributions';
import { sobolPoints } from './sobol-sequence';
import { SOBOL_MAXDIM } from './sobol-directions';

export interface SaltelliOptions {
  /** Base sample size N (SALib recommends a power of two). */
  n: number;
  seed: number;
  /** Also cross B into A for second-order indices: N(2D+2) rows instead of N(D+2). */
  calcSecondOrder?: boolean;
}

export class SensitivityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SensitivityError';
  }
}

const MAX_SOBOL_PARAMETERS = SOBOL_MAXDIM / 2;

export function saltelliRowCount(d: number, n: number, calcSecondOrder = true): number {
  return n * (calcSecondOrder ? 2 * d + 2 : d + 2);
}

/** SALib `sobol.sample(problem, N, calc_second_order, seed=seed)` on the unit cube. */
export function saltelliUnitDesign(d: number, options: SaltelliOptions): Float64Array[] {
  const { n, seed } = options;
  const second = options.calcSecondOrder ?? true;
  if (!Number.isInteger(d) || d < 1 || d > MAX_SOBOL_PARAMETERS) throw new SensitivityError(`Sobol sensitivity takes 1 to ${MAX_SOBOL_PARAMETERS} perturbed parameters; got ${d}`);
  if (!Number.isInteger(n) || n < 1) throw new SensitivityError(`--n must be a positive integer (the Saltelli base sample size); got ${n}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new SensitivityError(`--seed must be a non-negative integer; got ${seed}`);
  const base = sobolPoints(2 * d, n, { scramble: true, seed });
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const a = base[i].subarray(0, d);
    const b = base[i].subarray(d, 2 * d);
    rows.push(Float64Array.from(a));
    for (let k = 0; k < d; k++) {
      const ab = Float64Array.from(a);
      ab[k] = b[k];
      rows.push(ab);
    }
    if (second) {
      for (let k = 0; k < d; k++) {
        const ba = Float64Array.from(b);
        ba[k] = a[k];
        rows.push(ba);
      }
    }
    rows.push(Float64Array.from(b));
  }
  return rows;
}

export interface SobolDesign {
  /** Parameter names, sorted: the column order of `rows` and of the indices. */
  names: string[];
  perturb: Record<string, DistSpec>;
  n: number;
  seed: number;
  calcSecondOrder: boolean;
  /** One run per row: physical values after each parameter's inverse CDF. */
  rows: number[][];
}

/** gmat-sweep `sobol_sample(perturb, n, seed=, calc_second_order=)`. */
export function sobolSample(perturb: Record<string, unknown>, options: SaltelliOptions): SobolDesign {
  const names = sortedNames(Object.keys(perturb));
  if (names.length === 0) throw new SensitivityError('Sobol sensitivity needs at least one --perturb NAME=normal:MU:SIGMA|uniform:LO:HI|lognormal:MU:SIGMA');
  const specs = names.map((name) => validateSpec(name, perturb[name]));
  const unit = saltelliUnitDesign(names.length, options);
  return {
    names,
    perturb: Object.fromEntries(names.map((name, i) => [name, specs[i]])),
    n: options.n,
    seed: options.seed,
    calcSecondOrder: options.calcSecondOrder ?? true,
    rows: unit.map((row) => Array.from(row, (p, j) => ppf(specs[j], p))),
  };
}
