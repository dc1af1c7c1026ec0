/**
 * Closed-form two-body motion, written independently of the stand-in (which uses Lagrange
 * f and g on Cartesian states): Keplerian elements → mean anomaly → Kepler's equation by
 * Newton → perifocal state → rotation R3(-RAAN) R1(-INC) R3(-AOP) into EarthMJ2000Eq.
 */
export const MU = 398600.4415;
export interface Elements { sma: number; ecc: number; inc: number; raan: number; aop: number; ta: number }

export function keplerState(el: Elements, dt: number): number[] {
  const deg = Math.PI / 180;
  const { sma: a, ecc: e } = el;
  const nu0 = el.ta * deg;
  const E0 = 2 * Math.atan2(Math.sqrt(1 - e) * Math.sin(nu0 / 2), Math.sqrt(1 + e) * Math.cos(nu0 / 2));
  const M = E0 - e * Math.sin(E0) + Math.sqrt(MU / (a * a * a)) * dt;
  let E = M;
  for (let i = 0; i < 50; i++) {
    const step = (E - e * Math.sin(E) - M) / (1 - e * Math.cos(E));
    E -= step;
    if (Math.abs(step) < 1e-15) break;
  }
  const nu = 2 * Math.atan2(Math.sqrt(1 + e) * Math.sin(E / 2), Math.sqrt(1 - e) * Math.cos(E / 2));
  const r = a * (1 - e * Math.cos(E));
  const p = a * (1 - e * e);
  const rp = [r * Math.cos(nu), r * Math.sin(nu), 0];
  const vp = [-Math.sqrt(MU / p) * Math.sin(nu), Math.sqrt(MU / p) * (e + Math.cos(nu)), 0];
  const [cO, sO] = [Math.cos(el.raan * deg), Math.sin(el.raan * deg)];
  const [ci, si] = [Math.cos(el.inc * deg), Math.sin(el.inc * deg)];
  const [cw, sw] = [Math.cos(el.aop * deg), Math.sin(el.aop * deg)];
  const Q = [
    [cO * cw - sO * sw * ci, -cO * sw - sO * cw * ci, sO * si],
    [sO * cw + cO * sw * ci, -sO * sw + cO * cw * ci, -cO * si],
    [sw * si, cw * si, ci],
  ];
  const rot = (x: number[]) => Q.map((row) => row[0] * x[0] + row[1] * x[1] + row[2] * x[2]);
  return [...rot(rp), ...rot(vp)];
}

/** leo_point_mass.script's elements (SMA replaced by the override). */
export const leo = (sma: number): Elements => ({ sma, ecc: 0.0012, inc: 51.6, raan: 45, aop: 90, ta: 15 });
