/**
 * numpy's float64 summation orders, so Sobol indices come out bit-identical to SALib's:
 * a contiguous 1-D `sum`/`mean`/`var` uses pairwise summation (blocks of 128, eight
 * accumulators); a reduction over axis 0 of a C-ordered 2-D array adds row by row.
 */
const PW_BLOCKSIZE = 128;

/** numpy `DOUBLE_pairwise_sum` over a[start, start + n). */
function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k] += a[start + i + k];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.mean` of a contiguous 1-D array. */
export const mean1d = (a: ArrayLike<number>): number => pairwiseSum(a) / a.length;

/** `np.var(a, ddof)` of a contiguous 1-D array (numpy's two-pass formula). */
export function var1d(a: ArrayLike<number>, ddof = 0): number {
  const m = mean1d(a);
  const sq = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i] - m;
    sq[i] = x * x;
  }
  return pairwiseSum(sq) / Math.max(a.length - ddof, 0);
}

/** `np.ptp` (max - min). */
export function ptp(a: ArrayLike<number>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < lo) lo = a[i];
    if (a[i] > hi) hi = a[i];
  }
  return hi - lo;
}
