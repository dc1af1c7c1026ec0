/**
 * Values and names that would lose data or fail every run later, refused up front (exit 2,
 * one sentence, nothing created): override values and axis steps that are not finite,
 * duplicate keys in a JSON samples row, and script outputs named like gsweep's own files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findDuplicateJsonKey } from '../../../request/samples';
import { prepareRequest } from '../../../request/request';
import { validateSpec } from '../../../sweep/random/distributions';
import { MISSIONS, runCli, tempDir } from '../../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const ENV = { GMAT_ROOT: '' };
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function work(): string {
  const d = fs.realpathSync(tempDir('gsweep-values-'));
  roots.push(d);
  return d;
}
function leoWith(before: string[], after: string[] = []): string {
  const text = fs.readFileSync(LEO, 'utf8');
  return text.replace('BeginMissionSequence;', `${before.join('\n')}\nBeginMissionSequence;`).trimEnd() + '\n' + after.join('\n') + '\n';
}

const cases: { name: string; setup?: (cwd: string) => void; args: string[]; message: string | RegExp }[] = [
  // Not finite: an axis whose step overflows, draws that overflow, samples cells past a double.
  { name: 'a linspace axis whose step overflows', args: ['run', LEO, '--grid', 'Sat.SMA=1e308:-1e308:3'], message: '--grid "Sat.SMA=1e308:-1e308:3": the step (HI - LO) / (COUNT - 1) of 1e+308:-1e+308:3 is not a finite number' },
  { name: 'a linspace axis whose step overflows upwards', args: ['run', LEO, '--grid', 'Sat.ECC=-1.7e308:1.7e308:5'], message: 'is not a finite number (HI - LO overflows a double)' },
  { name: 'a list value that is infinite', args: ['run', LEO, '--grid', 'Sat.SMA=7000,inf'], message: '--grid "Sat.SMA=7000,inf": value "inf" is not a finite number' },
  { name: 'a uniform perturbation whose width overflows', args: ['monte-carlo', LEO, '--n', '3', '--seed', '1', '--perturb', 'Sat.SMA=uniform:-1e308:1e308'], message: 'draws would not be finite numbers (hi - lo = 1e+308 - (-1e+308) overflows a double)' },
  { name: 'a normal perturbation whose tail overflows', args: ['lhs', LEO, '--n', '3', '--seed', '1', '--perturb', 'Sat.SMA=normal:0:1e308'], message: 'draws would not be finite numbers (mu +- 10 sigma overflows a double)' },
  { name: 'a lognormal perturbation whose exp overflows', args: ['monte-carlo', LEO, '--n', '3', '--seed', '1', '--perturb', 'Sat.SMA=lognormal:700:5'], message: 'draws would not be finite numbers (exp(mu + 10 sigma) overflows a double)' },
  { name: 'a CSV cell past a double', setup: (cwd) => fs.writeFileSync(path.join(cwd, 's.csv'), 'Sat.SMA\n7000\n1e400\n'), args: ['run', LEO, '--samples', 's.csv'], message: /samples\[1\]\.Sat\.SMA: override "Sat\.SMA" = (null|Infinity|NaN|"?1e400"?)[^\n]*finite/ },
  { name: 'a JSON number past a double', setup: (cwd) => fs.writeFileSync(path.join(cwd, 's.json'), '[{"Sat.SMA": 7000}, {"Sat.SMA": -1e999}]'), args: ['run', LEO, '--samples', 's.json'], message: /samples\[1\]\.Sat\.SMA: override "Sat\.SMA" = -Infinity: values must be finite numbers/ },
  // Duplicate keys in a JSON row: JSON.parse would keep only the last.
  { name: 'a duplicate key in a JSON row', setup: (cwd) => fs.writeFileSync(path.join(cwd, 's.json'), '[{"Sat.SMA": 7000}, {"Sat.SMA": 7000, "Sat.SMA": 7100}]'), args: ['run', LEO, '--samples', 's.json'], message: 'row 1 has key "Sat.SMA" twice (JSON keeps only the last value); give each override key once per row' },
  { name: 'a duplicate key spelled with an escape', setup: (cwd) => fs.writeFileSync(path.join(cwd, 's.json'), '[{"Sat.ECC": 0.1, "Sat.\\u0045CC": 0.2}]'), args: ['run', LEO, '--samples', 's.json'], message: 'row 0 has key "Sat.ECC" twice' },
  // Outputs named like gsweep's own files.
  { name: 'a ReportFile named like a table', setup: (cwd) => fs.writeFileSync(path.join(cwd, 'm.script'), leoWith(["GMAT Track.Filename = 'report__Track.parquet';"])), args: ['run', 'm.script', '--grid', 'Sat.SMA=7000,7100'], message: 'would be written as "report__Track.parquet", a name the run directory uses for itself' },
  { name: 'a ReportFile named like a table in another case', setup: (cwd) => fs.writeFileSync(path.join(cwd, 'm.script'), leoWith(["GMAT Track.Filename = 'out/EPHEMERIS__X.PARQUET';"])), args: ['run', 'm.script', '--grid', 'Sat.SMA=7000,7100'], message: 'would be written as "EPHEMERIS__X.PARQUET", a name the run directory uses for itself' },
  { name: 'SaveMission named like the outcome', setup: (cwd) => fs.writeFileSync(path.join(cwd, 'm.script'), leoWith([], ["SaveMission 'outcome.json';"])), args: ['run', 'm.script', '--grid', 'Sat.SMA=7000,7100'], message: "saves the mission as \"outcome.json\", a name the run directory uses for itself" },
  { name: 'SaveMission named like a table', setup: (cwd) => fs.writeFileSync(path.join(cwd, 'm.script'), leoWith([], ["SaveMission 'report__Track.parquet';"])), args: ['run', 'm.script', '--grid', 'Sat.SMA=7000,7100'], message: 'saves the mission as "report__Track.parquet"' },
];

describe('refused up front: exit 2, one sentence, nothing created', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const cwd = work();
      c.setup?.(cwd);
      const r = await runCli([...c.args, '--engine', 'stand-in', '--out', 'o'], { cwd, env: ENV, timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(2);
      if (typeof c.message === 'string') expect(r.stderr).toContain(c.message);
      else expect(r.stderr).toMatch(c.message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(path.join(cwd, 'o'))).toBe(false);
    });
  }
});

describe('the same rules for programmatic requests', () => {
  it('a linspace axis object with an overflowing step', async () => {
    await expect(prepareRequest({ script: LEO, grid: { 'Sat.SMA': { lo: -1e308, hi: 1e308, count: 2 } }, engine: 'stand-in' })).rejects.toThrow(
      'grid.Sat.SMA: the step (HI - LO) / (COUNT - 1) of -1e+308:1e+308:2 is not a finite number',
    );
  });
  it('a perturbation spec whose draws overflow', () => {
    expect(() => validateSpec('Sat.SMA', ['uniform', -Number.MAX_VALUE, Number.MAX_VALUE])).toThrow('draws would not be finite numbers');
    expect(validateSpec('Sat.SMA', ['normal', 7000, 10])).toEqual(['normal', 7000, 10]);
  });
  it('a SaveMission with a plain, harmless name is still accepted', async () => {
    const cwd = work();
    fs.writeFileSync(path.join(cwd, 'm.script'), leoWith([], ["SaveMission 'saved_mission.script';"]));
    const prepared = await prepareRequest({ script: 'm.script', grid: { 'Sat.SMA': [7000] }, engine: 'stand-in', out: 'o' }, cwd);
    expect(prepared.input.runCount).toBe(1);
  });
});

describe('duplicate JSON keys', () => {
  it('are found per object, with the top-level row they are in', () => {
    expect(findDuplicateJsonKey('[{"a": 1, "b": 2}, {"a": 1, "b": {"x": [1, "a", {"a": 2}]}, "a": 3}]')).toEqual({ row: 1, key: 'a' });
    expect(findDuplicateJsonKey('[{"a": 1}, {"a": "x\\"a\\"", "b": "a"}]')).toBeUndefined();
    expect(findDuplicateJsonKey('[{"k": {"n": 1, "n": 2}}]')).toEqual({ row: 0, key: 'n' });
  });
});
