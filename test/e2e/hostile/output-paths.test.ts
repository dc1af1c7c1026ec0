/**
 * Class 1 of docs/security.md: no override and no mission-sequence statement may choose where GMAT
 * writes. Pure checks first (fast), then the CLI paths a user takes (--grid, --samples,
 * monte-carlo, run-one): exit 2, the key named, nothing created.
 *
 * What real GMAT does with these spellings was checked by hand with GmatConsole R2026a
 * (docs/security.md): field names are case-sensitive, EphemerisFile's deprecated `FileName`
 * is honoured, a mission-sequence `Track.Filename = ...` retargets the file, `Create` after
 * BeginMissionSequence is a parse error, `SaveMission '/abs'` writes there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScript, patchScript, validateOverridesForScript } from '../../../gmat/script';
import { outputPathFieldReason } from '../../../sweep/output-fields';
import { MISSIONS, runCli, tempDir } from '../../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const LEO_TEXT = fs.readFileSync(LEO, 'utf8');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function work(): string {
  const d = fs.realpathSync(tempDir('gsweep-hostile-'));
  roots.push(d);
  return d;
}
/** LEO with extra statements before BeginMissionSequence and after the last command. */
function leoWith(before: string[], after: string[] = []): string {
  return LEO_TEXT.replace('BeginMissionSequence;', `${before.join('\n')}\nBeginMissionSequence;`).trimEnd() + '\n' + after.join('\n') + '\n';
}
const RESOURCES = [
  { name: 'Sat', type: 'Spacecraft' },
  { name: 'Track', type: 'ReportFile' },
  { name: 'Eph', type: 'EphemerisFile' },
  { name: 'Contacts', type: 'ContactLocator' },
  { name: 'Shadow', type: 'EclipseLocator' },
  { name: 'DC', type: 'DifferentialCorrector' },
  { name: 'Opt', type: 'FminconOptimizer' },
  { name: 'Fn', type: 'GmatFunction' },
  { name: 'FM', type: 'ForceModel' },
];

describe('outputPathFieldReason: by resource type and field path', () => {
  it.each([
    ['ReportFile', ['Filename']],
    ['ReportFile', ['filename']],
    ['ReportFile', ['FILENAME']],
    ['ReportFile', ['FullPathFileName']],
    ['ReportFile', ['AppendToExistingFile']],
    ['EphemerisFile', ['FileName']],
    ['ContactLocator', ['Filename']],
    ['EclipseLocator', ['Filename']],
    ['DifferentialCorrector', ['ReportFile']],
    ['Yukon', ['ReportFile']],
    ['GmatFunction', ['FunctionPath']],
    ['TrackingFileSet', ['FileName']],
    ['Simulator', ['SomeFutureOutputPath']],
    [undefined, ['GravityField', 'Earth', 'Filename']],
    ['SomePluginType', ['ReportFile']],
  ])('%s %j is an output path', (type, field) => {
    expect(outputPathFieldReason(type, field)).toMatch(/writes a file|executes|names a file or directory/);
  });
  it.each([
    ['Spacecraft', ['SMA']],
    ['ReportFile', ['WriteHeaders']],
    ['ForceModel', ['GravityField', 'Earth', 'Degree']],
    ['Variable', ['Value']],
    ['Spacecraft', ['Epoch']],
  ])('%s %j is not', (type, field) => {
    expect(outputPathFieldReason(type, field)).toBeNull();
  });
});

describe('validateOverridesForScript refuses output-path overrides, naming the key', () => {
  it.each([
    ['Track.Filename', '/some/where/else.txt', '"Filename" of a ReportFile chooses where GMAT writes a file'],
    ['Track.Filename', '../../x.txt', '"Filename" of a ReportFile'],
    ['Track.filename', 'x.txt', '"filename" of a ReportFile'],
    ['Eph.FileName', '/tmp/e.oem', '"FileName" of a EphemerisFile'],
    ['Contacts.Filename', '/tmp/c.txt', 'ContactLocator'],
    ['Shadow.Filename', '/tmp/s.txt', 'EclipseLocator'],
    ['DC.ReportFile', '/tmp/dc.txt', '"ReportFile" of a DifferentialCorrector'],
    ['Opt.ReportFile', '/tmp/o.txt', 'FminconOptimizer'],
    ['Fn.FunctionPath', '/tmp/evil.gmf', 'names a file GMAT executes'],
    ['Track.AppendToExistingFile', true, 'AppendToExistingFile'],
    // Nested keys (parity's key syntax): judged by the resource's type and the whole field path.
    ['FM.Drag.Filename', '/tmp/d.txt', 'Filename'],
    ['Sat.Thruster1.ReportFile', '/tmp/t.txt', 'ReportFile'],
  ])('%s = %j', (key, value, reason) => {
    let message = '';
    try {
      validateOverridesForScript(RESOURCES, { [key]: value });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`override "${key}" = ${JSON.stringify(value)}: `);
    expect(message).toContain(reason);
    expect(message).toContain('output paths cannot be overridden: remove this key');
  });
  it('still accepts ordinary fields', () => {
    expect(() => validateOverridesForScript(RESOURCES, { 'Sat.SMA': 7100, 'Track.WriteHeaders': 'On' })).not.toThrow();
  });
});

describe('scripts that retarget outputs are refused', () => {
  const refused = (text: string) => {
    try {
      parseScript(text);
    } catch (err) {
      return (err as Error).message;
    }
    return 'accepted';
  };
  it('a Filename set inside the mission sequence (GMAT honours it at run time), with or without GMAT', () => {
    expect(refused(leoWith([], ["GMAT Track.Filename = '/tmp/x.txt';"]))).toContain('changes an output file inside the mission sequence');
    expect(refused(leoWith([], ["Track.Filename = '/tmp/x.txt';"]))).toContain('changes an output file inside the mission sequence');
  });
  it('a solver ReportFile set inside the mission sequence', () => {
    expect(refused(leoWith(['Create DifferentialCorrector DC;'], ["DC.ReportFile = 'dc.txt';"]))).toContain('"ReportFile" of a DifferentialCorrector');
  });
  it('Create after BeginMissionSequence (a GMAT parse error too)', () => {
    expect(refused(leoWith([], ['Create ReportFile R2;']))).toContain('creates a resource inside the mission sequence');
  });
  it('SaveMission to a path with a directory part; a plain name is fine', () => {
    expect(refused(leoWith([], ["SaveMission '/tmp/saved.script';"]))).toContain('saves the mission to a path with a directory part');
    expect(refused(leoWith([], ["SaveMission 'saved.script';"]))).toBe('accepted');
  });
  it('an unredirected writer (optimizer report, EclipseLocator) with a directory part', () => {
    expect(refused(leoWith(['Create FminconOptimizer Opt;', "Opt.ReportFile = '/tmp/opt.txt';"]))).toContain(
      'the file would be written outside the run directory',
    );
    expect(refused(leoWith(['Create EclipseLocator Ecl;', "Ecl.Filename = '../../ecl.txt';"]))).toContain(
      'the file would be written outside the run directory',
    );
    expect(refused(leoWith(['Create FminconOptimizer Opt;', "Opt.ReportFile = 'opt.txt';"]))).toBe('accepted');
  });
  it("a DifferentialCorrector's ReportFile with a directory part is redirected into the run directory (solver results)", () => {
    const text = leoWith(['Create DifferentialCorrector DC;', "DC.ReportFile = '/tmp/elsewhere/dc.txt';"]);
    expect(refused(text)).toBe('accepted');
    const patched = patchScript(text, {}, '/runs/run-0');
    expect(patched.solvers.find((s) => s.name === 'DC')?.path).toBe('/runs/run-0/dc.txt');
    expect(patched.text).toContain("GMAT DC.ReportFile = '/runs/run-0/dc.txt';");
    // The script's own line stays, but the pinned one comes after it, so GMAT writes into the run directory.
    expect(patched.text.lastIndexOf('/runs/run-0/dc.txt')).toBeGreaterThan(patched.text.lastIndexOf('/tmp/elsewhere/dc.txt'));
  });
  it("EphemerisFile's deprecated FileName is redirected into the run directory like Filename", () => {
    const text = leoWith(['Create EphemerisFile Eph;', 'Eph.Spacecraft = Sat;', "Eph.FileName = '/tmp/elsewhere/e.oem';"]);
    const patched = patchScript(text, {}, '/runs/run-0');
    expect(patched.outputs.find((o) => o.name === 'Eph')?.path).toBe('/runs/run-0/e.oem');
    expect(patched.text).toContain("Eph.FileName = '/runs/run-0/e.oem';");
    expect(patched.text).not.toContain('/tmp/elsewhere');
  });
});

describe('the CLI refuses them before anything starts (exit 2, key named, nothing created)', () => {
  const ENV = { GMAT_ROOT: '' };
  it('run --grid Track.Filename=/abs', async () => {
    const cwd = work();
    const r = await runCli(['run', LEO, '--grid', `Track.Filename=${cwd}/else.txt`, '--engine', 'stand-in', '--out', 'o'], { cwd, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`gsweep: error: grid.Track.Filename: override "Track.Filename" = "${cwd}/else.txt": "Filename" of a ReportFile chooses where GMAT writes a file`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readdirSync(cwd)).toEqual([]);
  });
  it('run --samples with a ../ Filename column', async () => {
    const cwd = work();
    fs.writeFileSync(path.join(cwd, 's.csv'), 'Sat.SMA,Track.Filename\n7000,../../x.txt\n');
    const r = await runCli(['run', LEO, '--samples', 's.csv', '--engine', 'stand-in', '--out', 'o'], { cwd, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('samples[0].Track.Filename: override "Track.Filename" = "../../x.txt"');
    expect(fs.existsSync(path.join(cwd, 'o'))).toBe(false);
  });
  it('run-one --set Track.Filename=...', async () => {
    const cwd = work();
    const r = await runCli(['run-one', LEO, '--set', 'Track.Filename=/tmp/x.txt', '--engine', 'stand-in', '--out', 'o'], { cwd, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('override "Track.Filename" = "/tmp/x.txt": "Filename" of a ReportFile chooses where GMAT writes a file');
    expect(fs.existsSync(path.join(cwd, 'o'))).toBe(false);
  });
  it('two ReportFiles with the same basename', async () => {
    const cwd = work();
    fs.writeFileSync(path.join(cwd, 'two.script'), leoWith(['Create ReportFile Track2;', "Track2.Filename = 'sub/track.txt';", 'Track2.Add = {Sat.A1ModJulian};']));
    const r = await runCli(['run', 'two.script', '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', 'o'], { cwd, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('outputs Track and Track2 would both be written to "track.txt" in the run directory');
  });
});
