/**
 * Full-factorial expansion, lazily: run `id` is decoded from its mixed-radix
 * digits, so a million-run grid never exists as a list. Keys are sorted by code point
 * (Python's str order, which gmat-sweep uses); the first key varies slowest.
 *
 * An axis travels compactly (spec/sweep.ts `GridAxis`): `LO:HI:COUNT` as three numbers,
 * a short list inline, a long list as a table in the output directory. Values of a table
 * axis are not known here; callers that have them (paged) pass `valueOf`.
 */
import type { OverrideValue, Overrides } from './overrides';
import type { GridAxis } from './types';

export type GridAxes = Record<string, GridAxis>;

export function sortedKeys(record: Record<string, unknown>): string[] {
  return Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function axisLength(axis: GridAxis): number {
  if (Array.isArray(axis)) return axis.length;
  if ('linspace' in axis) return axis.linspace[2];
  return axis.values.count;
}

/** numpy.linspace(lo, hi, count)[i] with both ends exact, as gmat-sweep's `LO:HI:COUNT`. */
function linspaceAt(lo: number, hi: number, count: number, i: number): number {
  if (i === count - 1) return hi;
  return lo + i * ((hi - lo) / (count - 1));
}

/** Value `i` of an inline or linspace axis; undefined for a table axis (its values are paged). */
export function axisValueAt(axis: GridAxis, i: number): OverrideValue | undefined {
  if (Array.isArray(axis)) return axis[i];
  if ('linspace' in axis) return linspaceAt(axis.linspace[0], axis.linspace[1], axis.linspace[2], i);
  return undefined;
}

export function gridSize(axes: GridAxes): number {
  return sortedKeys(axes).reduce((n, key) => n * axisLength(axes[key]), 1);
}

/** The value index on every axis (sorted key order) of run `runId`. */
export function gridIndices(axes: GridAxes, runId: number): Array<[key: string, index: number]> {
  const keys = sortedKeys(axes);
  const indices: Array<[string, number]> = new Array(keys.length);
  let rest = runId;
  for (let k = keys.length - 1; k >= 0; k--) {
    const n = axisLength(axes[keys[k]]);
    indices[k] = [keys[k], rest % n];
    rest = Math.floor(rest / n);
  }
  if (rest !== 0 || runId < 0) throw new Error(`run ${runId} is outside this ${gridSize(axes)}-run grid`);
  return indices;
}

/**
 * Overrides of run `runId`, keys in sorted order (so override lines and manifests list keys
 * the same way). `valueOf` supplies values of table axes; without it they are an error.
 */
export function gridOverrides(
  axes: GridAxes,
  runId: number,
  valueOf: (key: string, axis: GridAxis, index: number) => OverrideValue = (key) => {
    throw new Error(`grid axis ${key} lives in the output directory; its values must be paged in`);
  },
): Overrides {
  const ordered: Overrides = {};
  for (const [key, index] of gridIndices(axes, runId)) {
    const axis = axes[key];
    ordered[key] = axisValueAt(axis, index) ?? valueOf(key, axis, index);
  }
  return ordered;
}

/** numpy.linspace(lo, hi, count) with both ends exact, as gmat-sweep's `LO:HI:COUNT`. */
export function linspace(lo: number, hi: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => linspaceAt(lo, hi, count, i));
}
