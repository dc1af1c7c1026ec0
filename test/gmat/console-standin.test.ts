/**
 * The GmatConsole driver end to end with the stand-in engine (gmat-stand-in): the same
 * command-line contract as GmatConsole, plus fault hooks (GSWEEP_STANDIN_HANG_IF / _CRASH_IF).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GmatRunError, SUCCESS_LINE, runGmatConsole } from '../../gmat/console';
import { standInInstall } from '../../gmat/install';
import { patchScript } from '../../gmat/script';
import { writeStartupFile } from '../../gmat/startup';
import type { Overrides } from '../../sweep/overrides';
import { waitFor } from '../helpers/wait';
import { alive, descendants, processTable } from './proc';

const SHARED = path.resolve(__dirname, '../../../shared');
const LEO = fs.readFileSync(path.join(SHARED, 'missions', 'leo_point_mass.script'), 'utf8');

function prepare(overrides: Overrides = {}, script = LEO) {
  const install = standInInstall();
  const runDir = path.join(fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-standin-'))), 'run-0');
  fs.mkdirSync(runDir);
  const patched = patchScript(script, overrides, runDir);
  const scriptPath = path.join(runDir, 'patched.script');
  fs.writeFileSync(scriptPath, patched.text);
  const startupPath = writeStartupFile(install, runDir);
  return {
    runDir,
    outputs: patched.outputs,
    opts: { install, scriptPath, startupPath, logPath: path.join(runDir, 'GmatLog.txt'), cwd: runDir, timeoutMs: 30_000 },
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

/** The stand-in process for `scriptPath` and its whole tree, while it runs. */
/** The engine's process tree once its `sleep` grandchild exists (the stand-in is then hung). */
async function hungTreeOf(scriptPath: string) {
  return waitFor(() => {
    const table = processTable();
    const root = table.find((p) => p.args.includes(scriptPath) && p.args.includes('--run') && !p.stat.startsWith('Z'));
    if (!root) return undefined;
    const tree = [root, ...descendants(root.pid, table)];
    return tree.some((x) => /\bsleep\b/.test(x.args)) ? { pgid: root.pgid, pids: tree.map((p) => p.pid), tree } : undefined;
  }, 'the stand-in to hang in its sleep', 10_000, 25);
}

describe('runGmatConsole with the stand-in engine', () => {
  it('standInInstall points at gmat-stand-in and is marked as a stand-in', () => {
    const inst = standInInstall();
    expect(inst.standIn).toBe(true);
    expect(inst.root).toBe(path.resolve(__dirname, '../../gmat-stand-in'));
    expect(inst.consolePath).toBe(path.join(inst.root, 'bin', 'GmatConsole'));
  });

  it('success: exit 0, success line, report file written in the run directory', async () => {
    const { opts, outputs } = prepare({ 'Sat.SMA': 7100 });
    const r = await runGmatConsole(opts);
    expect(r.stdout).toContain(SUCCESS_LINE);
    expect(outputs).toHaveLength(1);
    const report = fs.readFileSync(outputs[0]!.path, 'utf8');
    expect(report.split('\n')[0]).toContain('Sat.EarthMJ2000Eq.X');
    expect(report.trim().split('\n').length).toBeGreaterThan(10);
    expect(fs.existsSync(opts.logPath)).toBe(true);
  });

  it('rejection: SMA = 0 gives kind "rejected" with the GMAT error line', async () => {
    const { opts } = prepare({ 'Sat.SMA': 0 });
    const e = await rejection(runGmatConsole(opts));
    expect(e).toBeInstanceOf(GmatRunError);
    expect(e.kind).toBe('rejected');
    expect(e.exitCode).toBe(1);
    expect(e.engineMessage).toContain('**** ERROR ****');
    expect(e.engineMessage).toContain('"  39: GMAT Sat.SMA = 0;"');
    expect(e.engineMessage).not.toContain('Usage:');
    expect(e.message).toMatch(/^GMAT rejected the run \(exit 1\): .*\*\*\*\* ERROR \*\*\*\*/s);
    expect(e.message.endsWith(`(log: ${opts.logPath})`)).toBe(true);
    expect(e.logPath).toBe(opts.logPath);
  });

  it('missing script: kind "missing-script" without starting GMAT', async () => {
    const { opts } = prepare();
    fs.rmSync(opts.scriptPath);
    const e = await rejection(runGmatConsole(opts));
    expect(e.kind).toBe('missing-script');
    expect(e.message).toContain(`${opts.scriptPath} does not exist`);
  });

  it('timeout: kind "timeout", and nothing of the tree survives', async () => {
    const { opts } = prepare({ 'Sat.SMA': 7001.5 });
    const env = { ...process.env, GSWEEP_STANDIN_HANG_IF: 'Sat.SMA = 7001.5' };
    // Long enough for a loaded machine to reach the hang before the timeout fires.
    const p = runGmatConsole({ ...opts, timeoutMs: 8000, env });
    const tree = await hungTreeOf(opts.scriptPath);
    const e = await rejection(p);
    expect(e.kind).toBe('timeout');
    expect(e.message).toContain('timed out after 8 s');
    expect(alive(tree.pids, tree.pgid)).toEqual([]);
  });

  it('cancel via AbortSignal: kind "cancelled", tree gone', async () => {
    const { opts } = prepare({ 'Sat.SMA': 7002.5 });
    const env = { ...process.env, GSWEEP_STANDIN_HANG_IF: 'Sat.SMA = 7002.5' };
    const ac = new AbortController();
    const p = runGmatConsole({ ...opts, env, signal: ac.signal });
    const tree = await hungTreeOf(opts.scriptPath);
    ac.abort();
    const e = await rejection(p);
    expect(e.kind).toBe('cancelled');
    expect(alive(tree.pids, tree.pgid)).toEqual([]);
  });

  it('crash: kind "crashed"', async () => {
    const { opts } = prepare({ 'Sat.SMA': 7003.5 });
    const env = { ...process.env, GSWEEP_STANDIN_CRASH_IF: 'Sat.SMA = 7003.5' };
    const e = await rejection(runGmatConsole({ ...opts, env }));
    expect(e.kind).toBe('crashed');
    expect(e.signal !== null || (e.exitCode ?? 0) >= 128).toBe(true);
    expect(e.message).toMatch(/^GMAT crashed \((signal SIG[A-Z]+|exit \d+)\)/);
  });
});
