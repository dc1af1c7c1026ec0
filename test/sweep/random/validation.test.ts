import { describe, expect, it } from 'vitest';
import { DistributionError, sortedNames, validatePerturb, validateSpec } from '../../../sweep/random/distributions';
import { drawRun } from '../../../sweep/random/monte-carlo';

describe('distribution validation', () => {
  const bad: Array<[unknown, RegExp]> = [
    [['gamma', 1, 2], /perturb\["Sat\.SMA"\]: unknown distribution "gamma"; use one of "normal", "uniform", "lognormal"/],
    [['normal', 7100, 0], /perturb\["Sat\.SMA"\]: normal sigma must be > 0, got 0/],
    [['lognormal', 1, -2], /perturb\["Sat\.SMA"\]: lognormal sigma must be > 0, got -2/],
    [['uniform', 5, 5], /perturb\["Sat\.SMA"\]: uniform hi must be > lo, got lo=5, hi=5/],
    [['uniform', 5, 1], /hi must be > lo/],
    [['normal', NaN, 1], /normal mu must be a finite number, got NaN/],
    [['normal', 0, Infinity], /normal sigma must be a finite number, got Infinity/],
    [['normal', '1', 2], /mu must be a finite number, got "1"/],
    [['normal', true, 2], /mu must be a finite number, got true/],
    [['normal', 1], /exactly 3 elements/],
    [[], /exactly 3 elements/],
    [7, /expected \["normal", mu, sigma\]/],
  ];
  for (const [spec, re] of bad) {
    it(`rejects ${JSON.stringify(spec)}`, () => {
      expect(() => validateSpec('Sat.SMA', spec)).toThrow(DistributionError);
      expect(() => validateSpec('Sat.SMA', spec)).toThrow(re);
      expect(() => drawRun({ 'Sat.SMA': spec } as never, 1, 0)).toThrow(/Sat\.SMA/);
    });
  }

  it('accepts the three shorthands and sorts names by code point (Python order)', () => {
    const v = validatePerturb({ b: ['uniform', 0, 1], a: ['normal', 0, 1], '\u{1F600}': ['normal', 0, 1], '\uFFFF': ['lognormal', 0, 1] });
    expect(v.map(([n]) => n)).toEqual(['a', 'b', '\uFFFF', '\u{1F600}']);
    // JS default sort (UTF-16 code units) would put the astral character first
    expect(['\uFFFF', '\u{1F600}'].sort()).toEqual(['\u{1F600}', '\uFFFF']);
    expect(sortedNames(['Sat.SMA', 'Sat.INC', 'Kick.Element1'])).toEqual(['Kick.Element1', 'Sat.INC', 'Sat.SMA']);
    expect(() => validatePerturb({})).toThrow(/at least one/);
  });

  it('rejects a bad run seed with a message naming it', () => {
    expect(() => drawRun({ a: ['normal', 0, 1] }, -1, 0)).toThrow(/seed must be a non-negative integer/);
  });
});
