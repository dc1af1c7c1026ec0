/**
 * Epoch formatters for the parser tests (round trips, agreement with Date): production only
 * parses epochs, so the inverse lives with the tests.
 */
import { NS_PER_SECOND } from '../../tables/parse';

const NS_PER_DAY = 86_400n * NS_PER_SECOND;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Civil date of a day count since 1970-01-01 (Howard Hinnant's civil_from_days). */
function civilFromDays(z0: number): { y: number; m: number; d: number } {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

interface Parts { y: number; m: number; d: number; hh: number; mm: number; ss: number; fracNs: bigint }

/** Round ns to `digits` fractional-second digits (half up), then split into calendar fields. */
function split(ns: bigint, digits: number): Parts {
  if (!Number.isInteger(digits) || digits < 0 || digits > 9) throw new RangeError('digits must be 0..9');
  const unit = 10n ** BigInt(9 - digits);
  const rounded = floorDiv(ns + unit / 2n, unit) * unit;
  const days = floorDiv(rounded, NS_PER_DAY);
  const inDay = rounded - days * NS_PER_DAY;
  const secs = Number(inDay / NS_PER_SECOND);
  const { y, m, d } = civilFromDays(Number(days));
  return {
    y, m, d,
    hh: Math.floor(secs / 3600), mm: Math.floor((secs % 3600) / 60), ss: secs % 60,
    fracNs: inDay % NS_PER_SECOND,
  };
}

const p2 = (n: number): string => String(n).padStart(2, '0');
const fracText = (fracNs: bigint, digits: number): string =>
  digits === 0 ? '' : '.' + String(fracNs).padStart(9, '0').slice(0, digits);

/** ns -> GMAT Gregorian text `DD Mon YYYY HH:MM:SS.fff` (GMAT prints milliseconds; rounded). */
export function formatGregorian(ns: bigint, digits = 3): string {
  const p = split(ns, digits);
  return `${p2(p.d)} ${MONTHS[p.m - 1]} ${String(p.y).padStart(4, '0')} ${p2(p.hh)}:${p2(p.mm)}:${p2(p.ss)}${fracText(p.fracNs, digits)}`;
}

/** ns -> ISO `YYYY-MM-DDTHH:MM:SS.fffffffff` (no zone suffix: the scale is the column's). */
export function formatIso(ns: bigint, digits = 9): string {
  const p = split(ns, digits);
  return `${String(p.y).padStart(4, '0')}-${p2(p.m)}-${p2(p.d)}T${p2(p.hh)}:${p2(p.mm)}:${p2(p.ss)}${fracText(p.fracNs, digits)}`;
}
