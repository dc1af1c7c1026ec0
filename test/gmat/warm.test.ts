/**
 * `warm` engine mode with the stand-in's interactive GmatConsole: one process serves many
 * runs, outputs equal fresh mode's, a rejected script falls back to a fresh run (GMAT's own
 * error lines), and timeouts kill the console's whole tree.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GmatRunError } from '../../gmat/console';
import { standInInstall } from '../../gmat/install';
import { WarmConsole, WarmPool } from '../../gmat/warm';
import { runMission } from '../../gmat/run-mission';
import { readParquetWithDuckDb } from '../helpers/duckdb';
import { waitFor } from '../helpers/wait';

const LEO = fs.readFileSync(path.resolve(__dirname, '../../../shared/missions/leo_point_mass.script'), 'utf8');
const install = standInInstall();

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-warm-'));
}

function processesMatching(text: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(text) && !line.includes('ps -eo'));
}

/** Live processes working in `dir` (a warm console is started with no arguments; its slot is its cwd). */
function processesIn(dir: string): number[] {
  return fs.readdirSync('/proc').filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      if (/^\d+ \(.*\) Z /s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
      return fs.readlinkSync(`/proc/${pid}/cwd`).startsWith(dir + path.sep);
    } catch {
      return false; // gone, or not ours to read
    }
  }).map(Number);
}

describe('warm engine mode', () => {
  const pools: WarmPool[] = [];
  const savedHang = process.env.GSWEEP_STANDIN_HANG_IF;

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.closeAll()));
    if (savedHang === undefined) delete process.env.GSWEEP_STANDIN_HANG_IF;
    else process.env.GSWEEP_STANDIN_HANG_IF = savedHang;
  });

  it('serves several runs from one GmatConsole with tables identical to fresh runs', async () => {
    const dir = tmp();
    const pool = new WarmPool(path.join(dir, 'slots'), 4);
    pools.push(pool);
    const warm = { pool, scriptKey: 'leo' };
    for (const [i, sma] of [6900, 7000, 7100].entries()) {
      const w = await runMission({ scriptText: LEO, overrides: { 'Sat.SMA': sma }, runId: i, runDirectory: path.join(dir, `warm-${i}`), install, timeoutMs: 30_000, warm });
      const f = await runMission({ scriptText: LEO, overrides: { 'Sat.SMA': sma }, runId: i, runDirectory: path.join(dir, `fresh-${i}`), install, timeoutMs: 30_000 });
      const wt = await readParquetWithDuckDb(w.tables.report__Track.path);
      const ft = await readParquetWithDuckDb(f.tables.report__Track.path);
      expect(wt.rows.length).toBe(91);
      expect(wt).toEqual(ft);
      // The run's share of the console transcript is its log.
      expect(fs.readFileSync(path.join(dir, `warm-${i}`, 'GmatLog.txt'), 'utf8')).toContain(`***** file: ${path.join(dir, `warm-${i}`, 'patched.script')}`);
    }
    const console = await pool.acquire(install, 'leo');
    expect(console.runs).toBe(3);
    pool.release(install, 'leo', console);
  });

  it('re-runs a script GMAT rejects in a fresh process, so the failure carries GMAT’s error lines', async () => {
    const dir = tmp();
    const pool = new WarmPool(path.join(dir, 'slots'), 4);
    pools.push(pool);
    const warm = { pool, scriptKey: 'leo' };
    const error = await runMission({ scriptText: LEO, overrides: { 'Sat.SMA': 0 }, runId: 0, runDirectory: path.join(dir, 'bad'), install, timeoutMs: 30_000, warm }).catch((e) => e);
    expect(error).toBeInstanceOf(GmatRunError);
    expect((error as GmatRunError).kind).toBe('rejected');
    expect((error as GmatRunError).engineMessage).toContain('The value of "0" for field "SMA" on object "Sat" is not an allowed value.');
    // The dead console was dropped; the next run gets a new one and succeeds.
    const ok = await runMission({ scriptText: LEO, overrides: { 'Sat.SMA': 7000 }, runId: 1, runDirectory: path.join(dir, 'good'), install, timeoutMs: 30_000, warm });
    expect(ok.outcome.status).toBe('ok');
  });

  it('fails a hanging run at its timeout and kills the console and its children', async () => {
    const dir = tmp();
    process.env.GSWEEP_STANDIN_HANG_IF = 'Sat.SMA = 6543;';
    // Only this test's hang grandchild counts: other suites on the machine may hang their own.
    const sleeper = `sleep 3600.${process.pid}`;
    process.env.GSWEEP_STANDIN_HANG_SECONDS = sleeper.slice('sleep '.length);
    const slots = path.join(fs.realpathSync(dir), 'slots'); // as /proc/<pid>/cwd reads it
    const pool = new WarmPool(slots, 4);
    pools.push(pool);
    const failed = runMission({ scriptText: LEO, overrides: { 'Sat.SMA': 6543 }, runId: 0, runDirectory: path.join(dir, 'hang'), install, timeoutMs: 1500, warm: { pool, scriptKey: 'leo' } }).catch((e) => e);
    await waitFor(() => processesIn(slots).length > 0 && processesMatching(sleeper).length > 0, 'the hung console and its sleep', 10_000, 20);
    const error = await failed;
    expect(error).toBeInstanceOf(GmatRunError);
    expect((error as GmatRunError).kind).toBe('timeout');
    expect((error as GmatRunError).message).toContain('GMAT run timed out after 1.5 s');
    // The kill is sent before the error is thrown; the kernel takes its time to end them.
    await waitFor(() => processesIn(slots).length === 0 && processesMatching(sleeper).length === 0, 'the hung console and its sleep to end', 10_000, 50);
    delete process.env.GSWEEP_STANDIN_HANG_SECONDS;
  });

  it('quits with q on close', async () => {
    const dir = tmp();
    const console = await WarmConsole.start(install, path.join(dir, 'slot'));
    expect(console.alive).toBe(true);
    await console.close();
    expect(console.alive).toBe(false);
  });
});
