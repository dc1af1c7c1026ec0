/**
 * GmatConsole driver against small shell-script fakes: process-tree killing (including a
 * descendant that left the process group), output capping, exit classification.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GmatRunError, OUTPUT_CAP_BYTES, parentDeathSignalPrefix, SUCCESS_LINE, runGmatConsole } from '../../gmat/console';
import { waitFor } from '../helpers/wait';
import { alive } from './proc';

function setup(body: string) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-fake-')));
  const consolePath = path.join(dir, 'GmatConsole');
  fs.writeFileSync(consolePath, `#!/bin/sh\n${body}\n`);
  fs.chmodSync(consolePath, 0o755);
  const runDir = path.join(dir, 'run-0');
  fs.mkdirSync(runDir);
  const scriptPath = path.join(runDir, 'patched.script');
  fs.writeFileSync(scriptPath, 'BeginMissionSequence;\n');
  return {
    dir,
    runDir,
    opts: {
      install: { consolePath },
      scriptPath,
      startupPath: path.join(runDir, 'gmat_startup_file.txt'),
      logPath: path.join(runDir, 'GmatLog.txt'),
      cwd: runDir,
      timeoutMs: 20_000,
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<GmatRunError> {
  try {
    await p;
  } catch (e) {
    return e as GmatRunError;
  }
  throw new Error('expected the run to fail');
}

const readPids = (runDir: string) =>
  ['self.pid', 'child.pid', 'escaped.pid'].map((f) => {
    const p = path.join(runDir, f);
    return fs.existsSync(p) ? Number(fs.readFileSync(p, 'utf8').trim()) : NaN;
  });

// A fake that starts a sleep in its group and a `setsid` sleep that leaves the group.
const HANGER = [
  'echo $$ > self.pid',
  'sleep 1000 & echo $! > child.pid',
  'setsid sleep 1000 & echo $! > escaped.pid',
  'echo started',
  'wait',
].join('\n');

describe('runGmatConsole with a fake GmatConsole', () => {
  it('passes the documented arguments, cwd = run dir, and succeeds on exit 0 + success line', async () => {
    const { opts, runDir } = setup(`printf '%s\\n' "$@" > args.txt; pwd > cwd.txt; echo '${SUCCESS_LINE}'`);
    const r = await runGmatConsole(opts);
    expect(r.stdout).toContain(SUCCESS_LINE);
    expect(r.durationMs).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(runDir, 'args.txt'), 'utf8').trim().split('\n')).toEqual([
      '--verbose', 'off', '--startup_file', opts.startupPath, '--logfile', opts.logPath, '--run', opts.scriptPath,
    ]);
    expect(fs.readFileSync(path.join(runDir, 'cwd.txt'), 'utf8').trim()).toBe(runDir);
  });

  it('timeout kills the whole tree, including a descendant that left the process group', async () => {
    const { opts, runDir } = setup(HANGER);
    // Long enough that the tree is surely up and counted before the timeout kills it.
    const p = runGmatConsole({ ...opts, timeoutMs: 5000 });
    const pids = await waitFor(() => {
      const v = readPids(runDir);
      return v.every((n) => Number.isFinite(n)) ? v : undefined;
    }, 'the engine tree to write its pids', 5000, 25);
    expect(alive(pids)).toHaveLength(3);
    const e = await rejection(p);
    expect(e).toBeInstanceOf(GmatRunError);
    expect(e.kind).toBe('timeout');
    expect(e.message).toContain('timed out after 5 s');
    expect(e.signal).toBe('SIGKILL');
    expect(alive(pids, pids[0])).toEqual([]);
  });

  it('cancel through AbortSignal kills the whole tree', async () => {
    const { opts, runDir } = setup(HANGER);
    const ac = new AbortController();
    const p = runGmatConsole({ ...opts, signal: ac.signal });
    const pids = await waitFor(() => {
      const v = readPids(runDir);
      return v.every((n) => Number.isFinite(n)) ? v : undefined;
    }, 'the engine tree to write its pids', 5000, 25);
    ac.abort();
    const e = await rejection(p);
    expect(e.kind).toBe('cancelled');
    expect(alive(pids, pids[0])).toEqual([]);
  });

  it('an already-aborted signal does not start the process', async () => {
    const { opts, runDir } = setup('echo $$ > self.pid');
    const e = await rejection(runGmatConsole({ ...opts, signal: AbortSignal.abort() }));
    expect(e.kind).toBe('cancelled');
    expect(fs.existsSync(path.join(runDir, 'self.pid'))).toBe(false);
  });

  it('kills leftovers of a run that exited normally', async () => {
    const { opts, runDir } = setup(`sleep 1000 & echo $! > child.pid; echo '${SUCCESS_LINE}'`);
    await runGmatConsole(opts);
    const child = Number(fs.readFileSync(path.join(runDir, 'child.pid'), 'utf8'));
    await waitFor(() => alive([child]).length === 0, 'the leftover child to be killed', 2000, 25);
  });

  it('exit 0 without the success line is a rejection', async () => {
    const { opts } = setup('echo "The option \\"--bogus\\" is not valid."; exit 0');
    const e = await rejection(runGmatConsole(opts));
    expect(e.kind).toBe('rejected');
    expect(e.exitCode).toBe(0);
    expect(e.message).toContain('exited 0 without its success line');
  });

  it('exit 1 is a rejection carrying the GMAT error lines; a signal death is a crash', async () => {
    const { opts } = setup('echo "**** ERROR **** boom"; echo " *** Mission run failed."; exit 1');
    const e = await rejection(runGmatConsole(opts));
    expect(e.kind).toBe('rejected');
    expect(e.message).toBe(`GMAT rejected the run (exit 1): **** ERROR **** boom\n*** Mission run failed. (log: ${opts.logPath})`);
    const c = setup('echo "terminate called" >&2; kill -SEGV $$');
    const e2 = await rejection(runGmatConsole(c.opts));
    expect(e2.kind).toBe('crashed');
    expect(e2.signal).toBe('SIGSEGV');
    expect(e2.message).toBe(`GMAT crashed (signal SIGSEGV): terminate called (log: ${c.opts.logPath})`);
  });

  it('keeps only the last 256 KiB of stdout', async () => {
    const { opts } = setup(`i=0; while [ $i -lt 6000 ]; do echo "line $i ................................................................"; i=$((i+1)); done; echo '${SUCCESS_LINE}'`);
    const r = await runGmatConsole(opts);
    expect(r.stdout.startsWith('[gsweep: first ')).toBe(true);
    expect(Buffer.byteLength(r.stdout)).toBeLessThan(OUTPUT_CAP_BYTES + 100);
    expect(r.stdout.trimEnd().endsWith(SUCCESS_LINE)).toBe(true);
  });

  it('checks the script exists (GMAT would exit 0) and that paths are absolute', async () => {
    const { opts } = setup(`echo '${SUCCESS_LINE}'`);
    const e = await rejection(runGmatConsole({ ...opts, scriptPath: path.join(opts.cwd, 'nope.script') }));
    expect(e.kind).toBe('missing-script');
    expect(e.message).toContain('nope.script does not exist');
    await expect(runGmatConsole({ ...opts, logPath: 'GmatLog.txt' })).rejects.toThrow(/logPath must be an absolute path/);
  });

  it('a console that cannot be started is a plain Error (infrastructure), not a GmatRunError', async () => {
    const { opts } = setup('');
    const err = await rejection(runGmatConsole({ ...opts, install: { consolePath: path.join(opts.cwd, 'missing-GmatConsole') } }));
    expect(err).not.toBeInstanceOf(GmatRunError);
    expect(err.message).toContain('could not start GmatConsole');
  });
});

describe('dying with the worker', () => {
  /** A fake GmatConsole that leaves `ran` behind when it starts. */
  function marker() {
    const { dir } = setup('');
    const consolePath = path.join(dir, 'GmatConsole');
    fs.writeFileSync(consolePath, `#!/bin/sh\necho ran > "${path.join(dir, 'ran')}"\n`);
    return { consolePath, ran: path.join(dir, 'ran') };
  }

  it('starts the engine behind the parent-death signal and a check that its parent is the worker', () => {
    const prefix = parentDeathSignalPrefix();
    expect(prefix.slice(1, 4)).toEqual(['--pdeathsig', 'KILL', '--']);
    expect(prefix.slice(-2)).toEqual(['gsweep-engine', String(process.pid)]);
    const { consolePath, ran } = marker();
    const r = spawnSync(prefix[0]!, [...prefix.slice(1), consolePath]);
    expect(r.status, r.stderr?.toString()).toBe(0);
    expect(fs.existsSync(ran)).toBe(true);
  });

  it('a child whose worker died before the signal was set exits without starting the engine', async () => {
    // The gap: the worker forks, is killed before setpriv sets the signal, and the child is
    // handed to another parent. Here the "worker" is a shell that forks and exits; its child
    // waits for it to be gone, then execs the wrapper with the shell's pid as the worker's.
    const prefix = parentDeathSignalPrefix();
    expect(prefix.at(-2)).toBe('gsweep-engine');
    const { consolePath, ran } = marker();
    const pidFile = path.join(path.dirname(ran), 'child.pid');
    const orphan = `(while kill -0 $$ 2>/dev/null; do sleep 0.01; done; exec "$@" "$$" ${JSON.stringify(consolePath)}) & echo $! > ${JSON.stringify(pidFile)}; exit 0`;
    const worker = spawnSync('/bin/sh', ['-c', orphan, 'worker', ...prefix.slice(0, -1)], { stdio: 'ignore' });
    expect(worker.status).toBe(0);
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor(() => alive([child]).length === 0, 'the orphaned child to end', 10_000, 20);
    expect(fs.existsSync(ran)).toBe(false);
  });

  it('a child whose parent is not the worker it names exits 137 without starting the engine', () => {
    const prefix = parentDeathSignalPrefix();
    expect(prefix.at(-2)).toBe('gsweep-engine');
    const { consolePath, ran } = marker();
    // A shell that does not exec stands between this process and the wrapper.
    const r = spawnSync('/bin/sh', ['-c', '"$@"; exit $?', 'between', ...prefix, consolePath]);
    expect(r.status).toBe(137);
    expect(fs.existsSync(ran)).toBe(false);
  });
});
