import { describe, expect, it } from 'vitest';
import {
  OverrideError,
  formatGmatValue,
  overrideLine,
  parseOverrideKey,
  validateOverrideKey,
  validateOverrideValue,
} from '../../sweep/overrides';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('override keys', () => {
  it('accepts Resource.Field', () => {
    for (const k of ['Sat.SMA', 'Kick.Element1', 'CoastTime.Value', 'a_1.B_2']) expect(() => validateOverrideKey(k)).not.toThrow();
  });

  it('rejects a key without a dot, naming the key and the fix', () => {
    const e = errorOf(() => validateOverrideKey('SMA'));
    expect(e).toBeInstanceOf(OverrideError);
    expect(e.message).toBe(
      'override key "SMA" has no dot: write it as "Resource.Field" (e.g. "Sat.SMA"), a nested field as ' +
        '"Resource.Owned.Field" (e.g. "FM.GravityField.Earth.Degree"); a script Variable is "SMA.Value"',
    );
  });

  it('accepts nested owned-object paths as GMAT spells them (gmat-run 0.5+)', () => {
    expect(parseOverrideKey('FM.GravityField.Earth.Degree')).toEqual({
      kind: 'field',
      resource: 'FM',
      path: ['GravityField', 'Earth', 'Degree'],
    });
    expect(parseOverrideKey('FM.Drag.AtmosphereModel')).toEqual({ kind: 'field', resource: 'FM', path: ['Drag', 'AtmosphereModel'] });
    expect(parseOverrideKey('Prop.FM')).toEqual({ kind: 'field', resource: 'Prop', path: ['FM'] });
    expect(overrideLine('FM.GravityField.Earth.Degree', 4)).toBe('GMAT FM.GravityField.Earth.Degree = 4;');
    expect(errorOf(() => validateOverrideKey('FM.GravityField..Degree')).message).toBe(
      'override key "FM.GravityField..Degree": path segment 3 name "" is not a GMAT identifier (a letter, then letters, digits or underscores)',
    );
    expect(errorOf(() => validateOverrideKey('FM.Gravity Field.Earth')).message).toContain('path segment 2 name "Gravity Field"');
  });

  it('accepts Array elements A(row,col) and the 1-D form A(k) = A(1,k)', () => {
    expect(parseOverrideKey('A(2,1)')).toEqual({ kind: 'element', resource: 'A', row: 2, col: 1, oneD: false });
    expect(parseOverrideKey('B(3)')).toEqual({ kind: 'element', resource: 'B', row: 1, col: 3, oneD: true });
    expect(overrideLine('A(2,1)', 5, 'Array')).toBe('GMAT A(2,1) = 5;');
    for (const bad of ['A(0,1)', 'A(2, 1)', 'A(1,2,3)', 'A()', 'A(x)', 'A.B(1)', 'A(1)x']) {
      expect(errorOf(() => validateOverrideKey(bad)).message).toBe(
        `override key "${bad}": an Array element is written "Name(row,col)" or "Name(index)" with positive integer indices and no spaces (e.g. "A(2,1)")`,
      );
    }
  });

  it('rejects empty segments and non-identifiers', () => {
    expect(errorOf(() => validateOverrideKey('.SMA')).message).toBe(
      'override key ".SMA": resource name "" is not a GMAT identifier (a letter, then letters, digits or underscores)',
    );
    expect(errorOf(() => validateOverrideKey('Sat.')).message).toContain('field name "" is not a GMAT identifier');
    expect(errorOf(() => validateOverrideKey('1Sat.SMA')).message).toContain('resource name "1Sat"');
    expect(errorOf(() => validateOverrideKey('Sat.SMA;X')).message).toContain('field name "SMA;X"');
    expect(errorOf(() => validateOverrideKey('Sat .SMA')).message).toContain('resource name "Sat "');
  });
});

describe('override values', () => {
  it('rejects NaN and Infinity', () => {
    expect(errorOf(() => validateOverrideValue('Sat.SMA', NaN)).message).toBe(
      'override "Sat.SMA" = NaN: values must be finite numbers, strings or booleans',
    );
    expect(errorOf(() => validateOverrideValue('Sat.SMA', Infinity)).message).toBe(
      'override "Sat.SMA" = Infinity: values must be finite numbers, strings or booleans',
    );
    expect(errorOf(() => validateOverrideValue('Sat.SMA', -Infinity))).toBeInstanceOf(OverrideError);
  });

  it.each([
    ['7000; GMAT Sat.ECC = 0.5', "';' (statement separator)"],
    ['7000 % comment', "'%' (comment)"],
    ['a\nBeginMissionSequence', 'a newline'],
    ['a\rb', 'a carriage return'],
    ["21 Mar 2026'", "a quote (')"],
    ['say "hi"', 'a quote (")'],
    ['{Earth; Luna}', 'a brace ({)'],
    ['{Earth} x', 'a brace ({)'],
    ['a\u0007b', 'a control character (U+0007)'],
    ['caf\u00e9', 'a non-ASCII character (U+00E9)'],
  ])('rejects string %j', (value, what) => {
    const e = errorOf(() => validateOverrideValue('Sat.Epoch', value));
    expect(e).toBeInstanceOf(OverrideError);
    expect(e.message).toContain(`override "Sat.Epoch" = ${JSON.stringify(value)}: string values must not contain ${what}`);
    expect(e.message).toContain('remove it');
  });

  it('takes list literals GMAT reads (numeric arrays, name lists) and writes them bare', () => {
    for (const v of ['[255 0 0]', '[1, 2.5, -3e-2]', '{Earth}', '{Earth, Luna}', '{ Earth,Sun }']) {
      expect(() => validateOverrideValue('Sat.OrbitColor', v)).not.toThrow();
      expect(formatGmatValue(v)).toBe(v);
    }
    expect(overrideLine('FM.PrimaryBodies', '{Earth, Luna}')).toBe('GMAT FM.PrimaryBodies = {Earth, Luna};');
    expect(errorOf(() => validateOverrideValue('Sat.Matrix', '[1 2; 3 4]')).message).toBe(
      'override "Sat.Matrix" = "[1 2; 3 4]": matrix literals ("[a b; c d]") cannot be overridden: ";" would end the GMAT statement; ' +
        'override a numeric array ("[1 2 3]"), or the elements of a script Array one by one as "Name(row,col)"',
    );
    expect(errorOf(() => validateOverrideValue('FM.PrimaryBodies', "{Earth, 'x'}")).message).toContain('a brace ({) (at index 0)');
    // Brackets are not forbidden characters, but a non-literal is still quoted.
    expect(formatGmatValue('[a b]')).toBe("'[a b]'");
  });

  it('rejects other types', () => {
    expect(errorOf(() => validateOverrideValue('Sat.SMA', null)).message).toBe(
      'override "Sat.SMA" = null: values must be finite numbers, strings or booleans (got null)',
    );
    expect(errorOf(() => validateOverrideValue('Sat.SMA', [1]))).toBeInstanceOf(OverrideError);
    expect(errorOf(() => validateOverrideValue('Sat.SMA', 5e-324)).message).toContain('subnormal');
  });

  it('accepts numbers, safe strings, booleans', () => {
    for (const [key, value] of Object.entries({ 'Sat.SMA': 7100, 'Sat.Epoch': '21 Mar 2026 00:00:00.000', 'Rf.WriteHeaders': true, 'P.Type': 'RungeKutta89' })) {
      expect(() => validateOverrideKey(key)).not.toThrow();
      expect(() => validateOverrideValue(key, value)).not.toThrow();
    }
  });
});

describe('formatGmatValue / overrideLine', () => {
  it('prints numbers so they round-trip, in forms GMAT IsValidReal accepts', () => {
    expect(formatGmatValue(7100)).toBe('7100');
    expect(formatGmatValue(0)).toBe('0');
    expect(formatGmatValue(-0)).toBe('0');
    expect(formatGmatValue(-42)).toBe('-42');
    expect(formatGmatValue(0.0012)).toBe('0.0012');
    expect(formatGmatValue(1.5)).toBe('1.5');
    expect(formatGmatValue(1e-7)).toBe('1e-7');
    expect(formatGmatValue(1e21)).toBe('1e+21');
    expect(formatGmatValue(0.1 + 0.2)).toBe('0.30000000000000004');
    for (const n of [6878.137, 1e-7, 1e21, 0.1 + 0.2, -1.2345678901234567e-300, 2 ** 53 + 2]) {
      const s = formatGmatValue(n);
      expect(Number(s)).toBe(n);
      expect(s).toMatch(/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/);
    }
  });

  it('quotes strings, keeps plain real literals bare, prints booleans', () => {
    expect(formatGmatValue('21 Mar 2026 00:00:00.000')).toBe("'21 Mar 2026 00:00:00.000'");
    expect(formatGmatValue('RungeKutta89')).toBe("'RungeKutta89'");
    expect(formatGmatValue('1.0')).toBe('1.0');
    expect(formatGmatValue('21545.0')).toBe('21545.0');
    expect(formatGmatValue('1.0.0')).toBe("'1.0.0'");
    expect(formatGmatValue(true)).toBe('true');
    expect(formatGmatValue(false)).toBe('false');
  });

  it('builds override lines; a Variable is written as Name = value', () => {
    expect(overrideLine('Sat.SMA', 7100)).toBe('GMAT Sat.SMA = 7100;');
    expect(overrideLine('Sat.Epoch', '21 Mar 2026 00:00:00.000')).toBe("GMAT Sat.Epoch = '21 Mar 2026 00:00:00.000';");
    expect(overrideLine('CoastTime.Value', 2400, 'Variable')).toBe('GMAT CoastTime = 2400;');
    expect(overrideLine('Sat.Value', 1, 'Spacecraft')).toBe('GMAT Sat.Value = 1;');
    expect(() => overrideLine('Sat.SMA', NaN)).toThrow(OverrideError);
  });
});
