'use strict';
// Runs the parsed mission sequence: two-body propagation, impulsive burns, ReportFile output.
const fs = require('fs');
const E = require('./elements');
const K = require('./kepler');
const T = require('./time');
const R = require('./report');

class RunError extends Error {}

function run(parsed) {
  const state = new Map();
  for (const o of parsed.order) {
    if (o.type !== 'Spacecraft') continue;
    const s = o.rep === 'Keplerian' ? E.kepToCart(o.slots) : o.slots.slice();
    state.set(o, { u0: o.epoch, el: 0, s, kep: null });
  }
  const files = [];
  for (const o of parsed.order) {
    if (o.type !== 'ReportFile') continue;
    o.buf = []; o.opened = false; o.last = null; o.headerDone = false;
    if ((o.add.length || o.usedByReport) && o.writeReport) {
      if (!o.append) { try { fs.unlinkSync(o.path); } catch (e) { /* absent */ } }
      files.push(o);
    }
  }
  const subscribers = files.filter((f) => f.add.length);
  const flush = () => {
    for (const f of files) {
      if (!f.buf.length) continue;
      fs.appendFileSync(f.path, f.buf.join(''));
      f.buf = [];
    }
  };

  function value(p) {
    if (p.kind === 'var') return p.obj.value;
    const st = state.get(p.sc);
    switch (p.kind) {
      case 'epoch': {
        const u = T.advance(st.u0, st.el);
        const sys = p.fmt.replace(/(Gregorian|ModJulian)$/, '');
        const x = u + T.sysOffset(sys, u);
        return p.fmt.endsWith('Gregorian') ? T.formatGregorian(x) : x / 86400;
      }
      case 'elapsed': return p.days ? st.el / 86400 : st.el;
      case 'cart': return st.s[p.idx];
      case 'kep': if (!st.kep) st.kep = E.cartToKep(st.s); return st.kep[p.key];
      case 'const': return p.value;
    }
    throw new RunError('cannot evaluate ' + p.name);
  }
  function publish(sc) {
    const st = state.get(sc);
    for (const f of subscribers) {
      if (f.last && f.last.sc === sc && f.last.el === st.el) continue; // GMAT skips duplicate epochs
      f.last = { sc, el: st.el };
      if (!f.headerDone) { f.headerDone = true; if (f.writeHeaders) f.buf.push(R.headerLine(f, f.add)); }
      f.buf.push(R.dataLine(f, f.add, f.params.map(value)));
    }
  }
  try {
    for (const c of parsed.commands) {
      if (c.cmd === 'Propagate') {
        const st = state.get(c.sc);
        let dur = c.dur.variable ? c.dur.variable.value : c.dur.value;
        if (c.unit === 'ElapsedDays') dur *= 86400;
        if (!(dur >= 0) || !isFinite(dur)) throw new RunError('The stand-in engine does not support backward or non-finite propagation (' + c.sc.name + '.' + c.unit + ' = ' + (c.dur.variable ? c.dur.variable.value : c.dur.value) + ')');
        const h = c.prop.initial;
        const s0 = st.s, el0 = st.el;
        K.propagate(s0, 1); // validates the orbit before any row is written
        publish(c.sc);
        const eps = 1e-9 * Math.max(1, dur);
        for (let k = 1; ; k++) {
          let t = k * h, last = false;
          if (t >= dur - eps) { t = dur; last = true; }
          st.s = K.propagate(s0, t); st.el = el0 + t; st.kep = null;
          publish(c.sc);
          if (last) break;
        }
      } else if (c.cmd === 'Maneuver') {
        const st = state.get(c.sc);
        const b = c.burn, s = st.s;
        let dv;
        if (b.cs === 'EarthMJ2000Eq' || b.axes === 'MJ2000Eq') dv = b.el.slice();
        else {
          const r = [s[0], s[1], s[2]], v = [s[3], s[4], s[5]];
          const vm = E.norm(v); const V = v.map((x) => x / vm);
          const hv = E.cross(r, v); const hm = E.norm(hv); const N = hv.map((x) => x / hm);
          const B = E.cross(V, N);
          dv = [0, 1, 2].map((i) => b.el[0] * V[i] + b.el[1] * N[i] + b.el[2] * B[i]);
        }
        st.s = [s[0], s[1], s[2], s[3] + dv[0], s[4] + dv[1], s[5] + dv[2]]; st.kep = null;
      } else if (c.cmd === 'Report') {
        const f = c.rf;
        if (!f.writeReport) continue;
        const names = c.params.map((p) => p.name);
        if (!f.headerDone) { f.headerDone = true; if (f.writeHeaders) f.buf.push(R.reportHeaderLine(f, names)); }
        f.buf.push(R.dataLine(f, names, c.params.map(value)));
      } else if (c.cmd === 'Stop') {
        flush();
        return { status: -4, message: 'Command Exception: Mission interrupted by Stop command' };
      }
    }
  } catch (e) {
    flush();
    if (e instanceof RunError || e.unsupported) return { status: -5, message: e.message };
    throw e;
  }
  flush();
  return { status: 1 };
}
module.exports = { run };
