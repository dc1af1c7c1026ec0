// request/grid-args.ts: gmat-sweep's `--grid` grammar and `--set`.
import { describe, expect, it } from 'vitest';
import { coerceToken, GridArgError, parseGridArg, parseGridArgs, parseSetArgs, type GridAxisArg } from '../../request/grid-args';
import { linspace } from '../../sweep/grid';

/** The values an axis expands to (a linspace travels as its three numbers). */
const values = (axis: GridAxisArg) => (Array.isArray(axis) ? axis : linspace(axis.lo, axis.hi, axis.count));

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('parseGridArgs: linspace form NAME=LO:HI:COUNT', () => {
  it('keeps LO:HI:COUNT as its three numbers', () => {
    expect(parseGridArgs(['Sat.SMA=7000:7400:5'])).toEqual({ 'Sat.SMA': { lo: 7000, hi: 7400, count: 5 } });
    expect(parseGridArgs(['Sat.SMA=6800:7400:1000000'])).toEqual({ 'Sat.SMA': { lo: 6800, hi: 7400, count: 1_000_000 } });
  });

  it('is inclusive at both ends, exactly', () => {
    expect(values(parseGridArgs(['Sat.SMA=7000:7400:5'])['Sat.SMA'])).toEqual([7000, 7100, 7200, 7300, 7400]);
    // numpy.linspace(0.3, 0.9, 4) in Python: [0.3, 0.5, 0.7000000000000001, 0.9]
    expect(values(parseGridArgs(['x=0.3:0.9:4']).x)).toEqual([0.3, 0.5, 0.7000000000000001, 0.9]);
    expect(values(parseGridArgs([' Sat.ECC = 0.001 : 0.002 : 2 '])['Sat.ECC'])).toEqual([0.001, 0.002]);
  });

  it('rejects COUNT < 2 and non-integer COUNT', () => {
    expect(errorOf(() => parseGridArgs(['Sat.SMA=7000:7400:1'])).message).toBe(
      '--grid "Sat.SMA=7000:7400:1": COUNT must be an integer >= 2 (both ends are included), got "1"',
    );
    expect(errorOf(() => parseGridArgs(['Sat.SMA=7000:7400:0'])).message).toBe(
      '--grid "Sat.SMA=7000:7400:0": COUNT must be an integer >= 2 (both ends are included), got "0"',
    );
    expect(errorOf(() => parseGridArgs(['Sat.SMA=7000:7400:2.5'])).message).toBe(
      '--grid "Sat.SMA=7000:7400:2.5": COUNT must be an integer >= 2 (both ends are included), got "2.5"',
    );
    expect(errorOf(() => parseGridArgs(['Sat.SMA=7000:7400:'])).message).toBe(
      '--grid "Sat.SMA=7000:7400:": COUNT must be an integer >= 2 (both ends are included), got ""',
    );
  });

  it('needs exactly three parts and finite LO/HI', () => {
    expect(errorOf(() => parseGridArgs(['Sat.SMA=7000:7400'])).message).toBe(
      '--grid "Sat.SMA=7000:7400": linspace form needs exactly LO:HI:COUNT, got 2 parts',
    );
    expect(errorOf(() => parseGridArgs(['Sat.SMA=1:2:3:4'])).message).toBe(
      '--grid "Sat.SMA=1:2:3:4": linspace form needs exactly LO:HI:COUNT, got 4 parts',
    );
    expect(errorOf(() => parseGridArgs(['Sat.SMA=7000:nan:3'])).message).toBe(
      '--grid "Sat.SMA=7000:nan:3": LO and HI must be finite numbers, got "7000" and "nan"',
    );
    expect(errorOf(() => parseGridArgs(['Sat.SMA=7000:Infinity:3'])).message).toBe(
      '--grid "Sat.SMA=7000:Infinity:3": LO and HI must be finite numbers, got "7000" and "Infinity"',
    );
    expect(errorOf(() => parseGridArgs(['Sat.SMA=7000::3'])).message).toBe(
      '--grid "Sat.SMA=7000::3": LO and HI must be finite numbers, got "7000" and ""',
    );
    expect(errorOf(() => parseGridArgs(['Sat.SMA=7000:1e999:3'])).message).toBe(
      '--grid "Sat.SMA=7000:1e999:3": LO and HI must be finite numbers, got "7000" and "1e999"',
    );
  });
});

describe('parseGridArgs: explicit form NAME=v1,v2,...', () => {
  it('coerces each token int → float → string', () => {
    const axes = parseGridArgs(['a=1,-4,+5,2.5,1e3,.5,5.,-2.5E-3,abc,RungeKutta89,1.2.3,0x10']);
    expect(axes.a).toEqual([1, -4, 5, 2.5, 1000, 0.5, 5, -0.0025, 'abc', 'RungeKutta89', '1.2.3', '0x10']);
    expect(values(axes.a).map((v) => typeof v)).toEqual([
      'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'string', 'string', 'string', 'string',
    ]);
    expect(parseGridArgs(['Prop.Type=RungeKutta89,PrinceDormand78'])).toEqual({ 'Prop.Type': ['RungeKutta89', 'PrinceDormand78'] });
    expect(coerceToken('07')).toBe(7);
    expect(coerceToken('On')).toBe('On');
  });

  it('trims tokens and names', () => {
    expect(parseGridArgs([' Sat.SMA = 7000 , 7100 '])).toEqual({ 'Sat.SMA': [7000, 7100] });
  });

  it('rejects NaN and infinite tokens', () => {
    for (const token of ['nan', 'NaN', 'inf', '-inf', '+Infinity', 'INFINITY']) {
      expect(errorOf(() => parseGridArgs([`Sat.SMA=7000,${token}`])).message).toBe(
        `--grid "Sat.SMA=7000,${token}": value "${token}" is not a finite number; give finite values`,
      );
    }
    // Finite-looking text that overflows a double is infinite too.
    expect(errorOf(() => parseGridArgs(['Sat.SMA=1e999'])).message).toBe(
      '--grid "Sat.SMA=1e999": value "1e999" is not a finite number; give finite values',
    );
  });

  it('rejects empty lists and empty tokens', () => {
    expect(errorOf(() => parseGridArgs(['Sat.SMA='])).message).toBe(
      '--grid "Sat.SMA=": no values after "="; write e.g. Sat.SMA=7000:7400:5 or Sat.SMA=7000,7100',
    );
    expect(errorOf(() => parseGridArgs(['Sat.SMA=  '])).message).toBe(
      '--grid "Sat.SMA=  ": no values after "="; write e.g. Sat.SMA=7000:7400:5 or Sat.SMA=7000,7100',
    );
    expect(errorOf(() => parseGridArgs(['Sat.SMA=7000,,7100'])).message).toBe('--grid "Sat.SMA=7000,,7100": value 2 is empty; remove the extra comma');
    expect(errorOf(() => parseGridArgs(['Sat.SMA=7000,'])).message).toBe('--grid "Sat.SMA=7000,": value 2 is empty; remove the extra comma');
  });

  it('rejects a missing "=" or NAME', () => {
    expect(errorOf(() => parseGridArgs(['Sat.SMA'])).message).toBe('--grid "Sat.SMA": missing "="; write NAME=LO:HI:COUNT or NAME=v1,v2,...');
    expect(errorOf(() => parseGridArgs(['=1,2'])).message).toBe('--grid "=1,2": empty NAME before "="; write e.g. Sat.SMA=7000:7400:5');
  });

  it('rejects the same name twice', () => {
    const err = errorOf(() => parseGridArgs(['Sat.SMA=7000,7100', 'Sat.ECC=0.001', 'Sat.SMA=7200:7400:3']));
    expect(err).toBeInstanceOf(GridArgError);
    expect(err.message).toBe('--grid "Sat.SMA=7200:7400:3": "Sat.SMA" is given twice; give each name once');
  });

  it('keeps several axes and parses one spec alone', () => {
    expect(parseGridArgs(['b=1,2', 'a=0:1:2'])).toEqual({ b: [1, 2], a: { lo: 0, hi: 1, count: 2 } });
    expect(parseGridArg('CoastTime.Value=1800,2400')).toEqual(['CoastTime.Value', [1800, 2400]]);
  });
});

describe('parseSetArgs (run-one --set)', () => {
  it('coerces one value per name like grid tokens', () => {
    expect(parseSetArgs(['Sat.SMA=7100', 'Sat.Epoch=01 Jan 2026 12:00:00.000', 'Prop.Type=RungeKutta89', 'Kick.Element1=0.5'])).toEqual({
      'Sat.SMA': 7100,
      'Sat.Epoch': '01 Jan 2026 12:00:00.000',
      'Prop.Type': 'RungeKutta89',
      'Kick.Element1': 0.5,
    });
    expect(parseSetArgs([])).toEqual({});
  });

  it('names --set (not --grid) in its errors', () => {
    expect(errorOf(() => parseSetArgs(['Sat.SMA'])).message).toBe('--set "Sat.SMA": missing "="; write NAME=value, e.g. Sat.SMA=7100');
    expect(errorOf(() => parseSetArgs(['=7100'])).message).toBe('--set "=7100": empty NAME before "="; write NAME=value, e.g. Sat.SMA=7100');
    expect(errorOf(() => parseSetArgs(['Sat.SMA='])).message).toBe('--set "Sat.SMA=": no value after "="; write NAME=value, e.g. Sat.SMA=7100');
    expect(errorOf(() => parseSetArgs(['Sat.SMA=7000', 'Sat.SMA=7100'])).message).toBe('--set "Sat.SMA=7100": "Sat.SMA" is given twice; give each name once');
    expect(errorOf(() => parseSetArgs(['Sat.SMA=nan'])).message).toBe('--set "Sat.SMA=nan": "nan" is not a finite number');
    expect(errorOf(() => parseSetArgs(['Sat.SMA=-inf'])).message).toBe('--set "Sat.SMA=-inf": "-inf" is not a finite number');
  });
});
