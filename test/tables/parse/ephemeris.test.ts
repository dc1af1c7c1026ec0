import { describe, expect, it } from 'vitest';
import { GmatOutputParseError, parseOem, parseOutputFile, parseStkEphemeris } from '../../../tables/parse';

const utcNs = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): bigint =>
  BigInt(Date.UTC(y, mo - 1, d, h, mi, s, ms)) * 1_000_000n;

const OEM_HEADER = ['CCSDS_OEM_VERS = 1.0', 'CREATION_DATE  = 2026-04-25T19:04:31', 'ORIGINATOR     = GMAT USER', ''];
const meta = (timeSystem = 'UTC'): string[] => [
  'META_START',
  'OBJECT_NAME          = Sat',
  'CENTER_NAME          = Earth',
  'REF_FRAME            = EME2000',
  `TIME_SYSTEM          = ${timeSystem}`,
  'INTERPOLATION_DEGREE = 7 ',
  'META_STOP',
  '',
];
const dataLine = (epoch: string, x: number): string =>
  `${epoch}  ${x.toExponential(15)}   1.0e+03   2.0e+03  -1.5e+00   7.0e+00   0.0e+00`;

describe('parseOem', () => {
  it('concatenates segments, skipping COMMENT lines and covariance blocks', () => {
    const text = [
      ...OEM_HEADER,
      ...meta('TAI'),
      'COMMENT first arc',
      dataLine('2026-01-01T12:00:00.000', -5936.16291491494),
      dataLine('2026-01-01T12:01:00.500', 1),
      'COVARIANCE_START',
      'EPOCH = 2026-01-01T12:01:00.500',
      'COV_REF_FRAME = EME2000',
      '1.0e-3',
      '1.0e-6 1.0e-3',
      'COVARIANCE_STOP',
      '',
      ...meta('TAI'),
      dataLine('2026-002T00:00:00.000000001', 2),
    ].join('\r\n');
    const t = parseOem(text);
    expect(t.rowCount).toBe(3);
    expect(t.columns.map((c) => c.name)).toEqual(['Epoch', 'X', 'Y', 'Z', 'VX', 'VY', 'VZ']);
    expect(t.columns[0]).toMatchObject({ type: 'timestamp', scale: 'TAI' });
    expect(t.columns[0].values).toEqual([
      utcNs(2026, 1, 1, 12), utcNs(2026, 1, 1, 12, 1, 0, 500), utcNs(2026, 1, 2) + 1n,
    ]);
    expect(t.columns[1].values).toEqual([-5936.16291491494, 1, 2]);
    expect(t.columns[4].values).toEqual([-1.5, -1.5, -1.5]);
  });

  it('a segment with no data lines is fine', () => {
    const t = parseOem([...OEM_HEADER, ...meta()].join('\n'));
    expect(t.rowCount).toBe(0);
    expect(t.columns[0]).toMatchObject({ type: 'timestamp', scale: 'UTC', values: [] });
  });

  const good = dataLine('2026-01-01T12:00:00.000', 1);
  it.each([
    ['empty', '', /file is empty/],
    ['no META_START', OEM_HEADER.join('\n'), /no META_START/],
    ['data before META_START', [...OEM_HEADER, good].join('\n'), /expected KEY = VALUE or META_START on line 5/],
    ['META_STOP without start', [...OEM_HEADER, 'META_STOP'].join('\n'), /META_STOP without META_START on line 5/],
    ['unterminated META', [...OEM_HEADER, 'META_START', 'TIME_SYSTEM = UTC'].join('\n'), /unterminated META block \(META_START on line 5\)/],
    ['unterminated COVARIANCE', [...OEM_HEADER, ...meta(), good, 'COVARIANCE_START', '1.0'].join('\n'), /unterminated COVARIANCE/],
    ['bad KEY=VALUE in META', [...OEM_HEADER, 'META_START', 'TIME_SYSTEM UTC', 'META_STOP'].join('\n'), /bad KEY = VALUE line on line 6/],
    ['short data line', [...OEM_HEADER, ...meta(), good, '2026-01-01T12:01:00.000 1 2 3'].join('\n'), /expected 7 tokens .* got 4 on line 14/],
    ['acceleration columns', [...OEM_HEADER, ...meta(), good + ' 0 0 0'].join('\n'), /acceleration/],
    ['bad epoch', [...OEM_HEADER, ...meta(), dataLine('2026-01-32T12:00:00.000', 1)].join('\n'), /invalid date .* on line 13/],
    ['non-numeric state', [...OEM_HEADER, ...meta(), good.replace('1.0e+03', 'abc')].join('\n'), /non-numeric state value 'abc' on line 13/],
    ['missing TIME_SYSTEM', [...OEM_HEADER, 'META_START', 'OBJECT_NAME = Sat', 'META_STOP'].join('\n'), /without TIME_SYSTEM/],
    ['unsupported TIME_SYSTEM', [...OEM_HEADER, ...meta('GPS')].join('\n'), /unsupported TIME_SYSTEM 'GPS'/],
    ['mixed TIME_SYSTEMs', [...OEM_HEADER, ...meta('UTC'), good, ...meta('TDB'), good].join('\n'), /different TIME_SYSTEMs/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseOem(text)).toThrow(GmatOutputParseError);
    expect(() => parseOem(text)).toThrow(message);
  });
});

/** Layout as GMAT's STK-TimePosVel writer and STK itself document it. */
const STK = [
  'stk.v.10.0',
  '# WrittenBy    GMAT R2026a',
  'BEGIN Ephemeris',
  '    NumberOfEphemerisPoints 3',
  '    ScenarioEpoch           01 Jan 2026 12:00:00.000',
  '    CentralBody             Earth',
  '    CoordinateSystem        J2000',
  '    InterpolationMethod     Lagrange',
  '    InterpolationOrder      7',
  '    DistanceUnit            Kilometers',
  '',
  '    BEGIN SegmentBoundaryTimes',
  '       0.000000000000000e+00',
  '       1.200000000000000e+02',
  '    END SegmentBoundaryTimes',
  '',
  '    EphemerisTimePosVel',
  '',
  '0.000000000000000e+00 -5.936162914914940e+03  1.590590059191038e+03  3.336771210495442e+03 -1.955016345917920e+00 -7.296220332593329e+00  2.206977572872483e-16',
  '6.000000000000000e+01 -6.040934144591156e+03  1.149787540907723e+03  3.329755351837534e+03 -1.536136776115526e+00 -7.392059623549721e+00 -2.337800632929522e-01',
  '1.2000000000000001e+02 -6.120370331141463e+03  7.041630333195666e+02  3.308737197327990e+03 -1.110812793831298e+00 -7.456897747163560e+00 -4.665782649408945e-01',
  '',
  'END Ephemeris',
  '',
];

describe('parseStkEphemeris', () => {
  it('adds offsets to ScenarioEpoch and labels the epochs UTC', () => {
    const t = parseStkEphemeris(STK.join('\n'));
    expect(t.rowCount).toBe(3);
    expect(t.columns.map((c) => c.name)).toEqual(['Epoch', 'X', 'Y', 'Z', 'VX', 'VY', 'VZ']);
    expect(t.columns[0]).toMatchObject({ type: 'timestamp', scale: 'UTC' });
    // 1.2000000000000001e+02 s is 120 s to the ns (the 1e-14 s tail rounds away).
    expect(t.columns[0].values).toEqual([utcNs(2026, 1, 1, 12), utcNs(2026, 1, 1, 12, 1), utcNs(2026, 1, 1, 12, 2)]);
    expect(t.columns[1].values[0]).toBe(-5936.16291491494);
    expect(t.columns[6].values[2]).toBe(-0.4665782649408945);
  });

  it('accepts a quoted Gregorian epoch with more digits, a ModJulian epoch, and no END line', () => {
    const quoted = STK.map((l) => (l.includes('ScenarioEpoch') ? 'ScenarioEpoch "1 Jan 2026 12:00:00.000000"' : l));
    expect(parseStkEphemeris(quoted.join('\n')).columns[0].values[1]).toBe(utcNs(2026, 1, 1, 12, 1));
    // GMAT MJD 21545 = 2000-01-01T12:00:00
    const mjd = STK.map((l) => (l.includes('ScenarioEpoch') ? 'ScenarioEpoch 21545' : l)).filter((l) => l !== 'END Ephemeris');
    expect(parseStkEphemeris(mjd.join('\r\n')).columns[0].values[1]).toBe(utcNs(2000, 1, 1, 12, 1));
  });

  it.each([
    ['empty', '', /file is empty/],
    ['no banner', STK.slice(1).join('\n'), /expected an 'stk.v.X.Y' banner/],
    ['no BEGIN Ephemeris', [STK[0], ...STK.slice(3)].join('\n'), /expected 'BEGIN Ephemeris' on line 2/],
    ['TimePos data', STK.map((l) => l.replace('EphemerisTimePosVel', 'EphemerisTimePos')).join('\n'), /unsupported STK data section 'EphemerisTimePos'/],
    ['TimePosVelAcc data', STK.map((l) => l.replace('EphemerisTimePosVel', 'EphemerisTimePosVelAcc')).join('\n'), /unsupported/],
    ['content after END', [...STK, '1 2 3 4 5 6 7'].join('\n'), /content after END Ephemeris on line 25/],
    ['missing ScenarioEpoch', STK.filter((l) => !l.includes('ScenarioEpoch')).join('\n'), /before any ScenarioEpoch/],
    ['bad ScenarioEpoch', STK.map((l) => (l.includes('ScenarioEpoch') ? 'ScenarioEpoch 32 Jan 2026 00:00:00' : l)).join('\n'), /invalid ScenarioEpoch on line 5/],
    ['short row', STK.map((l, i) => (i === 19 ? '60 1 2 3' : l)).join('\n'), /expected 7 tokens .* got 4 on line 20/],
    ['no data section', STK.slice(0, 10).join('\n'), /no EphemerisTimePosVel section/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseStkEphemeris(text)).toThrow(GmatOutputParseError);
    expect(() => parseStkEphemeris(text)).toThrow(message);
  });
});

describe('parseOutputFile ephemeris dispatch', () => {
  it('sends stk.v. banners to the STK parser and everything else to OEM', () => {
    // Comments and blank lines before the banner: still STK (the STK parser's own error).
    expect(() => parseOutputFile('ephemeris', '# comment\n\nstk.v.11.0\n')).toThrow('no EphemerisTimePosVel section found');
    expect(parseOutputFile('ephemeris', STK.join('\n')).rowCount).toBe(3);
    const oem = [...OEM_HEADER, ...meta('TT'), dataLine('2026-01-01T12:00:00.000', 1)].join('\n');
    expect(parseOutputFile('ephemeris', oem).columns[0]).toMatchObject({ scale: 'TT' });
  });
});
