'use strict';
// C++ iostream default float formatting (== printf "%.<p>g"), optional showpoint (ZeroFill).
function fmtG(x, p, showpoint) {
  if (p === undefined) p = 16;
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) {
    const z = Object.is(x, -0) ? '-0' : '0';
    return showpoint ? z + '.' + '0'.repeat(Math.max(p - 1, 0)) : z;
  }
  const e = x.toExponential(p - 1); // exact decimal rounding
  const ei = e.indexOf('e');
  let mant = e.slice(0, ei);
  const X = parseInt(e.slice(ei + 1), 10);
  if (X < -4 || X >= p) {
    if (!showpoint) mant = strip(mant);
    const ax = Math.abs(X);
    return mant + 'e' + (X < 0 ? '-' : '+') + (ax < 10 ? '0' : '') + ax;
  }
  let f = x.toFixed(p - 1 - X);
  if (!showpoint) f = strip(f);
  else if (f.indexOf('.') < 0) f += '.';
  return f;
}
function strip(s) {
  if (s.indexOf('.') < 0) return s;
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}
module.exports = { fmtG };
