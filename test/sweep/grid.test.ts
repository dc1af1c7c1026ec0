// sweep/grid.ts: full-factorial order (gmat-sweep = itertools.product over sorted keys, the
// last key varying fastest) and numpy-style linspace.
import { describe, expect, it } from 'vitest';
import { gridOverrides, gridSize, linspace, sortedKeys } from '../../sweep/grid';

describe('gridOverrides', () => {
  it('enumerates sorted keys with the last key varying fastest', () => {
    const axes = { a: [1, 2], b: [10, 20, 30] };
    expect(gridSize(axes)).toBe(6);
    const runs = Array.from({ length: 6 }, (_, id) => gridOverrides(axes, id));
    expect(runs).toEqual([
      { a: 1, b: 10 },
      { a: 1, b: 20 },
      { a: 1, b: 30 },
      { a: 2, b: 10 },
      { a: 2, b: 20 },
      { a: 2, b: 30 },
    ]);
  });

  it('ignores insertion order: keys are sorted by code point (uppercase before lowercase)', () => {
    const axes = { b: [10, 20, 30], a: [1, 2], B: ['x', 'y'] };
    expect(sortedKeys(axes)).toEqual(['B', 'a', 'b']);
    expect(gridSize(axes)).toBe(12);
    expect(gridOverrides(axes, 0)).toEqual({ B: 'x', a: 1, b: 10 });
    expect(gridOverrides(axes, 1)).toEqual({ B: 'x', a: 1, b: 20 });
    expect(gridOverrides(axes, 3)).toEqual({ B: 'x', a: 2, b: 10 });
    expect(gridOverrides(axes, 6)).toEqual({ B: 'y', a: 1, b: 10 });
    expect(gridOverrides(axes, 11)).toEqual({ B: 'y', a: 2, b: 30 });
    // The returned object lists keys in sorted order (override lines and manifests rely on it).
    expect(Object.keys(gridOverrides(axes, 5))).toEqual(['B', 'a', 'b']);
  });

  it('matches a nested-loop product for a three-axis grid', () => {
    const axes = { 'Sat.SMA': [7000, 7100, 7200], 'Sat.ECC': [0.001, 0.002], 'Prop.Type': ['RungeKutta89', 'PrinceDormand78'] };
    const expected: Record<string, unknown>[] = [];
    for (const type of axes['Prop.Type']) for (const ecc of axes['Sat.ECC']) for (const sma of axes['Sat.SMA']) expected.push({ 'Prop.Type': type, 'Sat.ECC': ecc, 'Sat.SMA': sma });
    expect(Array.from({ length: gridSize(axes) }, (_, id) => gridOverrides(axes, id))).toEqual(expected);
  });

  it('refuses a run id outside the grid', () => {
    const axes = { a: [1, 2], b: [10, 20, 30] };
    expect(() => gridOverrides(axes, 6)).toThrow('run 6 is outside this 6-run grid');
  });

  it('has one empty run for no axes', () => {
    expect(gridSize({})).toBe(1);
    expect(gridOverrides({}, 0)).toEqual({});
  });
});

describe('linspace', () => {
  // Expected values: numpy's algorithm (start + i * ((stop - start) / (num - 1)), last
  // element set to stop) evaluated in Python 3.11 floats and hard-coded here.
  it('includes both ends exactly', () => {
    expect(linspace(7000, 7400, 5)).toEqual([7000, 7100, 7200, 7300, 7400]);
    expect(linspace(0.3, 0.9, 4)).toEqual([0.3, 0.5, 0.7000000000000001, 0.9]);
    // Without the exact end, 0.3 + 3 * 0.2 would be 0.9000000000000001.
    expect(linspace(0.3, 0.9, 4)[3]).toBe(0.9);
    expect(linspace(0.1, 0.7, 7)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(linspace(6800, 7400, 16)).toEqual([6800, 6840, 6880, 6920, 6960, 7000, 7040, 7080, 7120, 7160, 7200, 7240, 7280, 7320, 7360, 7400]);
  });

  it('runs downwards and with equal ends', () => {
    expect(linspace(1, 0, 3)).toEqual([1, 0.5, 0]);
    expect(linspace(5, 5, 3)).toEqual([5, 5, 5]);
  });
});
