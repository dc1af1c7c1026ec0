/**
 * The output directory as a careless or hostile user leaves it: special files where gsweep
 * expects its own (a FIFO, a link to /dev/zero), symbolic links among its directories, a new
 * sweep nested in another's directory, a refused start that must leave `out` as it was, and
 * sizes that cannot fit (a sample cell, a run's context, a hook's environment). Each is
 * refused with one sentence (exit 2) instead of hanging, writing elsewhere or deleting.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { PostprocessError, runPostprocessCommand } from '../../../postprocess/hook';
import { GSWEEP_BIN, MISSIONS, runCli, startLocalTemporal, tempDir, waitFor } from '../../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const ENV = { GMAT_ROOT: '' };
const STACK = /\n\s+at [^\n]+\(/;
let root: string;
let original: string;

function copyOfSweep(name: string): string {
  const dir = path.join(root, name);
  fs.cpSync(original, dir, { recursive: true, preserveTimestamps: true });
  return dir;
}
function work(name: string): string {
  const d = path.join(root, name);
  fs.mkdirSync(d, { recursive: true });
  return d;
}
function expectRefused(r: { code: number | null; stderr: string }, message: string | RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  if (typeof message === 'string') expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(STACK);
}

beforeAll(async () => {
  root = fs.realpathSync(tempDir('gsweep-out-dir-'));
  original = path.join(root, 'original');
  const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', original], { env: ENV, timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
}, 150_000);
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('special files in out are refused, never opened in a way that blocks', () => {
  const cases: { name: string; damage: (dir: string) => void; args: (dir: string) => string[]; message: RegExp }[] = [
    { name: 'show with a FIFO manifest', damage: (d) => replaceWithFifo(path.join(d, 'manifest.jsonl')), args: (d) => ['show', d], message: /manifest\.jsonl is unreadable \(manifest .*manifest\.jsonl is a FIFO \(named pipe\), not a regular file/ },
    { name: 'summary with a FIFO manifest', damage: (d) => replaceWithFifo(path.join(d, 'manifest.jsonl')), args: (d) => ['summary', d], message: /manifest .*manifest\.jsonl is a FIFO \(named pipe\), not a regular file; gsweep reads only regular files/ },
    { name: 'report with a table linked to /dev/zero', damage: (d) => replaceWithLink(path.join(d, 'report__Track.parquet'), '/dev/zero'), args: (d) => ['report', d], message: /report__Track\.parquet is a symbolic link; gsweep never makes links in an output directory/ },
    { name: 'summary with a table that is a FIFO', damage: (d) => replaceWithFifo(path.join(d, 'report__Track.parquet')), args: (d) => ['summary', d], message: /table .*report__Track\.parquet is a FIFO \(named pipe\), not a regular file/ },
    { name: 'archive with a FIFO manifest', damage: (d) => replaceWithFifo(path.join(d, 'manifest.jsonl')), args: (d) => ['archive', d], message: /manifest .*manifest\.jsonl is a FIFO \(named pipe\)/ },
    { name: 'resume with runs/ linked elsewhere', damage: (d) => moveAndLink(path.join(d, 'runs')), args: (d) => ['resume', d, '--engine', 'stand-in'], message: /runs is a symbolic link; gsweep made it a directory and never writes or deletes through a link/ },
    { name: 'resume with inputs/ linked elsewhere', damage: (d) => { fs.mkdirSync(path.join(root, 'elsewhere-inputs'), { recursive: true }); fs.symlinkSync(path.join(root, 'elsewhere-inputs'), path.join(d, 'inputs')); }, args: (d) => ['resume', d, '--engine', 'stand-in'], message: /inputs is a symbolic link; gsweep made it a directory/ },
    { name: 'report with runs/ linked elsewhere', damage: (d) => moveAndLink(path.join(d, 'runs')), args: (d) => ['report', d], message: /runs is a symbolic link; gsweep made it a directory/ },
  ];
  let n = 0;
  for (const c of cases) {
    it(c.name, async () => {
      const dir = copyOfSweep(`special-${n++}`);
      c.damage(dir);
      const r = await runCli(c.args(dir), { env: ENV, timeoutMs: 60_000 });
      expectRefused(r, c.message);
    });
  }

  it('a linked runs/ keeps the files at its target: nothing there is written or deleted', async () => {
    const dir = copyOfSweep('linked-runs-target');
    const target = moveAndLink(path.join(dir, 'runs'));
    fs.writeFileSync(path.join(target, 'users-file.txt'), 'mine');
    fs.rmSync(path.join(target, 'run-1', 'outcome.json'));
    const before = fs.readdirSync(target).sort();
    const r = await runCli(['resume', dir, '--engine', 'stand-in'], { env: ENV, timeoutMs: 60_000 });
    expectRefused(r, 'is a symbolic link');
    expect(fs.readdirSync(target).sort()).toEqual(before);
    expect(fs.readFileSync(path.join(target, 'users-file.txt'), 'utf8')).toBe('mine');
  });

  it('--context naming a FIFO is refused before it is opened', async () => {
    const cwd = work('context-fifo');
    spawnSync('mkfifo', [path.join(cwd, 'ctx.json')]);
    const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000', '--engine', 'stand-in', '--out', 'o', '--postprocess', 'true', '--context', 'ctx.json'], { cwd, env: ENV });
    expectRefused(r, /context: --context .*ctx\.json is a FIFO \(named pipe\), not a regular file/);
    expect(fs.existsSync(path.join(cwd, 'o'))).toBe(false);
  });

  it('--context linked to /dev/zero is refused (a link the user made is followed, a device is not read)', async () => {
    const cwd = work('context-zero');
    fs.symlinkSync('/dev/zero', path.join(cwd, 'ctx.json'));
    const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000', '--engine', 'stand-in', '--out', 'o', '--postprocess', 'true', '--context', 'ctx.json'], { cwd, env: ENV });
    expectRefused(r, /--context .*ctx\.json is a device, not a regular file/);
  });

  it('SIGTERM ends a command that is waiting, at once (no SDK hook swallows it)', async () => {
    // A frontend that accepts the connection and never answers: the client waits for its
    // 5 s connect timeout unless the signal ends it. Before, the SDK's shutdown hook caught
    // SIGTERM and the process ran on until the timeout (exit 2).
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const child = spawn(process.execPath, [GSWEEP_BIN, 'status', 'x', '--address', `127.0.0.1:${port}`], { env: { ...process.env, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
      await waitFor(() => sockets.length > 0, 'the client to connect');
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      expect({ code, signal, stderr }).toEqual({ code: null, signal: 'SIGTERM', stderr: '' });
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});

describe('symbolic links and nesting', () => {
  it('run-one --out naming a symbolic link is refused, and the link stays a link', async () => {
    const cwd = work('run-one-link');
    fs.mkdirSync(path.join(cwd, 'target'));
    fs.symlinkSync(path.join(cwd, 'target'), path.join(cwd, 'link'));
    const r = await runCli(['run-one', LEO, '--set', 'Sat.SMA=7000', '--engine', 'stand-in', '--out', 'link'], { cwd, env: ENV });
    expectRefused(r, /out: .*link is a symbolic link; run-one replaces the run directory's contents and never deletes or writes through a link/);
    expect(fs.lstatSync(path.join(cwd, 'link')).isSymbolicLink()).toBe(true);
    expect(fs.readdirSync(path.join(cwd, 'target'))).toEqual([]);
  });

  it.each([
    ['inside a run directory', (d: string) => path.join(d, 'runs', 'run-0', 'inner')],
    ['directly inside the sweep', (d: string) => path.join(d, 'nested')],
    ['two levels below the runs', (d: string) => path.join(d, 'runs', 'x', 'y')],
  ])('a new out %s of another sweep is refused, and nothing is created', async (_where, inner) => {
    const dir = copyOfSweep(`nest-${_where.replace(/\W/g, '_')}`);
    const out = inner(dir);
    const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000', '--engine', 'stand-in', '--out', out], { env: ENV });
    expectRefused(r, `out: ${JSON.stringify(out)} is inside the output directory of another sweep (${dir}), which would delete it when it re-runs a run; choose a directory outside it`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('resume of a sweep that sits inside another sweep is refused', async () => {
    const outer = copyOfSweep('outer');
    const inner = path.join(outer, 'runs', 'run-0', 'inner');
    fs.cpSync(original, inner, { recursive: true });
    const r = await runCli(['resume', inner, '--engine', 'stand-in'], { env: ENV });
    expectRefused(r, `${inner} is inside the output directory of another sweep (${outer}); move it out of there first`);
  });
});

describe('sizes that cannot fit are refused up front, naming the row, column and limit', () => {
  it('a sample cell too long for one value names its row and column', async () => {
    const cwd = work('big-cell');
    fs.writeFileSync(path.join(cwd, 's.csv'), `Sat.SMA,Sat.DateFormat\n7000,UTCGregorian\n7100,${'x'.repeat(70_000)}\n`);
    const r = await runCli(['run', LEO, '--samples', 's.csv', '--engine', 'stand-in', '--out', 'o'], { cwd, env: ENV });
    expectRefused(r, /samples\[1\]\.Sat\.DateFormat: override "Sat\.DateFormat" = "x{60}"\.\.\. \(70 000 characters\): is longer than gsweep's limit of 65 536 characters for one value/);
    expect(fs.existsSync(path.join(cwd, 'o'))).toBe(false);
  });

  it('a JSON sample row over the row limit names the row', async () => {
    const cwd = work('big-row');
    const row: Record<string, string> = { 'Sat.SMA': '7000' };
    for (let i = 0; i < 20; i++) row[`Sat.Field${i}`] = 'y'.repeat(60_000);
    fs.writeFileSync(path.join(cwd, 's.json'), JSON.stringify([{ 'Sat.SMA': 7000 }, row].map((r) => ({ ...row, ...r }))));
    const r = await runCli(['run', LEO, '--samples', 's.json', '--engine', 'stand-in', '--out', 'o'], { cwd, env: ENV });
    expectRefused(r, /samples\[0\]: is 1 \d{3} \d{3} bytes of JSON, over gsweep's limit of 1 048 576 bytes for one row/);
  });

  it('a per-run context over its limit names the run and the limit', async () => {
    const cwd = work('big-context');
    fs.writeFileSync(path.join(cwd, 'ctx.json'), JSON.stringify([{ a: 1 }, { blob: 'z'.repeat(70_000) }]));
    const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', 'o', '--postprocess', 'true', '--context', 'ctx.json'], { cwd, env: ENV });
    expectRefused(r, /context\[1\]: is 70 011 bytes of JSON, over gsweep's limit of 65 536 bytes of context per run/);
  });

  it('--concurrency over the per-worker cap names it', async () => {
    const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000', '--engine', 'stand-in', '--out', path.join(root, 'never'), '--concurrency', '5000'], { env: ENV });
    expectRefused(r, "5000 is more than gsweep's limit of 1 024 GMAT runs at once per worker");
  });
});

describe('the postprocess hook and large values', () => {
  function hookRun(name: string, context: Record<string, unknown>, overrides: Record<string, unknown> = { 'Sat.SMA': 7000 }) {
    const runDirectory = work(name);
    fs.mkdirSync(path.join(runDirectory, 'extra'));
    return { runId: 3, runDirectory, overrides, context, outputs: {}, extraDir: path.join(runDirectory, 'extra'), sweepId: 's' };
  }
  it('a large context reaches the hook through GSWEEP_CONTEXT_FILE, not the environment', async () => {
    const context = { blob: 'c'.repeat(60_000) };
    const run = hookRun('hook-context', context);
    await runPostprocessCommand('test -z "$GSWEEP_CONTEXT" && cp "$GSWEEP_CONTEXT_FILE" got.json', run, 30_000);
    expect(JSON.parse(fs.readFileSync(path.join(run.runDirectory, 'got.json'), 'utf8'))).toEqual(context);
  });
  it('a small context is in both', async () => {
    const run = hookRun('hook-small', { case: 'a' });
    await runPostprocessCommand('printf %s "$GSWEEP_CONTEXT" > env.json && cp "$GSWEEP_CONTEXT_FILE" file.json', run, 30_000);
    expect(fs.readFileSync(path.join(run.runDirectory, 'env.json'), 'utf8')).toBe('{"case":"a"}');
    expect(fs.readFileSync(path.join(run.runDirectory, 'file.json'), 'utf8')).toBe('{"case":"a"}');
  });
  it('an environment the OS refuses (E2BIG) is the hook failing, not an error to retry', async () => {
    const run = hookRun('hook-e2big', {}, { 'Sat.Name': 'n'.repeat(300_000) });
    const failure = runPostprocessCommand('true', run, 30_000);
    await expect(failure).rejects.toBeInstanceOf(PostprocessError);
    await expect(failure).rejects.toThrow(/postprocess command "true" \(run 3, log: .*\) could not start: spawn E2BIG/);
  });
});

describe('a refused start leaves out as it was', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startLocalTemporal();
  }, 120_000);
  afterAll(async () => {
    await env?.teardown();
  });

  it('a duplicate --sweep-id: refused, no inputs/ left, and a retry with a new id starts', async () => {
    const cwd = work('dup-id');
    fs.writeFileSync(path.join(cwd, 's.csv'), 'Sat.SMA\n7000\n7100\n');
    const queue = 'nobody-polls-dup';
    const common = ['--samples', 's.csv', '--engine', 'stand-in', '--task-queue', queue, '--no-wait', '--address', env.address];
    const first = await runCli(['run', LEO, ...common, '--out', 'a', '--sweep-id', 'dup'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli(['run', LEO, ...common, '--out', 'b', '--sweep-id', 'dup'], { cwd });
    expectRefused(again, 'sweepId: a sweep with id dup already exists on this Temporal server; give another --sweep-id');
    expect(fs.existsSync(path.join(cwd, 'b'))).toBe(false);
    const retry = await runCli(['run', LEO, ...common, '--out', 'b', '--sweep-id', 'dup-2'], { cwd });
    expect(retry.code, retry.stderr).toBe(0);
    for (const id of ['dup', 'dup-2']) await env.client.workflow.getHandle(id).terminate();
  }, 120_000);

  it('into an existing empty directory: the directory stays, empty', async () => {
    const cwd = work('dup-id-existing');
    fs.mkdirSync(path.join(cwd, 'c'));
    const queue = 'nobody-polls-dup2';
    const common = ['--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--task-queue', queue, '--no-wait', '--address', env.address, '--postprocess', 'true', '--context', 'ctx.json'];
    fs.writeFileSync(path.join(cwd, 'ctx.json'), '{"k": 1}');
    const first = await runCli(['run', LEO, ...common, '--out', 'a', '--sweep-id', 'dup3'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli(['run', LEO, ...common, '--out', 'c', '--sweep-id', 'dup3'], { cwd });
    expectRefused(again, 'a sweep with id dup3 already exists');
    expect(fs.readdirSync(path.join(cwd, 'c'))).toEqual([]);
    await env.client.workflow.getHandle('dup3').terminate();
  }, 120_000);
});

function replaceWithFifo(file: string): void {
  fs.rmSync(file);
  spawnSync('mkfifo', [file]);
}
function replaceWithLink(file: string, target: string): void {
  fs.rmSync(file);
  fs.symlinkSync(target, file);
}
/** Moves `dir` to a sibling of the sweep and leaves a link to it in its place; returns the target. */
function moveAndLink(dir: string): string {
  const target = path.join(root, `moved-${path.basename(path.dirname(dir))}-${path.basename(dir)}`);
  fs.renameSync(dir, target);
  fs.symlinkSync(target, dir);
  return target;
}
