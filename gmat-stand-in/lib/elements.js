'use strict';
const MU = 398600.4415; // km^3/s^2, GMAT Earth
const D2R = Math.PI / 180, R2D = 180 / Math.PI, TWO_PI = 2 * Math.PI;
const TOL = 1e-11;

function kepToCart(k, mu) {
  mu = mu || MU;
  const a = k[0], e = k[1], i = k[2] * D2R, O = k[3] * D2R, w = k[4] * D2R, nu = k[5] * D2R;
  const p = a * (1 - e * e);
  const r = p / (1 + e * Math.cos(nu));
  const xp = r * Math.cos(nu), yp = r * Math.sin(nu);
  const sq = Math.sqrt(mu / p);
  const vxp = -sq * Math.sin(nu), vyp = sq * (e + Math.cos(nu));
  const cO = Math.cos(O), sO = Math.sin(O), cw = Math.cos(w), sw = Math.sin(w), ci = Math.cos(i), si = Math.sin(i);
  const R11 = cO * cw - sO * sw * ci, R12 = -cO * sw - sO * cw * ci;
  const R21 = sO * cw + cO * sw * ci, R22 = -sO * sw + cO * cw * ci;
  const R31 = sw * si, R32 = cw * si;
  return [R11 * xp + R12 * yp, R21 * xp + R22 * yp, R31 * xp + R32 * yp,
    R11 * vxp + R12 * vyp, R21 * vxp + R22 * vyp, R31 * vxp + R32 * vyp];
}
function dot(a, b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
function cross(a, b) { return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]; }
function norm(a) { return Math.sqrt(dot(a, a)); }
function acosc(x) { return Math.acos(x > 1 ? 1 : x < -1 ? -1 : x); }

// Cartesian -> {SMA, ECC, INC, RAAN, AOP, TA, RMAG, RadApo, RadPer, MA, EA} (degrees).
function cartToKep(s, mu) {
  mu = mu || MU;
  const r = [s[0], s[1], s[2]], v = [s[3], s[4], s[5]];
  const rm = norm(r), vm = norm(v);
  const h = cross(r, v), hm = norm(h);
  const nv = [-h[1], h[0], 0], nm = norm(nv);
  const rv = dot(r, v);
  const c1 = vm * vm - mu / rm;
  const ev = [(c1 * r[0] - rv * v[0]) / mu, (c1 * r[1] - rv * v[1]) / mu, (c1 * r[2] - rv * v[2]) / mu];
  const e = norm(ev);
  const energy = vm * vm / 2 - mu / rm;
  const a = -mu / (2 * energy);
  const inc = acosc(h[2] / hm);
  let raan = 0, aop = 0, ta = 0;
  if (e >= TOL && inc >= TOL) {
    raan = acosc(nv[0] / nm); if (nv[1] < 0) raan = TWO_PI - raan;
    aop = acosc(dot(nv, ev) / (nm * e)); if (ev[2] < 0) aop = TWO_PI - aop;
    ta = acosc(dot(ev, r) / (e * rm)); if (rv < 0) ta = TWO_PI - ta;
  } else if (e >= TOL && inc < TOL) {
    aop = acosc(ev[0] / e); if (ev[1] < 0) aop = TWO_PI - aop;
    ta = acosc(dot(ev, r) / (e * rm)); if (rv < 0) ta = TWO_PI - ta;
  } else if (e < TOL && inc >= TOL) {
    raan = acosc(nv[0] / nm); if (nv[1] < 0) raan = TWO_PI - raan;
    ta = acosc(dot(nv, r) / (nm * rm)); if (r[2] < 0) ta = TWO_PI - ta;
  } else {
    ta = acosc(r[0] / rm); if (r[1] < 0) ta = TWO_PI - ta;
  }
  const wrap = (x) => (x >= TWO_PI ? x - TWO_PI : x);
  raan = wrap(raan); aop = wrap(aop); ta = wrap(ta);
  let ea = NaN, ma = NaN;
  if (e < 1) {
    ea = 2 * Math.atan(Math.sqrt((1 - e) / (1 + e)) * Math.tan(ta / 2));
    if (ea < 0) ea += TWO_PI;
    ma = ea - e * Math.sin(ea);
    if (ma < 0) ma += TWO_PI;
  }
  return {
    SMA: a, ECC: e, INC: inc * R2D, RAAN: raan * R2D, AOP: aop * R2D, TA: ta * R2D,
    RMAG: rm, VMAG: vm, RadPer: a * (1 - e), RadApo: e < 1 ? a * (1 + e) : NaN, MA: ma * R2D, EA: ea * R2D,
  };
}
module.exports = { MU, kepToCart, cartToKep, dot, cross, norm };
