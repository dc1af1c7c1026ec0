/**
 * Epoch text -> BigInt nanoseconds, for GMAT's epoch formats.
 *
 * Everything is integer arithmetic on the *decimal text*: GMAT epochs carry more digits than a
 * float64 of "ns since 1970" can hold (~1.7e18 needs 61 bits), so going through Number would
 * silently move instants by up to a few hundred ns.
 *
 * Values are nanoseconds since 1970-01-01T00:00:00 in the epoch's own time scale (see
 * ../table.ts). No leap-second or scale conversion happens here: a UTC day is always 86400 s,
 * exactly as gmat-run/pandas treat it.
 */
import type { TimeScale } from '../table';

/** Thrown for any malformed GMAT output; parsers put the line number into the message. */
export class GmatOutputParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GmatOutputParseError';
  }
}

export const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_DAY = 86_400n * NS_PER_SECOND;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_INDEX: ReadonlyMap<string, number> = new Map(
  MONTHS.map((m, i) => [m.toLowerCase(), i + 1]),
);

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian; Howard Hinnant's days_from_civil).
// Plain numbers are exact here: day counts are far below 2^53.

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** Days since 1970-01-01 of a civil date. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Fraction-of-second digits -> ns. Digits beyond the 9th are truncated: sub-ns precision cannot
 * be represented in the table, and truncation matches numpy's datetime64[ns] string parsing.
 */
function fractionToNs(frac: string | undefined): bigint {
  if (!frac) return 0n;
  return BigInt(frac.slice(0, 9).padEnd(9, '0'));
}

function assembleNs(
  text: string,
  y: number, m: number, d: number,
  hh: number, mm: number, ss: number, frac: string | undefined,
): bigint {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    throw new GmatOutputParseError(`invalid date in epoch '${text}'`);
  }
  // Second 60 is rejected, as strptime does: GMAT's UTC Gregorian output never names a leap
  // second, and a 60 would otherwise alias the next minute silently.
  if (hh > 23 || mm > 59 || ss > 59) {
    throw new GmatOutputParseError(`invalid time of day in epoch '${text}'`);
  }
  const days = BigInt(daysFromCivil(y, m, d));
  const secs = BigInt(hh * 3600 + mm * 60 + ss);
  return days * NS_PER_DAY + secs * NS_PER_SECOND + fractionToNs(frac);
}

// ---------------------------------------------------------------------------------------------
// Parsers

const GREGORIAN_RE = /^(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

/** GMAT Gregorian `DD Mon YYYY HH:MM:SS.fff` (1- or 2-digit day, English month) -> ns. */
export function parseGregorian(text: string): bigint {
  const t = text.trim();
  const g = GREGORIAN_RE.exec(t);
  const month = g ? MONTH_INDEX.get(g[2].toLowerCase()) : undefined;
  if (!g || month === undefined) {
    throw new GmatOutputParseError(`invalid Gregorian epoch '${text}' (expected 'DD Mon YYYY HH:MM:SS.fff')`);
  }
  return assembleNs(t, Number(g[3]), month, Number(g[1]), Number(g[4]), Number(g[5]), Number(g[6]), g[7]);
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

/** ISO `YYYY-MM-DDTHH:MM:SS[.f…]` (any number of fraction digits) -> ns. */
export function parseIso(text: string): bigint {
  const t = text.trim();
  const g = ISO_RE.exec(t);
  if (!g) throw new GmatOutputParseError(`invalid ISO epoch '${text}' (expected 'YYYY-MM-DDTHH:MM:SS.fff')`);
  return assembleNs(t, Number(g[1]), Number(g[2]), Number(g[3]), Number(g[4]), Number(g[5]), Number(g[6]), g[7]);
}

const ISO_YD_RE = /^(\d{4})-(\d{3})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

/** ISO year/day-of-year `YYYY-DDDTHH:MM:SS[.f…]` -> ns. */
export function parseIsoYearDay(text: string): bigint {
  const t = text.trim();
  const g = ISO_YD_RE.exec(t);
  if (!g) throw new GmatOutputParseError(`invalid ISO-YD epoch '${text}' (expected 'YYYY-DDDTHH:MM:SS.fff')`);
  const y = Number(g[1]);
  const doy = Number(g[2]);
  if (doy < 1 || doy > (isLeapYear(y) ? 366 : 365)) {
    throw new GmatOutputParseError(`invalid day of year in epoch '${text}'`);
  }
  // Day-of-year is just an offset from 1 Jan, so validate the time of day via 1 Jan and add.
  const jan1 = assembleNs(t, y, 1, 1, Number(g[3]), Number(g[4]), Number(g[5]), g[6]);
  return jan1 + BigInt(doy - 1) * NS_PER_DAY;
}

/** ISO calendar or ISO year/day form, whichever the text is (CCSDS allows both). */
export function parseIsoAny(text: string): bigint {
  return ISO_YD_RE.test(text.trim()) ? parseIsoYearDay(text) : parseIso(text);
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Exact decimal text times a power of ten, rounded half away from zero to an integer.
 * `unitNs` is how many ns one unit of the text is (e.g. 86400e9 for days).
 */
export function decimalToNs(text: string, unitNs: bigint): bigint {
  const t = text.trim();
  const g = DECIMAL_RE.exec(t);
  if (!g || (g[2] === '' && (g[3] === undefined || g[3] === ''))) {
    throw new GmatOutputParseError(`invalid number '${text}'`);
  }
  const frac = g[3] ?? '';
  const mantissa = BigInt((g[2] || '0') + frac);
  const exp = Number(g[4] ?? '0') - frac.length;
  // Bound the exponent so hostile text like 1e999999 cannot make a gigantic BigInt.
  if (Math.abs(exp) > 60) throw new GmatOutputParseError(`number out of range '${text}'`);
  let num = mantissa * unitNs;
  let den = 1n;
  if (exp >= 0) num *= 10n ** BigInt(exp);
  else den = 10n ** BigInt(-exp);
  const q = (num * 2n + den) / (den * 2n); // round half up on a non-negative value
  return g[1] === '-' ? -q : q;
}

/** GMAT's ModJulian day 0 (JD 2430000.0) as ns since 1970: 1941-01-05T12:00:00. */
export const GMAT_MJD_EPOCH_NS = BigInt(daysFromCivil(1941, 1, 5)) * NS_PER_DAY + 12n * 3600n * NS_PER_SECOND;

/**
 * GMAT ModJulian days (decimal text) -> ns, exactly from the digits.
 * Note: gmat-run goes through float64 and so differs by tens of ns (its golden example
 * 21545.00000039794 -> …034382041; the exact decimal value is …034382016).
 */
export function parseModJulian(text: string): bigint {
  return GMAT_MJD_EPOCH_NS + decimalToNs(text, NS_PER_DAY);
}

// ---------------------------------------------------------------------------------------------
// Epoch column detection

export type EpochFormat = 'Gregorian' | 'ModJulian';
export interface EpochColumnKind {
  scale: TimeScale;
  format: EpochFormat;
}

const EPOCH_NAME_RE = /^(A1|TAI|UTC|TT|TDB)(Gregorian|ModJulian)$/;

/**
 * A ReportFile column is an epoch iff its last dotted segment (or the whole name) is exactly
 * one of the ten {A1,TAI,UTC,TT,TDB}{Gregorian,ModJulian} parameter names; anything looser
 * would also catch user Variables such as `MyUTCGregorianOffset`.
 */
export function epochColumnKind(name: string): EpochColumnKind | null {
  const last = name.slice(name.lastIndexOf('.') + 1);
  const g = EPOCH_NAME_RE.exec(last);
  return g ? { scale: g[1] as TimeScale, format: g[2] as EpochFormat } : null;
}

export function parseEpoch(text: string, format: EpochFormat): bigint {
  return format === 'Gregorian' ? parseGregorian(text) : parseModJulian(text);
}
