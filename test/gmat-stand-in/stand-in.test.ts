// Tests of the GmatConsole stand-in (gmat-stand-in, a TEST DOUBLE) against real
// GmatConsole runs in /work/shared/fixtures/gmat-runs.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../gmat-stand-in');
const EXE = path.join(ROOT, 'bin', 'GmatConsole');
const FIXTURES = process.env.GSWEEP_FIXTURES ?? '/work/shared/fixtures/gmat-runs';
const FIX_RUN = '/data/sweep/runs/run-0';
const FIX_INSTALL = '/opt/gmat';
const REL_TOL = 1e-8;

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-test-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** Startup file like the one gsweep writes per run: absolute paths into the install. */
function startupText(outputDir: string): string {
  return fs
    .readFileSync(path.join(ROOT, 'bin', 'gmat_startup_file.txt'), 'utf8')
    .replace(/^ROOT_PATH .*$/m, `ROOT_PATH = ${ROOT}/`)
    .replace(/^OUTPUT_PATH .*$/m, `OUTPUT_PATH = ${outputDir}/`);
}

function newRunDir(name = 'run-0'): string {
  const base = fs.mkdtempSync(path.join(tmpRoot, 'case-'));
  const run = path.join(base, name);
  fs.mkdirSync(run);
  return run;
}

interface RunResult { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; run: string }

function runScriptText(script: string, run = newRunDir(), env: NodeJS.ProcessEnv = {}): RunResult {
  fs.writeFileSync(path.join(run, 'patched.script'), script);
  fs.writeFileSync(path.join(run, 'startup.txt'), startupText(run));
  const r = spawnSync(EXE, ['--verbose', 'off', '--startup_file', path.join(run, 'startup.txt'),
    '--logfile', path.join(run, 'GmatLog.txt'), '--run', path.join(run, 'patched.script')],
  { encoding: 'utf8', cwd: run, env: { ...process.env, ...env }, timeout: 30_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, run };
}

function runFixtureCase(dir: string): RunResult {
  const run = newRunDir();
  const script = fs.readFileSync(path.join(dir, 'patched.script'), 'utf8').split(FIX_RUN).join(run);
  return runScriptText(script, run);
}

/** Lines that legitimately differ between runs/builds. Everything else must match after path normalisation. */
const IGNORED = [
  /^Build Date: /,
  /^GMAT Build Date: /,
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMAT Moderator successfully created core engine$/,
  /^===> Total Run Time: \d+\.\d+ seconds$/,
];
function normalise(text: string, runs: Record<string, string>): string[] {
  let t = text;
  for (const [mine, theirs] of Object.entries(runs)) t = t.split(mine).join(theirs);
  t = t.split(ROOT).join(FIX_INSTALL);
  return t.split('\n').map((l) => (IGNORED.some((re) => re.test(l)) ? '<ignored>' : l));
}

/** Cells of a fixed-width report line: text (Gregorian epochs keep single spaces) plus trailing padding. */
function cells(line: string): { start: number; width: number; text: string }[] {
  return [...line.matchAll(/(\S+(?: \S+)*)( *)/g)].map((m) => ({ start: m.index ?? 0, width: m[0].length, text: m[1] }));
}

let maxRelSeen = 0;
function compareReport(mine: string, theirs: string, label: string): void {
  const a = mine.split('\n');
  const b = theirs.split('\n');
  expect(a[0], `${label}: header line`).toBe(b[0]);
  expect(a.length, `${label}: line count`).toBe(b.length);
  expect(mine.endsWith('\n')).toBe(theirs.endsWith('\n'));
  // column magnitude floor for values that cross zero (absolute error ~ integrator noise)
  const colMax: number[] = [];
  for (const line of b.slice(1)) cells(line).forEach((c, j) => { const v = Math.abs(Number(c.text)); if (Number.isFinite(v)) colMax[j] = Math.max(colMax[j] ?? 0, v); });
  for (let i = 1; i < b.length; i++) {
    expect(a[i].length, `${label}: length of line ${i + 1}`).toBe(b[i].length);
    const ca = cells(a[i]);
    const cb = cells(b[i]);
    expect(ca.map((c) => [c.start, c.width]), `${label}: layout of line ${i + 1}`).toEqual(cb.map((c) => [c.start, c.width]));
    cb.forEach((y, j) => {
      const x = ca[j];
      const vy = Number(y.text);
      if (!Number.isFinite(vy)) { expect(x.text, `${label}: text cell ${i + 1}:${j + 1}`).toBe(y.text); return; }
      const vx = Number(x.text);
      const scale = Math.max(Math.abs(vx), Math.abs(vy), 1e-3 * (colMax[j] ?? 0));
      const rel = scale === 0 ? 0 : Math.abs(vx - vy) / scale;
      maxRelSeen = Math.max(maxRelSeen, rel);
      expect(rel, `${label}: line ${i + 1} col ${j + 1}: ${x.text} vs ${y.text}`).toBeLessThanOrEqual(REL_TOL);
    });
  }
}

const CASES: [string, string][] = [
  ['leo_point_mass', 'nominal'], ['leo_point_mass', 'sma7100'], ['leo_point_mass', 'epoch'],
  ['leo_point_mass', 'sma0'], ['leo_point_mass', 'ecc1_5'], ['leo_point_mass', 'badfield'],
  ['coast_and_burn', 'nominal'], ['coast_and_burn', 'coast2400_kick1'], ['geo_drift', 'nominal'],
];

describe('stand-in GmatConsole vs real GmatConsole runs', () => {
  for (const [mission, kase] of CASES) {
    it(`${mission}/${kase}`, () => {
      const dir = path.join(FIXTURES, mission, kase);
      const r = runFixtureCase(dir);
      const expectedRc = Number(/-?\d+/.exec(fs.readFileSync(path.join(dir, 'exit_code.txt'), 'utf8'))![0]);
      expect(r.status).toBe(expectedRc);
      expect(r.stderr).toBe('');
      const map = { [r.run]: FIX_RUN };
      expect(normalise(r.stdout, map)).toEqual(normalise(fs.readFileSync(path.join(dir, 'stdout.txt'), 'utf8'), {}));
      expect(normalise(fs.readFileSync(path.join(r.run, 'GmatLog.txt'), 'utf8'), map))
        .toEqual(normalise(fs.readFileSync(path.join(dir, 'GmatLog.txt'), 'utf8'), {}));
      const reports = fs.readdirSync(dir).filter((f) => f.endsWith('.txt') && !['stdout.txt', 'GmatLog.txt', 'exit_code.txt'].includes(f));
      const produced = fs.readdirSync(r.run).filter((f) => f.endsWith('.txt') && f !== 'GmatLog.txt' && f !== 'startup.txt');
      expect(produced.sort()).toEqual(reports.sort());
      for (const f of reports) {
        compareReport(fs.readFileSync(path.join(r.run, f), 'utf8'), fs.readFileSync(path.join(dir, f), 'utf8'), `${mission}/${kase}/${f}`);
      }
    });
  }
  it('stays within 1e-8 relative of GMAT overall', () => {
    expect(maxRelSeen).toBeLessThanOrEqual(REL_TOL);
  });
});

describe('two-body physics vs an independent closed-form solution', () => {
  it('leo_point_mass rows match Kepler to 1e-6 relative', () => {
    const r = runFixtureCase(path.join(FIXTURES, 'leo_point_mass', 'nominal'));
    expect(r.status).toBe(0);
    const lines = fs.readFileSync(path.join(r.run, 'track.txt'), 'utf8').trimEnd().split('\n').slice(1);
    expect(lines.length).toBe(91);
    const mu = 398600.4415;
    const d2r = Math.PI / 180;
    const [a, e, inc, raan, aop, ta0] = [6878.137, 0.0012, 51.6 * d2r, 45 * d2r, 90 * d2r, 15 * d2r];
    const E0 = 2 * Math.atan(Math.sqrt((1 - e) / (1 + e)) * Math.tan(ta0 / 2));
    const M0 = E0 - e * Math.sin(E0);
    const n = Math.sqrt(mu / a ** 3);
    const expected = (t: number): number[] => {
      const M = M0 + n * t;
      let E = M;
      for (let k = 0; k < 50; k++) E -= (E - e * Math.sin(E) - M) / (1 - e * Math.cos(E));
      const cosE = Math.cos(E); const sinE = Math.sin(E);
      const xp = a * (cosE - e); const yp = a * Math.sqrt(1 - e * e) * sinE;
      const rr = a * (1 - e * cosE);
      const vxp = -Math.sqrt(mu * a) / rr * sinE; const vyp = Math.sqrt(mu * a * (1 - e * e)) / rr * cosE;
      const [cO, sO, cw, sw, ci, si] = [Math.cos(raan), Math.sin(raan), Math.cos(aop), Math.sin(aop), Math.cos(inc), Math.sin(inc)];
      const rot = (x: number, y: number): number[] => [
        (cO * cw - sO * sw * ci) * x + (-cO * sw - sO * cw * ci) * y,
        (sO * cw + cO * sw * ci) * x + (-sO * sw + cO * cw * ci) * y,
        (sw * si) * x + (cw * si) * y];
      return [...rot(xp, yp), ...rot(vxp, vyp)];
    };
    for (const row of [0, 1, 45, 77, 90]) {
      const c = cells(lines[row]).map((x) => x.text);
      expect(c[0]).toBe(`20 Mar 2026 ${String(6 + Math.floor(row / 60)).padStart(2, '0')}:${String(row % 60).padStart(2, '0')}:00.000`);
      const t = row * 60;
      expect(Math.abs(Number(c[1]) - t)).toBeLessThan(1e-6);
      const got = c.slice(2, 8).map(Number);
      const want = expected(t);
      const rmag = Math.hypot(want[0], want[1], want[2]);
      const vmag = Math.hypot(want[3], want[4], want[5]);
      for (let k = 0; k < 6; k++) {
        const scale = k < 3 ? rmag : vmag; // component error relative to the vector magnitude
        expect(Math.abs(got[k] - want[k]) / scale, `row ${row} component ${k}`).toBeLessThan(1e-6);
      }
    }
  });
});

describe('interactive mode (no arguments)', () => {
  it('reproduces the real session transcript and exits 1 after the SMA = 0 script', () => {
    const fx = path.join(FIXTURES, 'interactive-session');
    const base = fs.mkdtempSync(path.join(tmpRoot, 'interactive-'));
    for (const i of [0, 1, 2]) {
      fs.mkdirSync(path.join(base, `run-${i}`));
      fs.writeFileSync(path.join(base, `run-${i}`, 'patched.script'),
        fs.readFileSync(path.join(fx, `run-${i}`, 'patched.script'), 'utf8').split('/data/sweep/runs').join(base));
    }
    fs.writeFileSync(path.join(base, 'gmat_startup_file.txt'), startupText(base));
    const stdin = fs.readFileSync(path.join(fx, 'stdin.txt'), 'utf8').split('/data/sweep/runs').join(base);
    const r = spawnSync(EXE, [], { cwd: base, input: stdin, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    expect(normalise(r.stdout, { [base]: '/data/sweep/runs' }))
      .toEqual(normalise(fs.readFileSync(path.join(fx, 'transcript.txt'), 'utf8'), {}));
    for (const i of [0, 1]) {
      compareReport(fs.readFileSync(path.join(base, `run-${i}`, 'track.txt'), 'utf8'),
        fs.readFileSync(path.join(fx, `run-${i}`, 'track.txt'), 'utf8'), `interactive run-${i}`);
    }
    expect(fs.existsSync(path.join(base, 'run-2', 'track.txt'))).toBe(false);
  });

  it('quits with 0 on q, and on EOF (documented difference: real GMAT would spin)', () => {
    const base = fs.mkdtempSync(path.join(tmpRoot, 'interactive-'));
    fs.writeFileSync(path.join(base, 'gmat_startup_file.txt'), startupText(base));
    const q = spawnSync(EXE, [], { cwd: base, input: '/no/such.script\nq\n', encoding: 'utf8', timeout: 30_000 });
    expect(q.status).toBe(0);
    expect(q.stdout).toContain('Script file /no/such.script does not exist\n');
    expect(q.stdout.split('Enter a script file, q to quit, or an option:  ').length).toBe(3);
    const eof = spawnSync(EXE, [], { cwd: base, input: '', encoding: 'utf8', timeout: 30_000 });
    expect(eof.status).toBe(0);
  });
});

const LEO = () => fs.readFileSync(path.join(FIXTURES, 'leo_point_mass', 'nominal', 'patched.script'), 'utf8');
const withRun = (script: string, run: string) => script.split(FIX_RUN).join(run);

describe('command line contract', () => {
  it('missing script exits 0 without the success line (GMAT trap)', () => {
    const run = newRunDir();
    fs.writeFileSync(path.join(run, 'startup.txt'), startupText(run));
    const r = spawnSync(EXE, ['--verbose', 'off', '--startup_file', path.join(run, 'startup.txt'), '--run', path.join(run, 'nope.script')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Script file ${path.join(run, 'nope.script')} does not exist\n`);
    expect(r.stdout).not.toContain('successful!');
  });
  it('missing startup file exits 1', () => {
    const r = spawnSync(EXE, ['--startup_file', '/no/startup.txt', '--run', '/no/x.script'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('ERROR: Startup file specified not found: "/no/startup.txt" does not exist.\n');
  });
  it('missing OUTPUT_PATH fails initialisation with exit 1', () => {
    const run = newRunDir();
    fs.writeFileSync(path.join(run, 'startup.txt'), startupText(path.join(run, 'missing')));
    const r = spawnSync(EXE, ['--startup_file', path.join(run, 'startup.txt'), '--logfile', path.join(run, 'GmatLog.txt'), '--run', '/no/x.script'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('Moderator failed to initialize!  Unable to run GmatConsole.');
  });
  it('unknown option prints the help and exits 0; short options work', () => {
    const run = newRunDir();
    fs.writeFileSync(path.join(run, 'startup.txt'), startupText(run));
    const bad = spawnSync(EXE, ['-s', path.join(run, 'startup.txt'), '--bogus'], { encoding: 'utf8' });
    expect(bad.status).toBe(0);
    expect(bad.stdout).toContain('The option "--bogus" is not valid.\nUsage: One of the following\n');
    fs.writeFileSync(path.join(run, 'patched.script'), withRun(LEO(), run));
    const ok = spawnSync(EXE, ['--verbose', 'off', '-s', path.join(run, 'startup.txt'), '-l', path.join(run, 'GmatLog.txt'), '-r', path.join(run, 'patched.script')], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('*** GMAT Integration test (Console version) successful! ***');
    expect(fs.readFileSync(path.join(run, 'track.txt'), 'utf8').split('\n').length).toBe(93);
  });
});

describe('refuses what it does not support (GMAT-style error, exit 1)', () => {
  const insertBeforeBms = (extra: string) => LEO().replace('BeginMissionSequence;', `${extra}\nBeginMissionSequence;`);
  const cases: [string, string, RegExp][] = [
    ['unknown resource type', insertBeforeBms('Create CoordinateSystem Rot;'), /\*\*\*\* ERROR \*\*\*\* .*resource type "CoordinateSystem"/],
    ['non point-mass gravity', LEO().replace('Earth.Degree = 0', 'Earth.Degree = 4'), /\*\*\*\* ERROR \*\*\*\* .*Degree = 4/],
    ['variable step', LEO().replace('Prop.MaxStep         = 60', 'Prop.MaxStep         = 600'), /\*\*\*\* ERROR \*\*\*\* .*not fixed-step/],
    ['unsupported command', LEO() + '\nTarget DC;\n', /\*\*\*\* ERROR \*\*\*\* .*"Target" command/],
    ['unsupported parameter', LEO().replace('Sat.Earth.ECC}', 'Sat.Earth.Altitude}'), /\*\*\*\* ERROR \*\*\*\* .*Sat\.Earth\.Altitude/],
    ['drag', LEO().replace('AtmosphereModel  = None', 'AtmosphereModel  = JacchiaRoberts'), /\*\*\*\* ERROR \*\*\*\* .*JacchiaRoberts/],
    ['non-ASCII script', insertBeforeBms('% caf\u00e9'), /\*\*\*\* ERROR \*\*\*\* .*outside of the ASCII character set/],
  ];
  for (const [name, script, re] of cases) {
    it(name, () => {
      const run = newRunDir();
      const r = runScriptText(withRun(script, run), run);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(re);
      expect(r.stdout).toContain('***Could not read script.***');
      expect(fs.existsSync(path.join(run, 'track.txt'))).toBe(false);
    });
  }
  it('Stop command ends the run with exit 1', () => {
    const run = newRunDir();
    const r = runScriptText(withRun(LEO() + '\nStop;\n', run), run);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(' *** Mission run interrupted.');
    expect(r.stdout).not.toContain('successful!');
  });
});

describe('fault injection hooks', () => {
  it('GSWEEP_STANDIN_CRASH_IF terminates abnormally', () => {
    const run = newRunDir();
    const r = runScriptText(withRun(LEO(), run), run, { GSWEEP_STANDIN_CRASH_IF: 'Sat.DryMass' });
    expect(r.signal === 'SIGSEGV' || r.status === 139).toBe(true);
  });
  it('GSWEEP_STANDIN_DELAY_MS delays the run', () => {
    const run = newRunDir();
    const t0 = Date.now();
    const r = runScriptText(withRun(LEO(), run), run, { GSWEEP_STANDIN_DELAY_MS: '400' });
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });
  it('GSWEEP_STANDIN_HANG_IF never exits and holds a grandchild until the tree is killed', async () => {
    const run = newRunDir();
    fs.writeFileSync(path.join(run, 'patched.script'), withRun(LEO(), run));
    fs.writeFileSync(path.join(run, 'startup.txt'), startupText(run));
    const child = spawn(EXE, ['--verbose', 'off', '--startup_file', path.join(run, 'startup.txt'), '--run', path.join(run, 'patched.script')],
      { detached: true, stdio: 'ignore', env: { ...process.env, GSWEEP_STANDIN_HANG_IF: 'Sat.SMA' } });
    const pid = child.pid!;
    const childrenOf = (p: number): number[] => {
      try { return fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number); } catch { return []; }
    };
    let grandchildren: number[] = [];
    for (let i = 0; i < 100 && grandchildren.length === 0; i++) {
      await new Promise((res) => setTimeout(res, 50));
      grandchildren = childrenOf(pid);
    }
    try {
      expect(grandchildren.length).toBeGreaterThan(0);
      await new Promise((res) => setTimeout(res, 300));
      expect(child.exitCode).toBeNull();
    } finally {
      process.kill(-pid, 'SIGKILL'); // kill the whole process group (engine + grandchild)
    }
    await new Promise((res) => child.once('exit', res));
    await new Promise((res) => setTimeout(res, 100));
    for (const g of grandchildren) expect(fs.existsSync(`/proc/${g}/cmdline`) && fs.readFileSync(`/proc/${g}/stat`, 'utf8').split(' ')[2] !== 'Z').toBe(false);
  });
});
