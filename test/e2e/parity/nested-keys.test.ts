// Nested override keys on the REAL GmatConsole (GMAT decides what a field path means):
// owned-object paths, resource references, Array elements, Variables, list values, and
// GMAT's own refusal of a path it does not know.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GmatInstall } from '../../../gmat/install';
import { GmatRunError } from '../../../gmat/console';
import { runMission } from '../../../gmat/run-mission';
import type { Overrides } from '../../../sweep/overrides';
import { duckDbQuery } from '../../helpers/duckdb';
import { REPO_ROOT, runCli, tempDir } from '../../helpers/temporal';
import { realGmat } from './real-gmat';

const SCRIPT = path.join(REPO_ROOT, 'test', 'missions', 'nested_fields.script');
const root = tempDir('gsweep-nested-');
let install: GmatInstall;
beforeAll(async () => {
  install = await realGmat();
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

async function run(overrides: Overrides) {
  const runDirectory = path.join(root, `run-${n++}`);
  const result = await runMission({ scriptText: fs.readFileSync(SCRIPT, 'utf8'), overrides, runId: 0, runDirectory, install, timeoutMs: 120_000 });
  return { result, runDirectory };
}

async function finalSma(file: string): Promise<number> {
  const rows = await duckDbQuery(`SELECT "Sat.Earth.SMA" AS sma FROM '${file}' ORDER BY "Sat.ElapsedSecs" DESC LIMIT 1`);
  return rows[0]!.sma as number;
}

describe('nested field paths on real GMAT', () => {
  it('FM.GravityField.Earth.Degree/Order override the owned gravity field (over a delayed script line) like Prop.FM = an equivalent model', async () => {
    const base = await run({});
    const nested = await run({ 'PointMass.GravityField.Earth.Degree': 2, 'PointMass.GravityField.Earth.Order': 0 });
    const swapped = await run({ 'Prop.FM': 'J2Only' });
    const [b, x, s] = await Promise.all([base, nested, swapped].map((r) => finalSma(r.result.tables['report__Track']!.path)));
    // Base and override differ by metres of osculating SMA after 3000 s; the override and
    // the equivalent model agree to the last bit.
    expect(Math.abs(x - b)).toBeGreaterThan(1e-3);
    expect(x).toBe(s);
    const patched = fs.readFileSync(path.join(nested.runDirectory, 'patched.script'), 'utf8');
    expect(patched).toContain('GMAT PointMass.GravityField.Earth.Degree = 2;\nGMAT PointMass.GravityField.Earth.Order = 0;\n');
    expect(fs.readFileSync(path.join(swapped.runDirectory, 'patched.script'), 'utf8')).toContain("GMAT Prop.FM = 'J2Only';");
  });

  it('Array elements (2-D and 1-D form), Variable.Value and a list value reach GMAT', async () => {
    const { result } = await run({ 'Gains(3,1)': 7, 'Row(2)': 9, 'Scale.Value': 3, 'Sat.OrbitColor': '[255 0 0]', 'PointMass.PointMasses': '{Luna}' });
    const rows = await duckDbQuery(`SELECT * FROM '${result.tables['report__Values']!.path}'`);
    expect(rows).toEqual([{ 'Gains(1,1)': 0, 'Gains(2,1)': 5, 'Gains(3,1)': 7, 'Row(1,2)': 9, Scale: 3 }]);
  });

  it('a nested path GMAT does not know fails the run with GMAT\'s own line', async () => {
    let error: unknown;
    try {
      await run({ 'PointMass.GravityField.Earth.Bogus': 2 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(GmatRunError);
    expect((error as Error).message).toContain('The field name "GravityField.Earth.Bogus" on object "PointMass" is not permitted');
  });

  it('gsweep run-one --set with a nested key (the issue\'s example) runs', async () => {
    const out = path.join(root, 'cli');
    const r = await runCli(['run-one', SCRIPT, '--set', 'PointMass.GravityField.Earth.Degree=2', '--out', out], { env: { GMAT_ROOT: install.root } });
    expect(r.stderr).toContain('gsweep: run ok');
    expect(r.code).toBe(0);
  });

  it('an Array element out of the declared size is refused before GMAT runs, naming the key', async () => {
    const out = path.join(root, 'cli-bad');
    const r = await runCli(['run-one', SCRIPT, '--set', 'Gains(1,2)=1', '--out', out], { env: { GMAT_ROOT: install.root } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('override "Gains(1,2)" = 1: index (1,2) is outside Gains[3,1]');
    expect(fs.existsSync(out)).toBe(false);
  });
});
