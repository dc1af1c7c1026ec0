import { describe, expect, it } from 'vitest';
import {
  decimalToNs,
  epochColumnKind,
  GMAT_MJD_EPOCH_NS,
  GmatOutputParseError,
  parseGregorian,
  parseIso,
  parseIsoAny,
  parseIsoYearDay,
  parseModJulian,
} from '../../../tables/parse';
import { formatGregorian, formatIso } from '../../helpers/epoch-format';

/** Independent reference: Date.UTC (ms) -> ns, plus extra sub-ms ns. */
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0, extraNs = 0n): bigint =>
  BigInt(Date.UTC(y, mo - 1, d, h, mi, s, ms)) * 1_000_000n + extraNs;

describe('parseGregorian', () => {
  it('parses GMAT Gregorian text exactly', () => {
    expect(parseGregorian('01 Jan 2000 12:00:00.000')).toBe(utc(2000, 1, 1, 12));
    expect(parseGregorian('26 Nov 2026 12:00:00.000')).toBe(utc(2026, 11, 26, 12));
    expect(parseGregorian('04 May 2002 11:45:15.695')).toBe(utc(2002, 5, 4, 11, 45, 15, 695));
    expect(parseGregorian('31 Dec 1969 23:59:59.999')).toBe(-1_000_000n);
  });

  it('accepts a 1-digit day, any fraction length, or none', () => {
    expect(parseGregorian('5 Jan 2010 01:02:03.4')).toBe(utc(2010, 1, 5, 1, 2, 3, 400));
    expect(parseGregorian('05 Jan 2010 01:02:03')).toBe(utc(2010, 1, 5, 1, 2, 3));
    expect(parseGregorian('05 Jan 2010 01:02:03.123456789')).toBe(utc(2010, 1, 5, 1, 2, 3, 123, 456_789n));
    // digits beyond ns are truncated
    expect(parseGregorian('05 Jan 2010 01:02:03.1234567899')).toBe(utc(2010, 1, 5, 1, 2, 3, 123, 456_789n));
  });

  it('handles leap days and pre-1970 dates', () => {
    expect(parseGregorian('29 Feb 2000 00:00:00.000')).toBe(utc(2000, 2, 29));
    expect(parseGregorian('05 Jan 1941 12:00:00.000')).toBe(utc(1941, 1, 5, 12));
    expect(parseGregorian('01 Jan 1600 00:00:00.250')).toBe(utc(1600, 1, 1, 0, 0, 0, 250));
  });

  it.each([
    ['29 Feb 2100 00:00:00.000'], // 2100 is not a leap year
    ['31 Apr 2020 00:00:00.000'],
    ['01 Foo 2020 00:00:00.000'],
    ['01 Jan 2020 24:00:00.000'],
    ['01 Jan 2020 00:60:00.000'],
    ['01 Jan 2020 00:00:60.000'],
    ['2020-01-01T00:00:00.000'],
    ['01 Jan 2020'],
    [''],
  ])('rejects %j', (text) => {
    expect(() => parseGregorian(text)).toThrow(GmatOutputParseError);
  });
});

describe('parseModJulian (GMAT MJD: day 0 = 1941-01-05T12:00:00)', () => {
  it('anchors day 0 and 21545.0', () => {
    expect(GMAT_MJD_EPOCH_NS).toBe(utc(1941, 1, 5, 12));
    expect(parseModJulian('0')).toBe(utc(1941, 1, 5, 12));
    expect(parseModJulian('21545')).toBe(utc(2000, 1, 1, 12));
    expect(parseModJulian('21545.0')).toBe(utc(2000, 1, 1, 12));
    expect(parseModJulian('21545.5')).toBe(utc(2000, 1, 2, 0));
    expect(parseModJulian('-1')).toBe(utc(1941, 1, 4, 12));
  });

  it('converts the decimal digits exactly, without float rounding', () => {
    // 0.00000039794 d = 34.382016 ms exactly. (gmat-run's float64 path gives …041.)
    expect(parseModJulian('21545.00000039794')).toBe(utc(2000, 1, 1, 12, 0, 0, 34, 382_016n));
    // one ns expressed in days rounds to exactly one ns
    expect(parseModJulian('0.0000000000000115740740740740740741')).toBe(GMAT_MJD_EPOCH_NS + 1n);
    expect(parseModJulian('2.1545e4')).toBe(utc(2000, 1, 1, 12));
  });

  it.each([['abc'], [''], ['1.2.3'], ['NaN'], ['1e999999']])('rejects %j', (text) => {
    expect(() => parseModJulian(text)).toThrow(GmatOutputParseError);
  });
});

describe('decimalToNs', () => {
  it('rounds half away from zero at the ns', () => {
    expect(decimalToNs('1.5', 1n)).toBe(2n);
    expect(decimalToNs('-1.5', 1n)).toBe(-2n);
    expect(decimalToNs('1.4999', 1n)).toBe(1n);
    expect(decimalToNs('60.000000001', 1_000_000_000n)).toBe(60_000_000_001n);
    expect(decimalToNs('1e-9', 1_000_000_000n)).toBe(1n);
    expect(decimalToNs('.5', 10n)).toBe(5n);
    expect(decimalToNs('+3.', 10n)).toBe(30n);
  });
});

describe('ISO forms', () => {
  it('parses ISO calendar text with any number of fraction digits', () => {
    expect(parseIso('2026-01-01T12:00:00.000')).toBe(utc(2026, 1, 1, 12));
    expect(parseIso('2026-01-01T12:00:00')).toBe(utc(2026, 1, 1, 12));
    expect(parseIso('2026-01-01T12:00:00.5')).toBe(utc(2026, 1, 1, 12, 0, 0, 500));
    expect(parseIso('2026-01-01T12:00:00.000000001')).toBe(utc(2026, 1, 1, 12) + 1n);
    expect(parseIso('2026-01-01T12:00:00.000000001999')).toBe(utc(2026, 1, 1, 12) + 1n);
    expect(() => parseIso('2026-13-01T00:00:00')).toThrow(GmatOutputParseError);
    expect(() => parseIso('2026-01-01 00:00:00')).toThrow(GmatOutputParseError);
  });

  it('parses ISO year/day-of-year text', () => {
    expect(parseIsoYearDay('2010-009T16:00:00.000')).toBe(parseGregorian('09 Jan 2010 16:00:00.000'));
    expect(parseIsoYearDay('2010-001T00:00:00.000')).toBe(utc(2010, 1, 1));
    expect(parseIsoYearDay('2012-366T23:59:59.999')).toBe(utc(2012, 12, 31, 23, 59, 59, 999));
    expect(parseIsoYearDay('2011-060T00:00:00')).toBe(utc(2011, 3, 1));
    expect(() => parseIsoYearDay('2011-366T00:00:00.000')).toThrow(GmatOutputParseError);
    expect(() => parseIsoYearDay('2011-000T00:00:00.000')).toThrow(GmatOutputParseError);
    expect(parseIsoAny('2010-009T16:00:00.000')).toBe(parseIsoAny('2010-01-09T16:00:00.000'));
  });
});

describe('epochColumnKind', () => {
  it.each([
    ['Sat.UTCGregorian', 'UTC', 'Gregorian'],
    ['Sat.A1ModJulian', 'A1', 'ModJulian'],
    ['TAIGregorian', 'TAI', 'Gregorian'],
    ['DefaultSC.TTModJulian', 'TT', 'ModJulian'],
    ['X.Y.TDBGregorian', 'TDB', 'Gregorian'],
  ])('%s is an epoch column', (name, scale, format) => {
    expect(epochColumnKind(name)).toEqual({ scale, format });
  });

  it.each([['Sat.ElapsedSecs'], ['Sat.Earth.SMA'], ['Sat.UTCGregorianX'], ['MyUTCGregorian'], ['Sat.GPSGregorian'], ['Sat.utcgregorian']])(
    '%s is not an epoch column',
    (name) => {
      expect(epochColumnKind(name)).toBeNull();
    },
  );
});

describe('formatters', () => {
  it('formatGregorian renders GMAT text and round-trips', () => {
    expect(formatGregorian(utc(2000, 1, 1, 12))).toBe('01 Jan 2000 12:00:00.000');
    expect(formatGregorian(utc(1941, 1, 5, 12, 0, 0, 123))).toBe('05 Jan 1941 12:00:00.123');
    for (const t of ['04 May 2002 11:45:15.695', '29 Feb 2024 23:59:59.999', '31 Dec 1969 23:59:59.001']) {
      expect(formatGregorian(parseGregorian(t))).toBe(t);
    }
  });

  it('formatGregorian rounds to the ms, carrying into the next day', () => {
    expect(formatGregorian(utc(2020, 12, 31, 23, 59, 59, 999, 600_000n))).toBe('01 Jan 2021 00:00:00.000');
    expect(formatGregorian(utc(2020, 1, 1, 0, 0, 0, 1, 499_999n))).toBe('01 Jan 2020 00:00:00.001');
    expect(formatGregorian(utc(2020, 1, 1, 0, 0, 0, 1, 499_999n), 6)).toBe('01 Jan 2020 00:00:00.001500');
  });

  it('formatIso renders ns and agrees with Date.toISOString to the ms', () => {
    expect(formatIso(utc(2000, 1, 1, 12, 0, 0, 34, 382_016n))).toBe('2000-01-01T12:00:00.034382016');
    expect(formatIso(-1n)).toBe('1969-12-31T23:59:59.999999999');
    for (const ms of [0, 1, -1, 946_728_000_123, -915_148_800_000, 4_102_444_799_999]) {
      expect(formatIso(BigInt(ms) * 1_000_000n, 3) + 'Z').toBe(new Date(ms).toISOString());
    }
  });
});
