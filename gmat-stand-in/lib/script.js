'use strict';
// Parser for the GMAT script subset the stand-in supports. Errors are collected GMAT-style:
// { kind: 'Interpreter' | 'Utility', msg, line, text }.
const T = require('./time');

const REAL_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const KEP = ['SMA', 'ECC', 'INC', 'RAAN', 'AOP', 'TA'];
const CART = ['X', 'Y', 'Z', 'VX', 'VY', 'VZ'];
const SUPPORTED_TYPES = ['Spacecraft', 'ForceModel', 'Propagator', 'ReportFile', 'Variable', 'ImpulsiveBurn'];
const PROP_TYPES = ['RungeKutta89', 'PrinceDormand78', 'PrinceDormand45', 'RungeKutta68', 'RungeKutta56'];
const SC_HARMLESS = ['DryMass', 'Cd', 'Cr', 'DragArea', 'SRPArea', 'Id', 'NAIFId', 'NAIFIdReferenceFrame',
  'OrbitColor', 'TargetColor', 'ModelFile', 'SPADSRPScaleFactor', 'SPADDragScaleFactor'];
// Real GMAT Spacecraft fields the stand-in does not implement (refused as unsupported, not "not permitted").
const SC_KNOWN_UNSUPPORTED = ['Tanks', 'Thrusters', 'PowerSystem', 'Attitude', 'OrbitSpiceKernelName',
  'AttitudeSpiceKernelName', 'SCClockSpiceKernelName', 'FrameSpiceKernelName', 'RMAG', 'RA', 'DEC', 'VMAG',
  'AZI', 'FPA', 'RAV', 'DECV', 'MA', 'EA', 'HA', 'RadPer', 'RadApo', 'C3Energy', 'Energy', 'AltEquinoctial1',
  'EquinoctialH', 'EquinoctialK', 'EquinoctialP', 'EquinoctialQ', 'MLONG', 'BrouwerShortSMA', 'AnomalyType',
  'EstimationStateType', 'OrbitErrorCovariance', 'ProcessNoiseModel', 'AddHardware', 'SPADSRPFile', 'SPADDragFile',
  'SRPModel', 'DragModel', 'ModelOffsetX', 'ModelOffsetY', 'ModelOffsetZ', 'ModelRotationX', 'ModelRotationY',
  'ModelRotationZ', 'ModelScale', 'ShowAxes', 'TotalMass'];
const TIME_SYS = ['UTC', 'TAI', 'TT', 'A1'];
const EPOCH_PARAMS = {};
for (const s of TIME_SYS) { EPOCH_PARAMS[s + 'Gregorian'] = 1; EPOCH_PARAMS[s + 'ModJulian'] = 1; }
const ORIGIN_PARAMS = ['SMA', 'ECC', 'TA', 'MA', 'EA', 'RMAG', 'RadApo', 'RadPer'];
const CS_PARAMS = ['X', 'Y', 'Z', 'VX', 'VY', 'VZ', 'INC', 'RAAN', 'AOP'];

class ScriptError extends Error {}

function stripComment(line) {
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") q = !q;
    else if (c === '%' && !q) return line.slice(0, i);
  }
  return line;
}
function splitStatements(s) {
  const out = []; let q = false, depth = 0, cur = '';
  for (const c of s) {
    if (c === "'") q = !q;
    else if (!q && c === '{') depth++;
    else if (!q && c === '}') depth--;
    if (c === ';' && !q && depth === 0) { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x.length);
}
function unquote(v) { v = v.trim(); return v.length >= 2 && v[0] === "'" && v[v.length - 1] === "'" ? v.slice(1, -1) : v; }
function parseList(v) {
  v = v.trim();
  if (v[0] !== '{' || v[v.length - 1] !== '}') return null;
  return v.slice(1, -1).split(',').map((x) => x.trim()).filter((x) => x.length);
}
function isOn(v) {
  const t = unquote(v).toLowerCase();
  if (t === 'on' || t === 'true') return true;
  if (t === 'off' || t === 'false') return false;
  return null;
}

function newSpacecraft(name, line) {
  return {
    type: 'Spacecraft', name, line,
    dateFormat: 'TAIModJulian', epoch: T.parseEpoch('TAIModJulian', '21545'), epochSets: 0,
    rep: 'Cartesian', repLine: line, repLabels: new Set(), slots: [7100, 0, 1300, 0, 7.35, 1], slotSet: [0, 0, 0, 0, 0, 0],
    cs: 'EarthMJ2000Eq', fields: {},
  };
}
function newObject(type, name, line) {
  switch (type) {
    case 'Spacecraft': return newSpacecraft(name, line);
    case 'ForceModel': return { type, name, line, central: 'Earth', primary: null, pointMasses: null, degree: null, order: null, other: [] };
    case 'Propagator': return { type, name, line, fm: null, ptype: 'RungeKutta89', initial: 60, min: 0.001, max: 2700 };
    case 'ReportFile': return { type, name, line, filename: null, filenameLine: line, writeHeaders: true, add: [], addLine: line,
      precision: 16, columnWidth: 23, leftJustify: true, zeroFill: false, fixedWidth: true, delimiter: ' ', writeReport: true, append: false };
    case 'Variable': return { type, name, line, value: 0 };
    case 'ImpulsiveBurn': return { type, name, line, cs: 'Local', origin: 'Earth', axes: 'VNB', el: [0, 0, 0] };
  }
  return null;
}

function parse(text, scriptPath, ctx) {
  // ctx: { outputPath, warn(msg) }
  const errors = [];
  const objects = new Map();
  const order = [];
  const commands = [];
  let mission = false;
  const rawLines = text.split(/\r\n|\r|\n/);
  const path = require('path');
  const scriptDir = path.dirname(scriptPath);

  for (let i = 0; i < rawLines.length; i++) {
    if (/[^\x00-\x7f]/.test(rawLines[i])) {
      errors.push({ kind: 'Interpreter', msg: 'The script file "' + scriptPath + '" contains characters outside of the ASCII character set', line: i + 1, text: rawLines[i].trim() });
      return { errors, objects, commands };
    }
  }
  // logical lines (continuations with ...)
  const logical = [];
  for (let i = 0; i < rawLines.length; i++) {
    const start = i;
    let body = stripComment(rawLines[i]).trim();
    let shown = rawLines[i].trim();
    while (body.endsWith('...') && i + 1 < rawLines.length) {
      i++;
      body = body.slice(0, -3) + ' ' + stripComment(rawLines[i]).trim();
      shown += ' ' + rawLines[i].trim();
    }
    if (body.endsWith('...')) body = body.slice(0, -3);
    logical.push({ line: start + 1, body, shown });
  }

  for (const L of logical) {
    for (let st of splitStatements(L.body)) {
      const err = (kind, msg) => errors.push({ kind, msg, line: L.line, text: L.shown });
      try {
        if (/^GMAT\s/.test(st)) st = st.slice(4).trim();
        const first = st.split(/[\s(]/)[0];
        if (first === 'Create') {
          if (mission) { err('Interpreter', 'The stand-in engine does not support "Create" in the mission sequence'); continue; }
          const parts = st.split(/[\s,]+/).filter(Boolean);
          const type = parts[1];
          const names = parts.slice(2);
          if (!type || names.length === 0) { err('Interpreter', 'Missing object type or name in Create statement'); continue; }
          if (SUPPORTED_TYPES.indexOf(type) < 0) {
            err('Interpreter', 'The stand-in engine does not support the resource type "' + type + '" (stand-in subset: ' + SUPPORTED_TYPES.join(', ') + ')');
            continue;
          }
          for (const n of names) {
            if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(n)) { err('Interpreter', '"' + n + '" is not a valid object name (arrays and other forms are not supported by the stand-in engine)'); continue; }
            if (objects.has(n)) { err('Interpreter', 'The object named "' + n + '" already exists'); continue; }
            const o = newObject(type, n, L.line);
            objects.set(n, o); order.push(o);
          }
          continue;
        }
        if (first === 'BeginMissionSequence') { mission = true; continue; }
        const eq = st.indexOf('=');
        const isAssign = eq > 0 && !/^(Propagate|Maneuver|Report|Stop)\b/.test(st);
        if (!mission && isAssign) {
          assign(st.slice(0, eq).trim(), st.slice(eq + 1).trim(), err);
          continue;
        }
        mission = true;
        if (isAssign) { err('Interpreter', 'The stand-in engine does not support assignment commands in the mission sequence ("' + st + '")'); continue; }
        command(st, first, err);
      } catch (e) {
        if (e instanceof ScriptError) err(e.kind || 'Interpreter', e.message);
        else throw e;
      }
    }
  }
  if (errors.length === 0) finalChecks();
  return { errors, objects, order, commands };

  function fail(msg, kind) { const e = new ScriptError(msg); e.kind = kind || 'Interpreter'; throw e; }
  function real(objName, field, v) {
    if (!REAL_RE.test(v)) fail('The value of "' + v + '" for field "' + field + '" on object "' + objName + '" is not an allowed value.\nThe allowed values are: [ Real Number ]', 'Utility');
    return parseFloat(v);
  }
  function notPermitted(o, field) { fail('The field name "' + field + '" on object "' + o.name + '" is not permitted'); }
  function unsupportedValue(o, field, v, what) {
    fail('The stand-in engine does not support ' + o.name + '.' + field + ' = ' + v + (what ? ' (' + what + ')' : ''));
  }

  function assign(lhs, rhs, err) {
    const parts = lhs.split('.');
    const o = objects.get(parts[0]);
    if (!o) {
      fail('The object named "' + parts[0] + '" does not exist; cannot assign "' + lhs + '"');
    }
    if (o.type === 'Variable') {
      if (parts.length !== 1) notPermitted(o, parts.slice(1).join('.'));
      if (!REAL_RE.test(rhs)) fail('The stand-in engine only supports literal numbers as Variable values ("' + lhs + ' = ' + rhs + '")');
      o.value = parseFloat(rhs); return;
    }
    if (parts.length < 2) fail('The stand-in engine does not support assigning to the ' + o.type + ' "' + o.name + '"');
    const field = parts.slice(1).join('.');
    switch (o.type) {
      case 'Spacecraft': return setSc(o, field, rhs);
      case 'ForceModel': return setFm(o, field, rhs);
      case 'Propagator': return setProp(o, field, rhs);
      case 'ReportFile': return setRf(o, field, rhs);
      case 'ImpulsiveBurn': return setBurn(o, field, rhs);
    }
  }
  function setSc(o, field, rhs) {
    const v = unquote(rhs);
    if (field === 'DateFormat') {
      const m = /^(UTC|TAI|TT|A1|TDB)(Gregorian|ModJulian)$/.exec(v);
      if (!m) fail('The value of "' + v + '" for field "DateFormat" on object "' + o.name + '" is not an allowed value.\nThe allowed values are: [A1ModJulian, TAIModJulian, UTCModJulian, TTModJulian, TDBModJulian, A1Gregorian, TAIGregorian, TTGregorian, UTCGregorian, TDBGregorian]', 'Utility');
      if (m[1] === 'TDB') unsupportedValue(o, field, v, 'TDB epochs');
      o.dateFormat = v; return;
    }
    if (field === 'Epoch') {
      let u;
      try { u = T.parseEpoch(o.dateFormat, v); } catch (e) { fail('The stand-in engine cannot use epoch "' + v + '": ' + e.message); }
      if (u === null) fail('The value of "' + v + '" for field "Epoch" on object "' + o.name + '" is not an allowed value.\nThe allowed values are: [' +
        (o.dateFormat.endsWith('Gregorian') ? 'DD Mon YYYY HH:MM:SS.sss' : 'Real Number') + ']', 'Utility');
      o.epoch = u; o.epochSets++;
      if (o.epochSets > 1) ctx.warn('*** WARNING *** You have set the epoch for Spacecraft ' + o.name + ' more than once in assignment mode (i.e. before the BeginMissionSequence command).  This may have unintended consequences and you should perform these operations in command mode (i.e. after the BeginMissionSequence command).\n');
      return;
    }
    if (field === 'CoordinateSystem') { if (v !== 'EarthMJ2000Eq') unsupportedValue(o, field, v, 'only EarthMJ2000Eq'); return; }
    if (field === 'DisplayStateType' || field === 'StateType') {
      if (v !== 'Keplerian' && v !== 'Cartesian') unsupportedValue(o, field, v, 'only Keplerian or Cartesian');
      return;
    }
    let k = KEP.indexOf(field), rep = 'Keplerian';
    if (k < 0) { k = CART.indexOf(field); rep = 'Cartesian'; }
    if (k >= 0) {
      const x = real(o.name, field, v);
      if (field === 'SMA' && Math.abs(x) < 0.001) fail('The value of "' + v + '" for field "SMA" on object "' + o.name + '" is not an allowed value.\nThe allowed values are: [Real Number != 0 (tolerance = 0.001)]', 'Utility');
      if (field === 'ECC') {
        const sma = o.rep === 'Keplerian' && o.slotSet[0] ? o.slots[0] : null;
        if (x < 0 || (sma !== null && sma > 0 && x >= 1) || x === 1) fail('The value of "' + v + '" for field "ECC" on object "' + o.name + '" is not an allowed value.\nThe allowed values are: [0 < Real Number < 1 when SMA > 0]', 'Utility');
      }
      if (o.repLabels.size && o.rep !== rep) fail('The stand-in engine does not support mixing Keplerian and Cartesian elements on Spacecraft "' + o.name + '" ("' + field + '" after ' + o.rep + ' elements; GMAT would reinterpret the state slots)');
      o.rep = rep; o.repLabels.add(field);
      o.slots[k] = x; o.slotSet[k] = 1;
      return;
    }
    if (SC_HARMLESS.indexOf(field) >= 0) { o.fields[field] = v; return; }
    if (SC_KNOWN_UNSUPPORTED.indexOf(field) >= 0) fail('The stand-in engine does not support the Spacecraft field "' + field + '" (object "' + o.name + '")');
    notPermitted(o, field);
  }
  function setFm(o, field, rhs) {
    const v = unquote(rhs);
    switch (field) {
      case 'CentralBody': if (v !== 'Earth') unsupportedValue(o, field, v, 'only Earth'); o.central = v; return;
      case 'PrimaryBodies': { const l = parseList(rhs); if (!l || (l.length && (l.length !== 1 || l[0] !== 'Earth'))) unsupportedValue(o, field, rhs, 'only {Earth}'); o.primary = l; return; }
      case 'PointMasses': { const l = parseList(rhs); if (!l || (l.length && (l.length !== 1 || l[0] !== 'Earth'))) unsupportedValue(o, field, rhs, 'only point-mass Earth'); o.pointMasses = l; return; }
      case 'GravityField.Earth.Degree': o.degree = real(o.name, field, v); if (o.degree !== 0) unsupportedValue(o, field, v, 'only point-mass Earth: Degree = 0'); return;
      case 'GravityField.Earth.Order': o.order = real(o.name, field, v); if (o.order !== 0) unsupportedValue(o, field, v, 'only point-mass Earth: Order = 0'); return;
      case 'GravityField.Earth.PotentialFile': case 'GravityField.Earth.StmLimit': case 'GravityField.Earth.TideModel':
        if (field.endsWith('TideModel') && v !== 'None') unsupportedValue(o, field, v); return;
      case 'Drag': case 'Drag.AtmosphereModel': if (v !== 'None') unsupportedValue(o, field, v, 'no drag'); return;
      case 'SRP': case 'RelativisticCorrection': if (isOn(v) !== false) unsupportedValue(o, field, v); return;
      case 'ErrorControl': return;
    }
    if (/^(Drag|SRP|GravityField)\./.test(field)) unsupportedValue(o, field, v);
    notPermitted(o, field);
  }
  function setProp(o, field, rhs) {
    const v = unquote(rhs);
    switch (field) {
      case 'FM': o.fm = v; return;
      case 'Type': if (PROP_TYPES.indexOf(v) < 0) unsupportedValue(o, field, v, 'fixed-step Runge-Kutta only: ' + PROP_TYPES.join(', ')); o.ptype = v; return;
      case 'InitialStepSize': o.initial = real(o.name, field, v); return;
      case 'MinStep': o.min = real(o.name, field, v); return;
      case 'MaxStep': o.max = real(o.name, field, v); return;
      case 'Accuracy': case 'MaxStepAttempts': real(o.name, field, v); return;
      case 'StopIfAccuracyIsViolated': return;
    }
    notPermitted(o, field);
  }
  function setRf(o, field, rhs) {
    const v = unquote(rhs);
    switch (field) {
      case 'Filename': o.filename = v; return;
      case 'WriteHeaders': case 'LeftJustify': case 'ZeroFill': case 'FixedWidth': case 'WriteReport': case 'AppendToExistingFile': {
        const b = isOn(v);
        if (b === null) fail('The value of "' + v + '" for field "' + field + '" on object "' + o.name + '" is not an allowed value.\nThe allowed values are: [On, Off]', 'Utility');
        const key = { WriteHeaders: 'writeHeaders', LeftJustify: 'leftJustify', ZeroFill: 'zeroFill', FixedWidth: 'fixedWidth', WriteReport: 'writeReport', AppendToExistingFile: 'append' }[field];
        o[key] = b; return;
      }
      case 'Precision': case 'ColumnWidth': {
        const x = real(o.name, field, v);
        if (!(x > 0) || Math.floor(x) !== x) fail('The value of "' + v + '" for field "' + field + '" on object "' + o.name + '" is not an allowed value.\nThe allowed values are: [Integer Number > 0]', 'Utility');
        o[field === 'Precision' ? 'precision' : 'columnWidth'] = x; return;
      }
      case 'Delimiter': o.delimiter = v.length ? v[0] : ' '; return;
      case 'Add': { const l = parseList(rhs); o.add = o.add.concat(l || [v]); return; }
      case 'SolverIterations': case 'UpperLeft': case 'Size': case 'RelativeZOrder': case 'Maximized': case 'Minimized': return;
    }
    notPermitted(o, field);
  }
  function setBurn(o, field, rhs) {
    const v = unquote(rhs);
    switch (field) {
      case 'CoordinateSystem': if (v !== 'Local' && v !== 'EarthMJ2000Eq') unsupportedValue(o, field, v, 'Local or EarthMJ2000Eq'); o.cs = v; return;
      case 'Origin': if (v !== 'Earth') unsupportedValue(o, field, v, 'only Earth'); return;
      case 'Axes': if (['VNB', 'MJ2000Eq'].indexOf(v) < 0) unsupportedValue(o, field, v, 'VNB or MJ2000Eq'); o.axes = v; return;
      case 'Element1': case 'Element2': case 'Element3': o.el[+field.slice(-1) - 1] = real(o.name, field, v); return;
      case 'DecrementMass': if (isOn(v) !== false) unsupportedValue(o, field, v, 'no mass depletion'); return;
      case 'Isp': case 'GravitationalAccel': real(o.name, field, v); return;
      case 'VectorFormat': if (v !== 'Cartesian') unsupportedValue(o, field, v); return;
    }
    if (field === 'Tank' || field === 'B' || field === 'N' || field === 'V') unsupportedValue(o, field, v);
    notPermitted(o, field);
  }

  function command(st, first, err) {
    let rest = st.slice(first.length).trim();
    let label = null;
    const lm = /^'([^']*)'\s*(.*)$/.exec(rest);
    if (lm) { label = lm[1]; rest = lm[2]; }
    if (first === 'Propagate') {
      const m = /^([A-Za-z]\w*)\s*\(\s*([A-Za-z]\w*)\s*\)\s*\{\s*([A-Za-z]\w*)\.(ElapsedSecs|ElapsedDays)\s*=\s*([^}\s]+)\s*\}$/.exec(rest);
      if (!m) fail('The stand-in engine only supports "Propagate Prop(Sc) {Sc.ElapsedSecs = N}" or "{Sc.ElapsedDays = N}" (one propagator, one spacecraft, one elapsed-time stop condition)');
      const prop = objects.get(m[1]);
      if (!prop || prop.type !== 'Propagator') fail('The Propagator "' + m[1] + '" does not exist');
      const sc = objects.get(m[2]);
      if (!sc || sc.type !== 'Spacecraft') fail('The Spacecraft "' + m[2] + '" does not exist');
      if (m[3] !== m[2]) fail('The stand-in engine requires the stop condition to use the propagated spacecraft "' + m[2] + '"');
      let dur;
      if (REAL_RE.test(m[5])) dur = { value: parseFloat(m[5]) };
      else {
        const vo = objects.get(m[5]);
        if (!vo || vo.type !== 'Variable') fail('The stop condition value "' + m[5] + '" is not a number or Variable (stand-in subset)');
        dur = { variable: vo };
      }
      commands.push({ cmd: 'Propagate', label, prop, sc, unit: m[4], dur });
      return;
    }
    if (first === 'Maneuver') {
      const m = /^([A-Za-z]\w*)\s*\(\s*([A-Za-z]\w*)\s*\)$/.exec(rest);
      if (!m) fail('The stand-in engine only supports "Maneuver Burn(Sc)"');
      const burn = objects.get(m[1]);
      if (!burn || burn.type !== 'ImpulsiveBurn') fail('The ImpulsiveBurn "' + m[1] + '" does not exist');
      const sc = objects.get(m[2]);
      if (!sc || sc.type !== 'Spacecraft') fail('The Spacecraft "' + m[2] + '" does not exist');
      commands.push({ cmd: 'Maneuver', label, burn, sc });
      return;
    }
    if (first === 'Report') {
      const parts = rest.split(/[\s,]+/).filter(Boolean);
      const rf = objects.get(parts[0]);
      if (!rf || rf.type !== 'ReportFile') fail('The ReportFile "' + parts[0] + '" does not exist');
      if (parts.length < 2) fail('The Report command needs at least one parameter');
      const params = parts.slice(1).map((p) => resolveParam(p));
      rf.usedByReport = true;
      commands.push({ cmd: 'Report', label, rf, params });
      return;
    }
    if (first === 'Stop') { commands.push({ cmd: 'Stop', label }); return; }
    fail('The stand-in engine does not support the "' + first + '" command (supported: Propagate, Maneuver, Report, Stop)');
  }

  function resolveParam(p) {
    const parts = p.split('.');
    const o = objects.get(parts[0]);
    if (o && o.type === 'Variable' && parts.length === 1) return { name: p, kind: 'var', obj: o };
    if (!o || o.type !== 'Spacecraft') fail('The stand-in engine cannot report "' + p + '" (unknown or unsupported parameter)');
    if (parts.length === 2) {
      const f = parts[1];
      if (EPOCH_PARAMS[f]) return { name: p, kind: 'epoch', sc: o, fmt: f };
      if (f === 'ElapsedSecs' || f === 'ElapsedDays') return { name: p, kind: 'elapsed', sc: o, days: f === 'ElapsedDays' };
      if (CART.indexOf(f) >= 0) return { name: p, kind: 'cart', sc: o, idx: CART.indexOf(f) };
      if (ORIGIN_PARAMS.indexOf(f) >= 0 || CS_PARAMS.indexOf(f) >= 0) return { name: p, kind: 'kep', sc: o, key: f };
      if (f === 'DryMass') return { name: p, kind: 'const', sc: o, value: REAL_RE.test(o.fields.DryMass || '') ? parseFloat(o.fields.DryMass) : 850 };
    } else if (parts.length === 3) {
      const dep = parts[1], f = parts[2];
      if (dep === 'EarthMJ2000Eq' && CART.indexOf(f) >= 0) return { name: p, kind: 'cart', sc: o, idx: CART.indexOf(f) };
      if (dep === 'EarthMJ2000Eq' && CS_PARAMS.indexOf(f) >= 0) return { name: p, kind: 'kep', sc: o, key: f };
      if (dep === 'Earth' && ORIGIN_PARAMS.indexOf(f) >= 0) return { name: p, kind: 'kep', sc: o, key: f };
    }
    fail('The stand-in engine does not support the parameter "' + p + '"');
  }

  function finalChecks() {
    const path2 = require('path');
    const fs = require('fs');
    const at = (o, msg, kind) => errors.push({ kind: kind || 'Interpreter', msg, line: o.line, text: rawLines[o.line - 1].trim() });
    for (const o of order) {
      if (o.type === 'Spacecraft') {
        if (o.rep === 'Keplerian' && o.slotSet.some((x) => !x)) at(o, 'The stand-in engine requires all six Keplerian elements (SMA, ECC, INC, RAAN, AOP, TA) to be set on Spacecraft "' + o.name + '"');
        else if (o.rep === 'Keplerian' && (o.slots[0] < 0 || o.slots[1] >= 1)) at(o, 'The stand-in engine only supports elliptic orbits (Spacecraft "' + o.name + '")');
      } else if (o.type === 'Propagator') {
        const fm = o.fm ? objects.get(o.fm) : null;
        if (!o.fm) at(o, 'Propagator "' + o.name + '" has no FM; the default force model is 4x4 Earth gravity, which the stand-in engine does not support');
        else if (!fm || fm.type !== 'ForceModel') at(o, 'The ForceModel "' + o.fm + '" used by Propagator "' + o.name + '" does not exist');
        else {
          const earthPrimary = fm.primary && fm.primary.length === 1;
          const earthPM = fm.pointMasses && fm.pointMasses.length === 1;
          const ok = (earthPrimary && fm.degree === 0 && fm.order === 0 && !earthPM) || (!earthPrimary && earthPM);
          if (!ok) at(fm, 'ForceModel "' + fm.name + '" is not a point-mass Earth model (set PrimaryBodies = {Earth} with GravityField.Earth.Degree = 0 and Order = 0, or PointMasses = {Earth}); the stand-in engine supports point-mass Earth only');
          else fm.usesGravityField = earthPrimary;
        }
        if (!(o.initial > 0) || o.min !== o.max || o.initial !== o.max) at(o, 'Propagator "' + o.name + '" is not fixed-step (InitialStepSize = ' + o.initial + ', MinStep = ' + o.min + ', MaxStep = ' + o.max + '); the stand-in engine requires InitialStepSize = MinStep = MaxStep');
      } else if (o.type === 'ReportFile') {
        try { o.params = o.add.map((p) => resolveParam(p)); } catch (e) { if (e instanceof ScriptError) at(o, e.message); else throw e; }
        if (o.add.length && o.usedByReport) at(o, 'The stand-in engine does not support ReportFile "' + o.name + '" being used both with Add and by the Report command');
        let fn = o.filename || o.name + '.txt';
        if (path2.isAbsolute(fn)) { /* as is */ }
        else if (fn.startsWith('./') || fn.startsWith('../')) fn = fs.existsSync(path2.dirname(path2.join(scriptDir, fn))) ? path2.join(scriptDir, fn) : path2.join(ctx.outputPath, fn);
        else fn = path2.join(ctx.outputPath, fn);
        if (!fs.existsSync(path2.dirname(fn))) at(o, 'The directory of ReportFile "' + o.name + '" Filename "' + fn + '" does not exist');
        o.path = fn;
      }
    }
  }
}
module.exports = { parse };
