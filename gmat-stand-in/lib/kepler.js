'use strict';
// Closed-form two-body propagation (elliptic orbits) with Lagrange f and g functions.
const { MU, dot, norm } = require('./elements');
const TWO_PI = 2 * Math.PI;

function propagate(s0, dt, mu) {
  mu = mu || MU;
  if (dt === 0) return s0.slice();
  const r0v = [s0[0], s0[1], s0[2]], v0v = [s0[3], s0[4], s0[5]];
  const r0 = norm(r0v), v0 = norm(v0v);
  const a = 1 / (2 / r0 - v0 * v0 / mu);
  if (!(a > 0) || !isFinite(a)) {
    const err = new Error('the orbit is not elliptic (SMA = ' + a + ' km); the stand-in engine only propagates elliptic orbits');
    err.unsupported = true;
    throw err;
  }
  const sa = Math.sqrt(a);
  const n = Math.sqrt(mu / (a * a * a));
  const sig0 = dot(r0v, v0v) / Math.sqrt(mu);
  const ecE0 = 1 - r0 / a; // e cos E0
  const esE0 = sig0 / sa; // e sin E0
  let dM = n * dt;
  const k = Math.floor(dM / TWO_PI);
  dM -= k * TWO_PI;
  const dtr = dM / n;
  let dE = dM;
  for (let it = 0; it < 100; it++) {
    const s = Math.sin(dE), c = Math.cos(dE);
    const F = dE + esE0 * (1 - c) - ecE0 * s - dM;
    const Fp = 1 + esE0 * s - ecE0 * c;
    const d = F / Fp;
    dE -= d;
    if (Math.abs(d) < 1e-15) break;
  }
  const s = Math.sin(dE), c = Math.cos(dE);
  const r = a + (r0 - a) * c + sig0 * sa * s;
  const f = 1 - (a / r0) * (1 - c);
  const g = dtr - (dE - s) / n;
  const fd = -Math.sqrt(mu * a) * s / (r * r0);
  const gd = 1 - (a / r) * (1 - c);
  return [
    f * r0v[0] + g * v0v[0], f * r0v[1] + g * v0v[1], f * r0v[2] + g * v0v[2],
    fd * r0v[0] + gd * v0v[0], fd * r0v[1] + gd * v0v[1], fd * r0v[2] + gd * v0v[2],
  ];
}
module.exports = { propagate };
