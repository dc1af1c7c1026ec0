/** The report's pure choices: sampling, GMAT error lines, position columns. */
import { describe, expect, it } from 'vitest';
import { errorLines, evenly, positionColumns } from '../../report/build';
import type { SweepTable } from '../../analysis/table';

describe('report building blocks', () => {
  it('evenly: k indices spread over n, first and last included, all when n <= k', () => {
    expect(evenly(5, 10)).toEqual([0, 1, 2, 3, 4]);
    expect(evenly(100, 5)).toEqual([0, 25, 50, 74, 99]);
    expect(evenly(100_000, 500).length).toBe(500);
    expect(evenly(100_000, 500).at(-1)).toBe(99_999);
    expect(evenly(7, 1)).toEqual([0]);
  });

  it('errorLines keeps GMAT\'s error lines and drops the rest', () => {
    const stderr = 'GMAT rejected the run (exit 1): **** ERROR **** Interpreter Exception: bad value\nsome progress line\n   "  40: GMAT Sat.SMA = 0;"\n';
    expect(errorLines(stderr)).toBe('GMAT rejected the run (exit 1): **** ERROR **** Interpreter Exception: bad value');
    expect(errorLines('worker lost\nno detail')).toBe('worker lost\nno detail');
    expect(errorLines(null)).toBe('');
    expect(errorLines(`**** ERROR ****${'x'.repeat(3000)}`).length).toBe(2001);
  });

  it('positionColumns pairs <prefix>.X with <prefix>.Y', () => {
    const table = (names: string[]): SweepTable => ({ rowCount: 0, runId: new Float64Array(), time: [], status: [], columns: names.map((name) => ({ name, values: new Float64Array() })) });
    expect(positionColumns(table(['Sat.Earth.SMA', 'Sat.EarthMJ2000Eq.X', 'Sat.EarthMJ2000Eq.Y']))).toEqual({ x: 'Sat.EarthMJ2000Eq.X', y: 'Sat.EarthMJ2000Eq.Y' });
    expect(positionColumns(table(['Sat.EarthMJ2000Eq.X', 'Sat.EarthFixed.Y']))).toBeUndefined();
    expect(positionColumns(undefined)).toBeUndefined();
  });
});
