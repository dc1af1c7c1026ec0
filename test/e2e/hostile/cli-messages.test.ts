/**
 * What the CLI says when the user's input cannot work, round 2: an output directory that
 * cannot be made or written (a file on the path, a name or path too long, a directory this
 * user cannot write) on every command that writes one; `diff` on a damaged table or with an
 * unsupported `--on`; the caps of `--max-in-flight` and of a context; and what a followed
 * sweep prints on the way (no listener warnings, no "INFs"/"NFs" ETA). Each refusal is one
 * sentence, exit 2, no stack. Last, a `gsweep run` killed with SIGKILL takes its embedded
 * Temporal server with it. Stand-in engine.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatEta } from '../../../cli/progress';
import { GSWEEP_BIN, MISSIONS, runCli, tempDir, waitFor } from '../../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const ENV = { GMAT_ROOT: '' };
const STACK = /\n\s+at [^\n]+\(/;
let root: string;
/** A finished grid sweep and a finished Monte Carlo sweep, copied for each case that needs one. */
let grid: string;
let mc: string;

function expectRefused(r: { code: number | null; stderr: string }, message: string | RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  if (typeof message === 'string') expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(STACK);
  // One sentence: the error is the last line, and it is gsweep's.
  expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^gsweep: error: /);
}
function copyOf(dir: string, name: string): string {
  const to = path.join(root, name);
  fs.cpSync(dir, to, { recursive: true });
  return to;
}

beforeAll(async () => {
  root = fs.realpathSync(tempDir('gsweep-cli-messages-'));
  // Another user (below) must be able to reach the files of this test.
  fs.chmodSync(root, 0o755);
  grid = path.join(root, 'grid');
  mc = path.join(root, 'mc');
  const a = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', grid], { env: ENV, timeoutMs: 120_000 });
  expect(a.code, a.stderr).toBe(0);
  const b = await runCli(['monte-carlo', LEO, '--n', '2', '--seed', '1', '--perturb', 'Sat.SMA=normal:7000:10', '--engine', 'stand-in', '--out', mc], { env: ENV, timeoutMs: 120_000 });
  expect(b.code, b.stderr).toBe(0);
}, 300_000);
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('an output directory that cannot be made or written is one sentence, exit 2', () => {
  /** Each command that writes an output directory, given `out`. */
  const commands: [string, (out: string) => string[]][] = [
    ['run', (out) => ['run', LEO, '--grid', 'Sat.SMA=7000', '--engine', 'stand-in', '--out', out]],
    ['monte-carlo', (out) => ['monte-carlo', LEO, '--n', '2', '--seed', '1', '--perturb', 'Sat.SMA=normal:7000:10', '--engine', 'stand-in', '--out', out]],
    ['lhs', (out) => ['lhs', LEO, '--n', '2', '--seed', '1', '--perturb', 'Sat.SMA=uniform:6900:7100', '--engine', 'stand-in', '--out', out]],
    ['run-one', (out) => ['run-one', LEO, '--set', 'Sat.SMA=7000', '--engine', 'stand-in', '--out', out]],
  ];

  describe.each(commands)('%s', (name, args) => {
    it('a file where a directory belongs', async () => {
      const file = path.join(root, `${name}-a-file`);
      fs.writeFileSync(file, 'x');
      const r = await runCli(args(path.join(file, 'sub', 'out')), { env: ENV });
      expectRefused(r, `${file} is a file, not a directory, so the output directory cannot be made there; choose another output directory`);
      expect(fs.readFileSync(file, 'utf8')).toBe('x');
    });

    it('a name longer than a file system allows', async () => {
      const r = await runCli(args(path.join(root, 'n'.repeat(300), 'out')), { env: ENV });
      expectRefused(r, /has a name of 300 bytes \("n+\.\.\."\); file systems allow at most 255 bytes per name: choose a shorter one/);
    });

    it('a path too long for the files a sweep writes inside it', async () => {
      const r = await runCli(args(path.join(root, ...Array.from({ length: 19 }, () => 'p'.repeat(200)))), { env: ENV });
      expectRefused(r, /is \d+ bytes long; the files a sweep writes inside it need up to 256 more, past the system's limit of 4096 bytes per path: choose a shorter path/);
      expect(fs.existsSync(path.join(root, 'p'.repeat(200)))).toBe(false);
    });

    it('a parent this user cannot write', async () => {
      const locked = path.join(root, `${name}-locked`);
      fs.mkdirSync(locked, { mode: 0o555 });
      fs.chmodSync(locked, 0o555);
      const r = await runAs('nobody', args(path.join(locked, 'out')));
      expectRefused(r, `out: "${path.join(locked, 'out')}" cannot be created in ${locked} (permission denied, EACCES); choose another output directory`);
    });
  });

  it.each([
    ['resume', () => copyOf(grid, 'resume-locked'), (out: string) => ['resume', out, '--engine', 'stand-in']],
    ['extend', () => copyOf(mc, 'extend-locked'), (out: string) => ['extend', out, '--n', '1', '--engine', 'stand-in']],
  ])('%s of a directory this user cannot write', async (_name, make, args) => {
    const out = make();
    if (_name === 'resume') fs.rmSync(path.join(out, 'runs', 'run-1', 'outcome.json'));
    fs.chmodSync(out, 0o555);
    const r = await runAs('nobody', args(out));
    expectRefused(r, `out: "${out}" is not writable (permission denied, EACCES); choose another output directory`);
    expect(fs.existsSync(path.join(out, '.gsweep.lock'))).toBe(false);
  });

  it('a raw file-system error that gets past the checks is still one sentence naming the path', async () => {
    // `report` writes report.html into out: an unwritable out fails at that write.
    const out = copyOf(grid, 'report-locked');
    fs.chmodSync(out, 0o555);
    const r = await runAs('nobody', ['report', out]);
    // The atomic write's temporary file beside report.html is what the system refuses.
    expectRefused(r, new RegExp(`^gsweep: error: cannot open ${out}/\\.report\\.html\\.[^ ]+: permission denied \\(EACCES\\); check the path and its permissions, or choose another directory$`, 'm'));
  });
});

/** The CLI as another user (root passes every permission check). */
function runAs(user: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const id = spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim();
  return new Promise((resolve) => {
    const child = spawn('setpriv', [`--reuid=${id}`, `--regid=${id}`, '--clear-groups', process.execPath, GSWEEP_BIN, ...args], {
      env: { ...process.env, ...ENV, HOME: root },
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('diff: exit 1 means only "they differ"', () => {
  it('two sweeps that differ: exit 1, DIFFERENT', async () => {
    const other = path.join(root, 'grid-other');
    const r0 = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7150', '--engine', 'stand-in', '--out', other], { env: ENV, timeoutMs: 120_000 });
    expect(r0.code, r0.stderr).toBe(0);
    const r = await runCli(['diff', grid, other]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('DIFFERENT');
  }, 150_000);

  it.each([
    ['truncated', (file: string) => fs.truncateSync(file, 100)],
    ['overwritten with text', (file: string) => fs.writeFileSync(file, 'not parquet at all, just some text that is long enough')],
    ['emptied', (file: string) => fs.truncateSync(file, 0)],
  ])('a damaged aggregate table (%s) is exit 2 with the reason', async (_how, damage) => {
    const dir = copyOf(grid, `diff-damaged-${_how.replace(/\W+/g, '-')}`);
    damage(path.join(dir, 'report__Track.parquet'));
    for (const args of [
      ['diff', grid, dir],
      ['diff', dir, grid],
    ]) {
      const r = await runCli(args);
      expectRefused(r, `${path.join(dir, 'report__Track.parquet')} is not a readable Parquet table (`);
      expect(r.stderr).toContain('it was damaged after the sweep wrote it');
    }
  });

  it.each(['time', 'Sat.Earth.SMA', ''])('--on %j says which alignments exist', async (col) => {
    const r = await runCli(['diff', grid, grid, '--on', col]);
    expectRefused(r, `--on ${JSON.stringify(col)}: diff aligns rows on (run_id, time) by default, or on run_id alone with --on run_id (each run's final row); no other column is supported`);
  });
});

describe('caps are named in the refusal', () => {
  it.each([
    [['run', LEO, '--grid', 'Sat.SMA=7000', '--engine', 'stand-in', '--max-in-flight', '0']],
    [['run', LEO, '--grid', 'Sat.SMA=7000', '--engine', 'stand-in', '--max-in-flight', '501']],
    [['monte-carlo', LEO, '--n', '2', '--seed', '1', '--perturb', 'Sat.SMA=normal:7000:10', '--engine', 'stand-in', '--max-in-flight', '2.5']],
    [['set', 'some-sweep', '--max-in-flight', '1000']],
  ])('--max-in-flight out of range: %j', async (args) => {
    const r = await runCli(args, { env: ENV, cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a whole number from 1 to 500: gsweep keeps at most 500 batches in flight \(Temporal limits an execution's pending activities\)/);
    expect(fs.existsSync(path.join(root, 'gsweep-runs'))).toBe(false);
  });

  it('a shared context over the per-run cap names the cap and where its copies go', async () => {
    fs.writeFileSync(path.join(root, 'big.json'), JSON.stringify({ blob: 'b'.repeat(70_000) }));
    const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000', '--engine', 'stand-in', '--out', path.join(root, 'big-ctx'), '--context', path.join(root, 'big.json')], { env: ENV });
    expectRefused(r, "context: is 70 011 bytes of JSON, over gsweep's limit of 65 536 bytes of context per run (the manifest holds it once, but every run's outcome.json and postprocess hook get a copy)");
  });
});

describe('the progress line', () => {
  it.each([
    [10, 0, '?'],
    [10, NaN, '?'],
    [0, 0, '0s'],
    [10, 2, '5s'],
    [185, 1, '3m05s'],
    [7800, 1, '2h10m'],
    [1e9, 1, '11574d'],
  ])('ETA of %d runs at %d runs/s is %s', (remaining, rate, text) => {
    expect(formatEta(remaining, rate)).toBe(text);
  });

  it('a slow 30-run sweep at --concurrency 4 prints no listener warning and no unknown ETA', async () => {
    const out = path.join(root, 'slow');
    const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000:7300:30', '--engine', 'stand-in', '--concurrency', '4', '--out', out], {
      env: { ...ENV, GSWEEP_STANDIN_DELAY_MS: '300' },
      timeoutMs: 240_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('30/30 runs ok, 0 failed');
    expect(r.stderr).not.toMatch(/Warning|memory leak/);
    const etas = [...r.stderr.matchAll(/ETA (\S+)/g)].map((m) => m[1]);
    expect(etas.length).toBeGreaterThan(0);
    for (const eta of etas) expect(eta).toMatch(/^(\?|\d+s|\d+m\d\ds|\d+h\d\dm|\d+d)$/);
  }, 300_000);
});

describe('the embedded Temporal server dies with gsweep run', () => {
  /** Processes whose parent is `pid`, with their command lines. */
  function childrenOf(pid: number): { pid: number; cmd: string }[] {
    return fs
      .readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .flatMap((d) => {
        try {
          const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          return ppid === pid ? [{ pid: Number(d), cmd: fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ') }] : [];
        } catch {
          return [];
        }
      });
  }
  const alive = (pid: number) => {
    try {
      // A zombie (state Z) is dead: only its exit status is left for a parent to collect.
      return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };

  it('SIGKILL of gsweep run mid-sweep: the server process is gone soon after', async () => {
    const child = spawn(process.execPath, [GSWEEP_BIN, 'run', LEO, '--grid', 'Sat.SMA=7000:7300:40', '--engine', 'stand-in', '--concurrency', '1', '--out', path.join(root, 'killed')], {
      env: { ...process.env, ...ENV, GSWEEP_STANDIN_DELAY_MS: '500' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => stderr.includes('started sweep'), 'the sweep to start', 60_000);
    const servers = childrenOf(child.pid!).filter((p) => p.cmd.includes('server start-dev'));
    expect(servers).toHaveLength(1);
    const server = servers[0].pid;
    expect(alive(server)).toBe(true);
    child.kill('SIGKILL');
    await waitFor(() => !alive(server), `the embedded server (pid ${server}) to exit after its parent was killed`, 15_000);
    expect(alive(server)).toBe(false);
  }, 120_000);
});
