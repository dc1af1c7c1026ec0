'use strict';
// Epochs are carried as "UTC seconds": seconds since the GMAT ModJulian reference
// (JD 2430000.0 = 05 Jan 1941 12:00:00 UTC), counting 86400 s per UTC day.
const REF_MS = Date.UTC(1941, 0, 5, 12, 0, 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// TAI-UTC (s) from the given UTC date on (tai-utc.dat, 1972 onwards).
const LEAPS = [
  [1972, 1, 10], [1972, 7, 11], [1973, 1, 12], [1974, 1, 13], [1975, 1, 14], [1976, 1, 15],
  [1977, 1, 16], [1978, 1, 17], [1979, 1, 18], [1980, 1, 19], [1981, 7, 20], [1982, 7, 21],
  [1983, 7, 22], [1985, 7, 23], [1988, 1, 24], [1990, 1, 25], [1991, 1, 26], [1992, 7, 27],
  [1993, 7, 28], [1994, 7, 29], [1996, 1, 30], [1997, 7, 31], [1999, 1, 32], [2006, 1, 33],
  [2009, 1, 34], [2012, 7, 35], [2015, 7, 36], [2017, 1, 37],
].map(([y, m, d]) => [(Date.UTC(y, m - 1, 1) - REF_MS) / 1000, d]);
const FIRST_LEAP_U = LEAPS[0][0];
const A1_MINUS_TAI = 0.0343817;
const TT_MINUS_TAI = 32.184;

function deltaAT(u) {
  if (u < FIRST_LEAP_U) return null; // pre-1972: not supported by the stand-in
  let d = 10;
  for (const [t, v] of LEAPS) { if (u >= t) d = v; else break; }
  return d;
}
// offset (s) of time system `sys` relative to UTC at UTC instant u
function sysOffset(sys, u) {
  if (sys === 'UTC') return 0;
  const d = deltaAT(u);
  if (d === null) throw new Error('epochs before 01 Jan 1972 are not supported by the stand-in engine for ' + sys + ' time');
  if (sys === 'TAI') return d;
  if (sys === 'TT') return d + TT_MINUS_TAI;
  if (sys === 'A1') return d + A1_MINUS_TAI;
  throw new Error('time system ' + sys + ' is not supported by the stand-in engine');
}
// system seconds -> UTC seconds (iterate once for the offset)
function fromSys(sys, s) {
  if (sys === 'UTC') return s;
  let u = s - sysOffset(sys, s - 37);
  u = s - sysOffset(sys, u);
  return u;
}
const GREG_RE = /^(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{1,2}):(\d{2}):(\d{2}(?:\.\d*)?)$/;
function parseGregorian(str) {
  const m = GREG_RE.exec(str.trim());
  if (!m) return null;
  const mon = MONTHS.indexOf(m[2][0].toUpperCase() + m[2].slice(1).toLowerCase());
  if (mon < 0) return null;
  const day = +m[1], h = +m[4], mi = +m[5], s = +m[6];
  if (day < 1 || day > 31 || h > 23 || mi > 59 || s >= 61) return null;
  const ms = Date.UTC(+m[3], mon, day);
  if (new Date(ms).getUTCDate() !== day) return null;
  return (ms - REF_MS) / 1000 + h * 3600 + mi * 60 + s;
}
function pad2(n) { return n < 10 ? '0' + n : '' + n; }
function formatGregorian(s) {
  const d = new Date(REF_MS + Math.round(s * 1000));
  return pad2(d.getUTCDate()) + ' ' + MONTHS[d.getUTCMonth()] + ' ' + d.getUTCFullYear() + ' ' +
    pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + ':' + pad2(d.getUTCSeconds()) + '.' +
    String(d.getUTCMilliseconds()).padStart(3, '0');
}
// Parse an epoch value given a DateFormat like UTCGregorian / TAIModJulian. Returns UTC seconds.
function parseEpoch(format, value) {
  const m = /^(UTC|TAI|TT|A1|TDB)(Gregorian|ModJulian)$/.exec(format);
  if (!m) throw new Error('unsupported DateFormat ' + format);
  const sys = m[1];
  let s;
  if (m[2] === 'Gregorian') { s = parseGregorian(value); if (s === null) return null; }
  else {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.trim())) return null;
    s = parseFloat(value) * 86400;
  }
  return fromSys(sys, s);
}
// Elapsed physical seconds `el` after UTC instant u0 -> UTC seconds (leap-second aware from 1972)
function advance(u0, el) {
  let u = u0 + el;
  const d0 = deltaAT(u0);
  if (d0 === null) return u;
  const d1 = deltaAT(u);
  if (d1 !== null && d1 !== d0) u -= (d1 - d0);
  return u;
}
module.exports = { parseEpoch, parseGregorian, formatGregorian, sysOffset, advance, REF_MS };
