import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OverrideError, type Overrides } from '../../sweep/overrides';
import {
  ScriptError,
  checkScript,
  parseScript,
  patchScript,
  tokenize,
  validateOverridesForScript,
} from '../../gmat/script';

const SHARED = path.resolve(__dirname, '../../../shared');
const mission = (name: string) => fs.readFileSync(path.join(SHARED, 'missions', `${name}.script`), 'utf8');
const FIXTURE_RUN_DIR = '/data/sweep/runs/run-0';
const RUN_DIR = '/srv/out/sweep-1/runs/run-42';
const fixture = (m: string, c: string) =>
  fs.readFileSync(path.join(SHARED, 'fixtures/gmat-runs', m, c, 'patched.script'), 'utf8').split(FIXTURE_RUN_DIR).join(RUN_DIR);

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('patchScript: golden patched scripts (byte-identical to real GmatConsole runs)', () => {
  const cases: [string, string, Overrides][] = [
    ['leo_point_mass', 'nominal', {}],
    ['leo_point_mass', 'sma7100', { 'Sat.SMA': 7100 }],
    ['leo_point_mass', 'epoch', { 'Sat.Epoch': '21 Mar 2026 00:00:00.000' }],
    ['leo_point_mass', 'sma0', { 'Sat.SMA': 0 }],
    ['leo_point_mass', 'ecc1_5', { 'Sat.ECC': 1.5 }],
    ['leo_point_mass', 'badfield', { 'Sat.NotAField': 3 }],
    ['geo_drift', 'nominal', {}],
    ['coast_and_burn', 'nominal', {}],
    // The fixture has `Kick.Element1 = 1.0`: a JS number cannot say "1.0", a real-literal string can.
    ['coast_and_burn', 'coast2400_kick1', { 'CoastTime.Value': 2400, 'Kick.Element1': '1.0' }],
  ];
  it.each(cases)('%s / %s', (m, c, overrides) => {
    const r = patchScript(mission(m), overrides, RUN_DIR);
    expect(r.text).toBe(fixture(m, c));
  });

  it('reports the outputs with absolute paths in the run directory', () => {
    expect(patchScript(mission('leo_point_mass'), {}, RUN_DIR).outputs).toEqual([
      { name: 'Track', type: 'ReportFile', kind: 'report', path: `${RUN_DIR}/track.txt` },
    ]);
    expect(patchScript(mission('coast_and_burn'), {}, RUN_DIR + '/').outputs).toEqual([
      { name: 'Trajectory', type: 'ReportFile', kind: 'report', path: `${RUN_DIR}/trajectory.txt` },
      { name: 'Final', type: 'ReportFile', kind: 'report', path: `${RUN_DIR}/final.txt` },
    ]);
  });

  it('geo_drift with overrides (no fixture): lines directly before BeginMissionSequence, in the given order', () => {
    const src = mission('geo_drift');
    const r = patchScript(src, { 'Geo.SMA': 42166.5, 'Geo.Epoch': '02 Jul 2026 00:00:00.000', 'Slow.InitialStepSize': 1e-7 }, RUN_DIR);
    const expected = src
      .replace("GMAT Drift.Filename     = 'drift.txt';", `GMAT Drift.Filename     = '${RUN_DIR}/drift.txt';`)
      .replace(
        'BeginMissionSequence;',
        "GMAT Geo.SMA = 42166.5;\nGMAT Geo.Epoch = '02 Jul 2026 00:00:00.000';\nGMAT Slow.InitialStepSize = 1e-7;\nBeginMissionSequence;",
      );
    expect(r.text).toBe(expected);
  });

  it('coast_and_burn with a boolean and a number override', () => {
    const r = patchScript(mission('coast_and_burn'), { 'CoastTime.Value': 3600.5, 'Final.WriteHeaders': false }, RUN_DIR);
    expect(r.text).toContain('GMAT Final.WriteHeaders = On;\n\nGMAT CoastTime = 3600.5;\nGMAT Final.WriteHeaders = false;\nBeginMissionSequence;\n');
  });
});

describe('patchScript: default file names and edge cases', () => {
  it('inserts a Filename line for outputs that rely on the default name', () => {
    const src = [
      'Create Spacecraft Sat',
      'Create ReportFile RF',
      'Create EphemerisFile EF',
      'Create ContactLocator CL',
      'Create EphemerisFile Spk',
      'Spk.FileFormat = SPK',
      'BeginMissionSequence',
      'Propagate P(Sat)',
      '',
    ].join('\n');
    const r = patchScript(src, { 'Sat.SMA': 7000 }, '/r');
    expect(r.text).toBe(
      [
        'Create Spacecraft Sat',
        'Create ReportFile RF',
        'Create EphemerisFile EF',
        'Create ContactLocator CL',
        'Create EphemerisFile Spk',
        'Spk.FileFormat = SPK',
        "GMAT RF.Filename = '/r/RF.txt';",
        "GMAT EF.Filename = '/r/EF.oem';",
        "GMAT CL.Filename = '/r/CL.txt';",
        "GMAT Spk.Filename = '/r/Spk.bsp';",
        'GMAT Sat.SMA = 7000;',
        'BeginMissionSequence',
        'Propagate P(Sat)',
        '',
      ].join('\n'),
    );
    expect(r.outputs.map((o) => [o.name, o.kind, o.path])).toEqual([
      ['RF', 'report', '/r/RF.txt'],
      ['EF', 'ephemeris', '/r/EF.oem'],
      ['CL', 'contact', '/r/CL.txt'],
      ['Spk', 'ephemeris', '/r/Spk.bsp'],
    ]);
  });

  it('rewrites every Filename assignment before BMS, drops sub-directories, keeps CRLF', () => {
    const src = "Create ReportFile RF;\r\nRF.Filename = 'a/first.txt'; % first\r\nGMAT RF.Filename = ../out/r.txt\r\nBeginMissionSequence;\r\n";
    const r = patchScript(src, {}, '/r');
    expect(r.text).toBe("Create ReportFile RF;\r\nRF.Filename = '/r/r.txt'; % first\r\nGMAT RF.Filename = '/r/r.txt'\r\nBeginMissionSequence;\r\n");
    expect(r.outputs[0]!.path).toBe('/r/r.txt');
  });

  it('rejects basename collisions between outputs and with run-directory files', () => {
    const src = "Create ReportFile A B;\nA.Filename = 'x/out.txt';\nB.Filename = 'y/out.txt';\nBeginMissionSequence;\n";
    const e = errorOf(() => patchScript(src, {}, '/r'));
    expect(e).toBeInstanceOf(ScriptError);
    expect(e.message).toBe('outputs A and B would both be written to "out.txt" in the run directory; give them different Filename basenames');
    const e2 = errorOf(() => patchScript("Create ReportFile A;\nA.Filename = 'GmatLog.txt';\nBeginMissionSequence;\n", {}, '/r'));
    expect(e2.message).toContain('a name the run directory uses for itself');
  });

  it('keeps paths inside the run directory', () => {
    expect(errorOf(() => patchScript(mission('leo_point_mass'), {}, '/data/runs/../etc')).message).toContain('must be normalised');
    expect(errorOf(() => patchScript(mission('leo_point_mass'), {}, 'runs/run-0')).message).toContain('must be an absolute path');
    expect(errorOf(() => patchScript(mission('leo_point_mass'), {}, "/r/it's")).message).toContain('contains a character');
    const e = errorOf(() => patchScript("Create ReportFile A;\nA.Filename = '../..';\nBeginMissionSequence;\n", {}, '/r'));
    expect(e.message).toBe('output A: Filename "../.." has no file name part');
  });

  it('rejects a Filename change inside the mission sequence and #Include', () => {
    const src = "Create ReportFile A;\nBeginMissionSequence;\nA.Filename = '/tmp/evil.txt';\n";
    expect(errorOf(() => patchScript(src, {}, '/r')).message).toContain('script line 3:');
    expect(errorOf(() => patchScript("#Include 'more.script'\nBeginMissionSequence;\n", {}, '/r')).message).toContain(
      '#Include is not supported',
    );
  });

  it('splits a line where BeginMissionSequence follows another statement', () => {
    const r = patchScript('Create Spacecraft Sat; BeginMissionSequence;\n', { 'Sat.SMA': 7000 }, '/r');
    expect(r.text).toBe('Create Spacecraft Sat;\nGMAT Sat.SMA = 7000;\nBeginMissionSequence;\n');
  });

  it('drops a UTF-8 byte-order mark', () => {
    expect(patchScript('\uFEFFCreate Spacecraft Sat\nBeginMissionSequence\n', {}, '/r').text).toBe('Create Spacecraft Sat\nBeginMissionSequence\n');
  });
});

describe('overrides against the script', () => {
  const resources = parseScript(mission('coast_and_burn')).resources;

  it('lists the resources', () => {
    expect(resources.map((r) => `${r.type} ${r.name}`)).toEqual([
      'Spacecraft Probe',
      'Variable CoastTime',
      'ImpulsiveBurn Kick',
      'ForceModel TwoBody',
      'Propagator Coast',
      'ReportFile Trajectory',
      'ReportFile Final',
    ]);
  });

  it('rejects an unknown resource, listing the ones that exist', () => {
    const e = errorOf(() => validateOverridesForScript(resources, { 'Sat.SMA': 7000 }));
    expect(e).toBeInstanceOf(OverrideError);
    expect(e.message).toBe(
      'override "Sat.SMA" = 7000: the script creates no resource named "Sat"; resources in the script: ' +
        'Probe (Spacecraft), CoastTime (Variable), Kick (ImpulsiveBurn), TwoBody (ForceModel), Coast (Propagator), ' +
        'Trajectory (ReportFile), Final (ReportFile)',
    );
  });

  it('allows .Value only on Variables, and Variables only through .Value with numbers', () => {
    expect(errorOf(() => validateOverridesForScript(resources, { 'Kick.Value': 1 })).message).toBe(
      'override "Kick.Value" = 1: ".Value" addresses a script Variable, but "Kick" is a ImpulsiveBurn; Variables in the script: CoastTime',
    );
    expect(errorOf(() => validateOverridesForScript(resources, { 'CoastTime.Foo': 1 })).message).toBe(
      'override "CoastTime.Foo" = 1: "CoastTime" is a Variable; address it as "CoastTime.Value"',
    );
    expect(errorOf(() => validateOverridesForScript(resources, { 'CoastTime.Value': 'long' })).message).toBe(
      'override "CoastTime.Value" = "long": a Variable holds a real number; give a number',
    );
    expect(() => validateOverridesForScript(resources, { 'CoastTime.Value': 1, 'Kick.Element1': 0.5 })).not.toThrow();
  });

  it('nested paths: the first segment must be a created resource; Arrays by element within their size', () => {
    const src = [
      'Create Spacecraft Sat; Create ForceModel FM; Create Propagator Prop;',
      'Create Array A[3,1] B[2,2]; Create Array C[4]; Create Variable V;',
      'BeginMissionSequence;',
    ].join('\n');
    const rs = parseScript(src).resources;
    expect(rs.filter((r) => r.type === 'Array').map((r) => [r.name, r.dims])).toEqual([
      ['A', [3, 1]],
      ['B', [2, 2]],
      ['C', [1, 4]],
    ]);
    expect(() =>
      validateOverridesForScript(rs, {
        'FM.GravityField.Earth.Degree': 4,
        'Prop.FM': 'FM',
        'FM.PrimaryBodies': '{Earth, Luna}',
        'Sat.OrbitColor': '[255 0 0]',
        'A(3,1)': 7,
        'C(4)': 1.5,
        'V.Value': 2,
      }),
    ).not.toThrow();
    expect(errorOf(() => validateOverridesForScript(rs, { 'Fm.GravityField.Earth.Degree': 4 })).message).toContain(
      'the script creates no resource named "Fm"',
    );
    expect(errorOf(() => validateOverridesForScript(rs, { 'A(1,2)': 1 })).message).toBe(
      'override "A(1,2)" = 1: index (1,2) is outside A[3,1]; use indices within the declared size',
    );
    expect(errorOf(() => validateOverridesForScript(rs, { 'A(3)': 1 })).message).toBe(
      'override "A(3)" = 1: index (1,3) is outside A[3,1] (GMAT reads the 1-D form A(k) as A(1,k)); use indices within the declared size',
    );
    expect(errorOf(() => validateOverridesForScript(rs, { 'A(1,1)': 'x' })).message).toBe(
      'override "A(1,1)" = "x": an Array element holds a real number; give a number',
    );
    expect(errorOf(() => validateOverridesForScript(rs, { 'V(1)': 1 })).message).toBe(
      'override "V(1)" = 1: "V" is a Variable, not an Array; only Array elements are addressed as "Name(row,col)"; write "V.Value"',
    );
    expect(errorOf(() => validateOverridesForScript(rs, { 'B.Value': 1 })).message).toBe(
      'override "B.Value" = 1: "B" is an Array[2,2]; GMAT sets it one element at a time, so override elements as "B(row,col)", e.g. "B(1,1)"',
    );
    expect(errorOf(() => validateOverridesForScript(rs, { 'V.Value.X': 1 })).message).toBe(
      'override "V.Value.X" = 1: "V" is a Variable; address it as "V.Value"',
    );
    const patched = patchScript(src, { 'FM.GravityField.Earth.Degree': 4, 'A(3,1)': 7, 'V.Value': 2, 'Prop.FM': 'FM' }, RUN_DIR).text;
    expect(patched).toContain(
      ["GMAT FM.GravityField.Earth.Degree = 4;", 'GMAT A(3,1) = 7;', 'GMAT V = 2;', "GMAT Prop.FM = 'FM';", 'BeginMissionSequence;'].join('\n'),
    );
  });

  it('pins solver iteration logs into the run directory, with MaximumIterations after overrides', () => {
    const src = [
      'Create DifferentialCorrector DC; DC.MaximumIterations = 7;',
      "Create DifferentialCorrector DC2; DC2.ReportFile = 'logs/dc2.data';",
      'Create ReportFile RF;',
      'BeginMissionSequence;',
    ].join('\n');
    const r = patchScript(src, { 'DC2.MaximumIterations': 3 }, RUN_DIR);
    expect(r.solvers).toEqual([
      { name: 'DC', type: 'DifferentialCorrector', path: `${RUN_DIR}/DifferentialCorrectorDC.data`, maxIterations: 7 },
      { name: 'DC2', type: 'DifferentialCorrector', path: `${RUN_DIR}/dc2.data`, maxIterations: 3 },
    ]);
    expect(r.text).toContain(`GMAT DC2.MaximumIterations = 3;\nGMAT DC.ReportFile = '${RUN_DIR}/DifferentialCorrectorDC.data';\nGMAT DC2.ReportFile = '${RUN_DIR}/dc2.data';\nBeginMissionSequence;`);
    // A solver's ReportFile is an output path: an override of it is refused before anything runs.
    expect(errorOf(() => patchScript(src, { 'DC.ReportFile': '/tmp/elsewhere.data' }, RUN_DIR)).message).toContain(
      'override "DC.ReportFile" = "/tmp/elsewhere.data": "ReportFile" of a DifferentialCorrector chooses where GMAT writes a file',
    );
    expect(errorOf(() => patchScript(src.replace("'logs/dc2.data'", "'RF.txt'"), {}, RUN_DIR)).message).toBe(
      'solver DC2 (DifferentialCorrector) would write its log as "RF.txt", a name output RF also uses; set DC2.ReportFile to another name',
    );
  });

  it.each([
    ['SMA', 1, 'has no dot'],
    ['Probe.Earth..SMA', 1, 'path segment 3 name ""'],
    ['Probe.Epoch', "01 Jan 2026'; Stop; '", "a quote (')"],
    ['Probe.Epoch', '1; Stop', "';'"],
    ['Probe.Epoch', '1 % x', "'%'"],
    ['Probe.Epoch', 'a\nStop', 'a newline'],
    ['Probe.SMA', NaN, 'finite numbers'],
    ['Probe.SMA', Infinity, 'finite numbers'],
  ] as [string, number | string, string][])('patchScript rejects %s = %s', (key, value, msg) => {
    const e = errorOf(() => patchScript(mission('coast_and_burn'), { [key]: value }, RUN_DIR));
    expect(e).toBeInstanceOf(OverrideError);
    expect(e.message).toContain(msg);
  });
});

describe('script syntax', () => {
  it('ignores BeginMissionSequence in comments and strings', () => {
    const src = [
      '% BeginMissionSequence in a comment',
      "Create ReportFile RF; RF.Filename = 'a%b.txt' % BeginMissionSequence",
      'BeginMissionSequence',
    ].join('\n');
    const p = parseScript(src);
    expect(p.bmsLine).toBe(3);
    expect(p.outputs[0]!.filename).toBe('a%b.txt');
    expect(errorOf(() => checkScript('% BeginMissionSequence\nCreate Spacecraft Sat\n')).message).toContain('no BeginMissionSequence');
  });

  it('handles ... continuations, missing GMAT keyword and missing ;', () => {
    const src = [
      'Create Spacecraft ...',
      '   Sat1 Sat2   % two at once',
      'Sat1.SMA = ...',
      '  7000',
      'GMAT Sat2.ECC = 0.1',
      'Create Array A[3,1], B[2]',
      'Create ReportFile RF',
      'RF.Add = {Sat1.X, ...',
      '          Sat2.X}',
      'BeginMissionSequence',
    ].join('\n');
    const st = tokenize(src);
    expect(st.map((s) => [s.line, s.endLine, s.body.replace(/\s+/g, ' ')])).toEqual([
      [1, 2, 'Create Spacecraft Sat1 Sat2'],
      [3, 4, 'Sat1.SMA = 7000'],
      [5, 5, 'Sat2.ECC = 0.1'],
      [6, 6, 'Create Array A[3,1], B[2]'],
      [7, 7, 'Create ReportFile RF'],
      [8, 9, 'RF.Add = {Sat1.X, Sat2.X}'],
      [10, 10, 'BeginMissionSequence'],
    ]);
    const p = parseScript(src);
    expect(p.resources.map((r) => `${r.type} ${r.name}`)).toEqual([
      'Spacecraft Sat1',
      'Spacecraft Sat2',
      'Array A',
      'Array B',
      'ReportFile RF',
    ]);
    const r = patchScript(src, { 'Sat2.SMA': 8000 }, '/r');
    expect(r.text.split('\n').slice(-3)).toEqual(["GMAT RF.Filename = '/r/RF.txt';", 'GMAT Sat2.SMA = 8000;', 'BeginMissionSequence']);
  });

  it('rejects non-ASCII with its line and column', () => {
    const e = errorOf(() => checkScript('Create Spacecraft Sat;\n% caf\u00e9\nBeginMissionSequence;\n'));
    expect(e).toBeInstanceOf(ScriptError);
    expect(e.message).toBe(
      'script line 2, column 6: non-ASCII character U+00E9; GMAT only reads ASCII scripts (replace it, comments included)',
    );
    expect((e as ScriptError).line).toBe(2);
  });

  it('accepts the shared missions', () => {
    for (const m of ['leo_point_mass', 'geo_drift', 'coast_and_burn']) expect(() => checkScript(mission(m))).not.toThrow();
  });
});
