// `gsweep run-one` end to end: a real CLI process (bin/gsweep.js) with the stand-in engine
// (a TEST DOUBLE of GmatConsole), exit codes 0 / 1 / 2 and the messages users see.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readParquetWithDuckDb } from '../helpers/duckdb';
import { MISSIONS, runCli, tempDir } from '../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
/** A fresh working directory (real path, as the CLI's process.cwd() reports it). */
function workDir(): string {
  const d = fs.realpathSync(tempDir('gsweep-run-one-'));
  roots.push(d);
  return d;
}
// No GMAT on the test machine may leak in through the environment.
const ENV = { GMAT_ROOT: '' };

describe('gsweep run-one: success', () => {
  it('runs leo_point_mass at Sat.SMA=7100 and prints where the table went', async () => {
    const cwd = workDir();
    const r = await runCli(['run-one', '--set', 'Sat.SMA=7100', '--out', './one', LEO, '--engine', 'stand-in'], { cwd, env: ENV });
    const out = path.join(cwd, 'one');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`report__Track: ${path.join(out, 'report__Track.parquet')} (91 rows)\n`);
    expect(r.stderr).toContain('gsweep: engine = stand-in (a test double of GmatConsole, not GMAT)');
    expect(r.stderr).toContain(`gsweep: run ok; outcome: ${path.join(out, 'outcome.json')}`);
    expect(fs.readdirSync(out).sort()).toEqual(['GmatLog.txt', 'gmat_startup_file.txt', 'outcome.json', 'patched.script', 'report__Track.parquet', 'track.txt']);
    const outcome = JSON.parse(fs.readFileSync(path.join(out, 'outcome.json'), 'utf8'));
    expect(outcome).toMatchObject({ run_id: 0, status: 'ok', overrides: { 'Sat.SMA': 7100 }, stderr: null, engine: { kind: 'stand-in' } });
    const back = await readParquetWithDuckDb(path.join(out, 'report__Track.parquet'));
    expect(back.rows).toHaveLength(91);
    for (const row of back.rows) expect(Math.abs((row['Sat.Earth.SMA'] as number) - 7100)).toBeLessThan(1e-6);
  });

  it('--json prints the outcome and nothing else on stdout', async () => {
    const cwd = workDir();
    const r = await runCli(['run-one', '--json', '--set', 'Sat.SMA=7000', '--out', 'j', LEO, '--engine', 'stand-in'], { cwd, env: ENV });
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout);
    // The file holds paths relative to the run directory; the printed outcome has them absolute.
    expect({ ...printed, output_paths: { report__Track: 'report__Track.parquet' }, log_path: 'GmatLog.txt' }).toEqual(
      JSON.parse(fs.readFileSync(path.join(cwd, 'j', 'outcome.json'), 'utf8')),
    );
    expect(printed).toMatchObject({
      status: 'ok',
      overrides: { 'Sat.SMA': 7000 },
      output_paths: { report__Track: path.join(cwd, 'j', 'report__Track.parquet') },
      tables: { report__Track: { rows: 91 } },
    });
  });

  it('accepts an existing empty --out directory and a string override', async () => {
    const cwd = workDir();
    fs.mkdirSync(path.join(cwd, 'empty'));
    const r = await runCli(['run-one', '--set', 'Sat.Epoch=21 Mar 2026 06:00:00.000', '--out', 'empty', LEO, '--engine', 'stand-in'], { cwd, env: ENV });
    expect(r.code, r.stderr).toBe(0);
    const back = await readParquetWithDuckDb(path.join(cwd, 'empty', 'report__Track.parquet'), 'time');
    expect((back.rows[0].time as { nanos: bigint }).nanos).toBe(BigInt(Date.parse('2026-03-21T06:00:00Z')) * 1_000_000n);
  });
});

describe('gsweep run-one: GMAT rejects the run (exit 1)', () => {
  it('Sat.SMA=0 exits 1 with GMAT\'s error lines and a failed outcome.json', async () => {
    const cwd = workDir();
    const r = await runCli(['run-one', '--set', 'Sat.SMA=0', '--out', 'bad', LEO, '--engine', 'stand-in'], { cwd, env: ENV });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('gsweep: run failed: GMAT rejected the run (exit 1)');
    expect(r.stderr).toContain('**** ERROR **** Utility Exception: The value of "0" for field "SMA" on object "Sat" is not an allowed value.');
    expect(r.stderr).toMatch(/" {1,2}\d+: GMAT Sat\.SMA = 0;"/);
    expect(r.stderr).toContain(`(log: ${path.join(cwd, 'bad', 'GmatLog.txt')})`);
    const outcome = JSON.parse(fs.readFileSync(path.join(cwd, 'bad', 'outcome.json'), 'utf8'));
    expect(outcome.status).toBe('failed');
    expect(outcome.stderr).toContain('**** ERROR ****');
  });

  it('with --json prints the failed outcome', async () => {
    const cwd = workDir();
    const r = await runCli(['run-one', '--json', '--set', 'Sat.SMA=0', '--out', 'bad', LEO, '--engine', 'stand-in'], { cwd, env: ENV });
    expect(r.code).toBe(1);
    const printed = JSON.parse(r.stdout);
    expect(printed).toMatchObject({ status: 'failed', overrides: { 'Sat.SMA': 0 }, output_paths: {} });
    expect(printed.stderr).toContain('field "SMA" on object "Sat"');
    expect(r.stderr).toContain('gsweep: run failed: GMAT rejected the run (exit 1)');
  });
});

describe('gsweep run-one: bad input (exit 2, nothing created)', () => {
  const cases: { what: string; args: (cwd: string) => string[]; message: string | RegExp; setup?: (cwd: string) => void }[] = [
    {
      what: 'unknown resource in a key',
      args: () => ['--set', 'Foo.SMA=7000', LEO],
      message:
        'gsweep: error: override "Foo.SMA" = 7000: the script creates no resource named "Foo"; resources in the script: Sat (Spacecraft), PointMass (ForceModel), Prop (Propagator), Track (ReportFile)',
    },
    {
      what: 'key without a dot',
      args: () => ['--set', 'SatSMA=7000', LEO],
      message:
        'gsweep: error: override key "SatSMA" has no dot: write it as "Resource.Field" (e.g. "Sat.SMA"), a nested field as "Resource.Owned.Field" (e.g. "FM.GravityField.Earth.Degree"); a script Variable is "SatSMA.Value"',
    },
    {
      what: 'nested key with an empty segment',
      args: () => ['--set', 'PointMass.GravityField..Degree=2', LEO],
      message: 'gsweep: error: override key "PointMass.GravityField..Degree": path segment 3 name "" is not a GMAT identifier (a letter, then letters, digits or underscores)',
    },
    {
      what: 'injection attempt with a quote and ";"',
      args: () => ['--set', "Sat.Epoch=x';GMAT Sat.SMA = 0", LEO],
      message: `gsweep: error: override "Sat.Epoch" = "x';GMAT Sat.SMA = 0": string values must not contain a quote (') (at index 1)`,
    },
    {
      what: 'injection attempt with a comment',
      args: () => ['--set', 'Sat.Epoch=01 Jan 2026%x', LEO],
      message: `gsweep: error: override "Sat.Epoch" = "01 Jan 2026%x": string values must not contain '%' (comment) (at index 11)`,
    },
    {
      what: 'missing script',
      args: (cwd) => ['--set', 'Sat.SMA=7000', path.join(cwd, 'nope.script')],
      message: /gsweep: error: script: ".*\/nope\.script" does not exist; give the path of a GMAT \.script file/,
    },
    {
      what: 'a directory for the script',
      args: () => ['--set', 'Sat.SMA=7000', MISSIONS],
      message: `gsweep: error: script: "${MISSIONS}" is not a file; give the path of a GMAT .script file`,
    },
    {
      what: '--set without "="',
      args: () => ['--set', 'Sat.SMA', LEO],
      message: 'gsweep: error: --set "Sat.SMA": missing "="; write NAME=value, e.g. Sat.SMA=7100',
    },
    {
      what: '--set with a non-finite number',
      args: () => ['--set', 'Sat.SMA=inf', LEO],
      message: 'gsweep: error: --set "Sat.SMA=inf": "inf" is not a finite number',
    },
  ];

  for (const c of cases) {
    it(c.what, async () => {
      const cwd = workDir();
      const r = await runCli(['run-one', '--out', 'o', ...c.args(cwd), '--engine', 'stand-in'], { cwd, env: ENV });
      expect(r.code, r.stderr).toBe(2);
      if (typeof c.message === 'string') expect(r.stderr).toContain(c.message);
      else expect(r.stderr).toMatch(c.message);
      expect(r.stdout).toBe('');
      expect(fs.existsSync(path.join(cwd, 'o'))).toBe(false);
    });
  }

  it('non-empty --out', async () => {
    const cwd = workDir();
    fs.mkdirSync(path.join(cwd, 'full'));
    fs.writeFileSync(path.join(cwd, 'full', 'keep.txt'), 'mine');
    const r = await runCli(['run-one', '--set', 'Sat.SMA=7000', '--out', 'full', LEO, '--engine', 'stand-in'], { cwd, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`gsweep: error: out: ${path.join(cwd, 'full')} is not empty; give a new directory (run-one replaces its contents)`);
    expect(fs.readdirSync(path.join(cwd, 'full'))).toEqual(['keep.txt']);
  });

  it('unknown --engine', async () => {
    const cwd = workDir();
    const r = await runCli(['run-one', '--out', 'o', LEO, '--engine', 'fake'], { cwd, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`option '--engine <engine>' argument 'fake' is invalid. Allowed choices are gmat, stand-in.`);
  });
});

describe('gsweep run-one: no GMAT install', () => {
  it('GMAT_ROOT at an empty directory (default engine): exit 2, says how to point at GMAT and mentions --engine stand-in', async () => {
    const cwd = workDir();
    const empty = fs.realpathSync(tempDir('gsweep-empty-gmat-'));
    roots.push(empty);
    const r = await runCli(['run-one', '--set', 'Sat.SMA=7000', '--out', 'o', LEO], { cwd, env: { GMAT_ROOT: empty } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('gsweep: error: GMAT install not valid.');
    expect(r.stderr).toContain(`GMAT_ROOT: ${empty}: missing bin/ directory`);
    expect(r.stderr).toContain('`--gmat-root <dir>`');
    expect(r.stderr).toContain('`GMAT_ROOT=<dir>`');
    expect(r.stderr).toContain('`--engine stand-in`');
    expect(r.stderr).not.toContain('engine = stand-in');
    expect(fs.existsSync(path.join(cwd, 'o'))).toBe(false);
  });

  it('--gmat-root at an empty directory names --gmat-root', async () => {
    const cwd = workDir();
    const empty = fs.realpathSync(tempDir('gsweep-empty-gmat-'));
    roots.push(empty);
    const r = await runCli(['run-one', '--gmat-root', empty, '--out', 'o', LEO], { cwd, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--gmat-root: ${empty}: missing bin/ directory`);
    expect(r.stderr).toContain('`--engine stand-in`');
  });
});
