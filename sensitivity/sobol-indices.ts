/**
 * SALib's `sobol.analyze`: first-order (Saltelli 2010), total (Jansen) and second-order
 * (Saltelli 2002) indices of one output over a Saltelli design, with bootstrap confidence
 * half-widths `Z * std(resampled, ddof=1)`. The bootstrap indices are numpy's
 * `default_rng(seed).integers(N, size=(N, num_resamples))` and every sum follows numpy's
 * order (see numpy-sum.ts), so S1, ST, S2 and their CIs equal SALib's bit for bit.
 */
import { numpyIntegers } from './numpy-integers';
import { mean1d, ptp, var1d } from './numpy-sum';
import { SensitivityError } from './saltelli';

/** `scipy.stats.norm.ppf(0.975)`, SALib's Z for the default 95 % confidence level. */
const Z_95 = 1.959963984540054;
const EPS = 2.220446049250313e-16;

export interface SobolIndices {
  names: string[];
  S1: number[];
  S1_conf: number[];
  ST: number[];
  ST_conf: number[];
  /** [j][k] for j < k, NaN elsewhere (SALib's matrix); present with second-order designs. */
  S2?: number[][];
  S2_conf?: number[][];
}

export interface AnalyzeOptions {
  calcSecondOrder?: boolean;
  numResamples?: number;
  /** Bootstrap seed; SALib draws unseeded (np.random.randint) for 0/None, so >= 1 here. */
  seed: number;
}

/** Columns of a (rows x R) matrix reduced over rows, numpy's row-by-row order. */
function columnMeans(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let k = 0; k < cols; k++) out[k] += m[i * cols + k];
  for (let k = 0; k < cols; k++) out[k] /= rows;
  return out;
}

/** np.var(y, axis=0) of a (rows x cols) matrix. */
function columnVars(m: Float64Array, rows: number, cols: number): Float64Array {
  const mean = columnMeans(m, rows, cols);
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < cols; k++) {
      const x = m[i * cols + k] - mean[k];
      out[k] += x * x;
    }
  }
  for (let k = 0; k < cols; k++) out[k] /= rows;
  return out;
}

/**
 * The estimators on "samples" of N rows by `cols` columns (cols = 1 for the point
 * estimate, R for the bootstrap). `pick(i, k)` maps to the row of Y used.
 */
interface Block {
  rows: number;
  cols: number;
  /** Row-major (rows x cols). */
  A: Float64Array;
  B: Float64Array;
}

function yVar(block: Block): Float64Array | null {
  const { rows, cols } = block;
  const y = new Float64Array(2 * rows * cols);
  y.set(block.A, 0);
  y.set(block.B, rows * cols);
  if (ptp(y) <= EPS) return null;
  return cols === 1 ? Float64Array.of(var1d(y)) : columnVars(y, 2 * rows, cols);
}

function meanOf(values: Float64Array, rows: number, cols: number): Float64Array {
  return cols === 1 ? Float64Array.of(mean1d(values)) : columnMeans(values, rows, cols);
}

function divide(num: Float64Array, den: Float64Array | null): Float64Array {
  if (!den) return new Float64Array(num.length);
  return num.map((v, k) => (den[k] > EPS ? v / den[k] : 0));
}

function firstOrder(block: Block, AB: Float64Array): Float64Array {
  const { A, B, rows, cols } = block;
  const t = new Float64Array(A.length);
  for (let i = 0; i < t.length; i++) t[i] = B[i] * (AB[i] - A[i]);
  return divide(meanOf(t, rows, cols), yVar(block));
}

function totalOrder(block: Block, AB: Float64Array): Float64Array {
  const { A, rows, cols } = block;
  const t = new Float64Array(A.length);
  for (let i = 0; i < t.length; i++) {
    const d = A[i] - AB[i];
    t[i] = d * d;
  }
  const m = meanOf(t, rows, cols).map((v) => 0.5 * v);
  return divide(m, yVar(block));
}

function secondOrder(block: Block, ABj: Float64Array, ABk: Float64Array, BAj: Float64Array): Float64Array {
  const { A, B, rows, cols } = block;
  const t = new Float64Array(A.length);
  for (let i = 0; i < t.length; i++) t[i] = BAj[i] * ABk[i] - A[i] * B[i];
  const vjk = divide(meanOf(t, rows, cols), yVar(block));
  const sj = firstOrder(block, ABj);
  const sk = firstOrder(block, ABk);
  return vjk.map((v, c) => v - sj[c] - sk[c]);
}

function std1(values: Float64Array): number {
  return Math.sqrt(var1d(values, 1));
}

/** SALib `sobol.analyze(problem, Y, calc_second_order, num_resamples, seed=seed)`. */
export function sobolAnalyze(names: string[], Y: ArrayLike<number>, options: AnalyzeOptions): SobolIndices {
  const D = names.length;
  const second = options.calcSecondOrder ?? true;
  const R = options.numResamples ?? 100;
  if (!Number.isSafeInteger(options.seed) || options.seed < 1) throw new SensitivityError(`the bootstrap seed must be a positive integer; got ${options.seed}`);
  if (!Number.isInteger(R) || R < 2) throw new SensitivityError(`num_resamples must be an integer >= 2; got ${R}`);
  const step = second ? 2 * D + 2 : D + 2;
  if (D < 1 || Y.length === 0 || Y.length % step !== 0) {
    throw new SensitivityError(`${Y.length} outputs do not fit a ${second ? 'second-order' : 'first-order'} Saltelli design of ${D} parameters (a multiple of ${step}); analyse the whole design, with no run missing`);
  }
  for (let i = 0; i < Y.length; i++) {
    if (!Number.isFinite(Y[i])) throw new SensitivityError(`output ${i} is ${Y[i]}; Sobol analysis needs a finite output for every run of the design`);
  }
  const N = Y.length / step;
  // Y = (Y - mean) / std, numpy order.
  const m = mean1d(Y);
  const s = Math.sqrt(var1d(Y));
  const y = Float64Array.from(Y, (v) => (v - m) / s);
  const col = (offset: number) => Float64Array.from({ length: N }, (_, i) => y[i * step + offset]);
  const A = col(0);
  const B = col(step - 1);
  const AB = names.map((_, j) => col(j + 1));
  const BA = second ? names.map((_, j) => col(j + 1 + D)) : [];

  const r = numpyIntegers(options.seed, N, N * R);
  const resample = (v: Float64Array) => Float64Array.from(r, (idx) => v[idx]);
  const point: Block = { rows: N, cols: 1, A, B };
  const boot: Block = { rows: N, cols: R, A: resample(A), B: resample(B) };
  const ABr = AB.map(resample);
  const BAr = BA.map(resample);
  const varDiff = (() => {
    const both = new Float64Array(2 * N * R);
    both.set(boot.A, 0);
    both.set(boot.B, N * R);
    return ptp(both);
  })();

  const out: SobolIndices = { names, S1: [], S1_conf: [], ST: [], ST_conf: [] };
  for (let j = 0; j < D; j++) {
    out.S1.push(firstOrder(point, AB[j])[0]);
    out.S1_conf.push(varDiff !== 0 ? Z_95 * std1(firstOrder(boot, ABr[j])) : 0);
    out.ST.push(totalOrder(point, AB[j])[0]);
    out.ST_conf.push(varDiff !== 0 ? Z_95 * std1(totalOrder(boot, ABr[j])) : 0);
  }
  if (second) {
    out.S2 = names.map(() => new Array<number>(D).fill(NaN));
    out.S2_conf = names.map(() => new Array<number>(D).fill(NaN));
    for (let j = 0; j < D; j++) {
      for (let k = j + 1; k < D; k++) {
        out.S2[j][k] = secondOrder(point, AB[j], AB[k], BA[j])[0];
        out.S2_conf[j][k] = Z_95 * std1(secondOrder(boot, ABr[j], ABr[k], BAr[j]));
      }
    }
  }
  return out;
}
