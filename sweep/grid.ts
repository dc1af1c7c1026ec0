/**
 * Full-factorial expansion (SPEC §3.1), lazily: run `id` is decoded from its mixed-radix
 * digits, so a million-run grid never exists as a list. Keys are sorted by code point
 * (Python's str order, which gmat-sweep uses); the first key varies slowest.
 */
import type { OverrideValue, Overrides } from './overrides';

export type GridAxes = Record<string, OverrideValue[]>;

export function sortedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function gridSize(axes: GridAxes): number {
  return sortedKeys(axes).reduce((n, key) => n * axes[key].length, 1);
}

export function gridOverrides(axes: GridAxes, runId: number): Overrides {
  const keys = sortedKeys(axes);
  const digits: Overrides = {};
  let rest = runId;
  for (let k = keys.length - 1; k >= 0; k--) {
    const values = axes[keys[k]];
    digits[keys[k]] = values[rest % values.length];
    rest = Math.floor(rest / values.length);
  }
  if (rest !== 0) throw new Error(`run ${runId} is outside this ${gridSize(axes)}-run grid`);
  // Re-insert in sorted order so override lines (and manifests) list keys the same way.
  const ordered: Overrides = {};
  for (const key of keys) ordered[key] = digits[key];
  return ordered;
}

/** numpy.linspace(lo, hi, count) with both ends exact, as gmat-sweep's `LO:HI:COUNT`. */
export function linspace(lo: number, hi: number, count: number): number[] {
  const step = (hi - lo) / (count - 1);
  const values = Array.from({ length: count }, (_, i) => lo + i * step);
  values[count - 1] = hi;
  return values;
}
