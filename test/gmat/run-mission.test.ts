// Acceptance tests of the GMAT run primitive: runMission with the stand-in engine
// (gmat-stand-in, a TEST DOUBLE of GmatConsole), per-run Parquet read back by DuckDB
// (an independent reader), outcome.json, retries, and the shared missions.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GmatRunError } from '../../gmat/console';
import { EngineSlots } from '../../gmat/slots';
import { standInInstall } from '../../gmat/install';
import { runMission, type RunMissionResult } from '../../gmat/run-mission';
import { RUN_FILES } from '../../output/layout';
import type { RunOutcome } from '../../output/outcome';
import type { Overrides } from '../../sweep/overrides';
import { readParquetWithDuckDb } from '../helpers/duckdb';
import { MISSIONS, tempDir } from '../helpers/temporal';
import { keplerState, leo } from '../helpers/two-body';

const FIXTURES = '/work/shared/fixtures/gmat-runs';
const install = standInInstall();
const root = tempDir('gsweep-run-mission-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const mission = (name: string) => fs.readFileSync(path.join(MISSIONS, `${name}.script`), 'utf8');
let dirCount = 0;
const newRunDir = () => path.join(root, `case-${dirCount++}`, 'run-0');

function run(name: string, overrides: Overrides, runDirectory = newRunDir(), extra: { attempt?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<RunMissionResult> {
  return runMission({ scriptText: mission(name), overrides, runId: 0, runDirectory, install, timeoutMs: extra.timeoutMs ?? 60_000, signal: extra.signal, attempt: extra.attempt });
}

async function rejectionOf(p: Promise<unknown>): Promise<GmatRunError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GmatRunError);
    return err as GmatRunError;
  }
  throw new Error('expected runMission to reject');
}

const readOutcomeJson = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'outcome.json'), 'utf8')) as RunOutcome;
const nanos = (v: unknown) => (v as { nanos: bigint }).nanos;
const utcNs = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

const STATE = ['X', 'Y', 'Z', 'VX', 'VY', 'VZ'].map((c) => `Sat.EarthMJ2000Eq.${c}`);
const LEO_EPOCH = utcNs('2026-03-20T06:00:00Z');

describe('leo_point_mass with Sat.SMA = 7000 and 7100 (stand-in engine)', () => {
  const results: Record<number, { result: RunMissionResult; dir: string; rows: Record<string, unknown>[]; types: Record<string, string> }> = {};

  beforeAll(async () => {
    for (const sma of [7000, 7100]) {
      const dir = newRunDir();
      const result = await run('leo_point_mass', { 'Sat.SMA': sma }, dir);
      const back = await readParquetWithDuckDb(path.join(dir, 'report__Track.parquet'), '"Sat.ElapsedSecs"');
      results[sma] = { result, dir, rows: back.rows, types: back.types };
    }
  });

  it('both runs are ok with a 91-row report__Track table', () => {
    for (const sma of [7000, 7100]) {
      const { result, dir } = results[sma];
      expect(result.outcome.status).toBe('ok');
      expect(result.tables).toEqual({ report__Track: { path: path.join(dir, 'report__Track.parquet'), rows: 91 } });
      expect(results[sma].rows).toHaveLength(91);
    }
  });

  it('has TIMESTAMP_NS epochs and time, DOUBLE state columns (read by DuckDB)', () => {
    expect(results[7000].types).toEqual({
      'Sat.UTCGregorian': 'TIMESTAMP_NS',
      'Sat.ElapsedSecs': 'DOUBLE',
      'Sat.EarthMJ2000Eq.X': 'DOUBLE',
      'Sat.EarthMJ2000Eq.Y': 'DOUBLE',
      'Sat.EarthMJ2000Eq.Z': 'DOUBLE',
      'Sat.EarthMJ2000Eq.VX': 'DOUBLE',
      'Sat.EarthMJ2000Eq.VY': 'DOUBLE',
      'Sat.EarthMJ2000Eq.VZ': 'DOUBLE',
      'Sat.Earth.SMA': 'DOUBLE',
      'Sat.Earth.ECC': 'DOUBLE',
      time: 'TIMESTAMP_NS',
    });
  });

  it('time equals Sat.UTCGregorian, every 60 s from the script epoch', () => {
    for (const sma of [7000, 7100]) {
      results[sma].rows.forEach((row, i) => {
        expect(nanos(row.time)).toBe(nanos(row['Sat.UTCGregorian']));
        expect(nanos(row.time)).toBe(LEO_EPOCH + BigInt(i) * 60_000_000_000n);
        expect(row['Sat.ElapsedSecs']).toBe(60 * i);
      });
    }
  });

  it('the two runs differ', () => {
    const a = results[7000].rows;
    const b = results[7100].rows;
    for (const i of [1, 45, 90]) for (const c of STATE) expect(a[i][c]).not.toBe(b[i][c]);
    // Same start direction (only the size of the orbit changed): row 0 positions scale with SMA.
    expect((b[0]['Sat.EarthMJ2000Eq.X'] as number) / (a[0]['Sat.EarthMJ2000Eq.X'] as number)).toBeCloseTo(7100 / 7000, 12);
  });

  it('the row at ElapsedSecs 2700 matches the closed-form Kepler solution to 1e-6 relative', () => {
    for (const sma of [7000, 7100]) {
      const row = results[sma].rows.find((r) => r['Sat.ElapsedSecs'] === 2700)!;
      expect(nanos(row.time)).toBe(utcNs('2026-03-20T06:45:00Z'));
      const want = keplerState(leo(sma), 2700);
      STATE.forEach((c, k) => {
        const got = row[c] as number;
        expect(Math.abs(got - want[k]) / Math.abs(want[k]), `${c} at SMA ${sma}: ${got} vs ${want[k]}`).toBeLessThan(1e-6);
      });
      expect(Math.abs((row['Sat.Earth.SMA'] as number) - sma) / sma).toBeLessThan(1e-9);
      expect(row['Sat.Earth.ECC'] as number).toBeCloseTo(0.0012, 9);
    }
  });

  it('every row matches the closed form to 1e-6 of the position and velocity magnitudes', () => {
    for (const sma of [7000, 7100]) {
      for (const row of results[sma].rows) {
        const want = keplerState(leo(sma), row['Sat.ElapsedSecs'] as number);
        const rMag = Math.hypot(want[0], want[1], want[2]);
        const vMag = Math.hypot(want[3], want[4], want[5]);
        STATE.forEach((c, k) => {
          expect(Math.abs((row[c] as number) - want[k]) / (k < 3 ? rMag : vMag)).toBeLessThan(1e-6);
        });
        expect(Math.abs((row['Sat.Earth.SMA'] as number) - sma) / sma).toBeLessThan(1e-9);
      }
    }
  });

  it('records an ok outcome.json that agrees with the result', () => {
    const { dir, result } = results[7100];
    const outcome = readOutcomeJson(dir);
    // On disk paths are relative to the run directory (a moved output directory still reads
    // its own files); in memory they are absolute.
    expect(outcome).toEqual({ ...result.outcome, output_paths: { report__Track: 'report__Track.parquet' }, log_path: 'GmatLog.txt' });
    expect(result.outcome).toMatchObject({
      output_paths: { report__Track: path.join(dir, 'report__Track.parquet') },
      log_path: path.join(dir, 'GmatLog.txt'),
    });
    expect(outcome).toMatchObject({
      run_id: 0,
      status: 'ok',
      overrides: { 'Sat.SMA': 7100 },
      stderr: null,
      attempt: 1,
      engine: { kind: 'stand-in', root: install.root, version: install.version },
    });
    expect(outcome.tables.report__Track.rows).toBe(91);
    expect(outcome.tables.report__Track.columns).toEqual([
      { name: 'Sat.UTCGregorian', type: 'timestamp' },
      ...['Sat.ElapsedSecs', ...STATE, 'Sat.Earth.SMA', 'Sat.Earth.ECC'].map((name) => ({ name, type: 'double' })),
      { name: 'time', type: 'timestamp' },
    ]);
    // ISO-8601 UTC with an explicit offset, as gmat-sweep's manifest.
    expect(outcome.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    expect(outcome.ended_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    expect(Date.parse(outcome.ended_at)).toBeGreaterThanOrEqual(Date.parse(outcome.started_at));
    expect(outcome.duration_s).toBeGreaterThan(0);
    expect(outcome.duration_s).toBeLessThan(60);
    expect(fs.existsSync(path.join(dir, outcome.log_path!))).toBe(true);
    // The patched script carries the override just before BeginMissionSequence.
    const patched = fs.readFileSync(path.join(dir, RUN_FILES.patchedScript), 'utf8');
    expect(patched).toMatch(/GMAT Sat\.SMA = 7100;\s*\n\s*BeginMissionSequence/);
  });
});

describe('failed runs', () => {
  it('Sat.SMA = 0: GmatRunError rejected, outcome.json failed with GMAT\'s own error lines', async () => {
    const dir = newRunDir();
    const err = await rejectionOf(run('leo_point_mass', { 'Sat.SMA': 0 }, dir));
    expect(err.kind).toBe('rejected');
    expect(err.exitCode).toBe(1);
    expect(err.logPath).toBe(path.join(dir, 'GmatLog.txt'));
    const lineNo = fs.readFileSync(path.join(dir, RUN_FILES.patchedScript), 'utf8').split('\n').indexOf('GMAT Sat.SMA = 0;') + 1;
    expect(lineNo).toBeGreaterThan(0);

    const outcome = readOutcomeJson(dir);
    expect(outcome).toMatchObject({
      run_id: 0,
      status: 'failed',
      overrides: { 'Sat.SMA': 0 },
      output_paths: {},
      tables: {},
      log_path: 'GmatLog.txt',
      attempt: 1,
      engine: { kind: 'stand-in' },
    });
    expect(outcome.stderr).toBe(err.message);
    expect(outcome.stderr).toContain(
      '**** ERROR **** Utility Exception: The value of "0" for field "SMA" on object "Sat" is not an allowed value.',
    );
    expect(outcome.stderr).toContain('The allowed values are: [Real Number != 0 (tolerance = 0.001)]');
    expect(outcome.stderr).toContain(`"  ${lineNo}: GMAT Sat.SMA = 0;"`);
    expect(outcome.stderr).toContain('GMAT rejected the run (exit 1)');
    // The error lines, not the console banner.
    expect(outcome.stderr).not.toContain('GMAT Console Application');
    expect(outcome.stderr).not.toContain('Usage:');
    expect(outcome.duration_s).toBeGreaterThan(0);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.parquet'))).toEqual([]);
  });

  it('Sat.ECC = 1.5 is rejected too, with GMAT\'s ECC error', async () => {
    const dir = newRunDir();
    const err = await rejectionOf(run('leo_point_mass', { 'Sat.ECC': 1.5 }, dir));
    expect(err.kind).toBe('rejected');
    expect(err.engineMessage).toContain('**** ERROR ****');
    expect(err.engineMessage).toContain('ECC');
    expect(readOutcomeJson(dir)).toMatchObject({ status: 'failed', stderr: err.message });
  });

  it('a timeout kills the run and records a failed outcome', async () => {
    const dir = newRunDir();
    const err = await rejectionOf(run('leo_point_mass', {}, dir, { timeoutMs: 1 }));
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('GMAT run timed out after 0.001 s and was killed with its process tree');
    expect(readOutcomeJson(dir)).toMatchObject({ status: 'failed', stderr: err.message, output_paths: {} });
  });

  it('a cancelled run throws kind cancelled and writes no outcome.json', async () => {
    const dir = newRunDir();
    const controller = new AbortController();
    controller.abort();
    const err = await rejectionOf(run('leo_point_mass', {}, dir, { signal: controller.signal }));
    expect(err.kind).toBe('cancelled');
    expect(err.message).toContain('GMAT run cancelled');
    expect(fs.existsSync(path.join(dir, 'outcome.json'))).toBe(false);
  });
});

describe('retried runs leave nothing of earlier attempts', () => {
  const expectedFiles = ['GmatLog.txt', 'gmat_startup_file.txt', 'outcome.json', RUN_FILES.patchedScript, 'report__Track.parquet', 'track.txt'].sort();

  function plantJunk(dir: string): void {
    fs.writeFileSync(path.join(dir, 'junk.txt'), 'left over');
    fs.writeFileSync(path.join(dir, '.report__Track.parquet.999.abc.tmp'), 'half a file');
    fs.mkdirSync(path.join(dir, 'stale-subdir'));
    fs.writeFileSync(path.join(dir, 'stale-subdir', 'x'), 'x');
  }

  it('failed attempt 1, junk planted, ok attempt 2', async () => {
    const dir = newRunDir();
    await rejectionOf(run('leo_point_mass', { 'Sat.SMA': 0 }, dir));
    expect(readOutcomeJson(dir).status).toBe('failed');
    plantJunk(dir);
    const second = await run('leo_point_mass', { 'Sat.SMA': 7100 }, dir, { attempt: 2 });
    expect(fs.readdirSync(dir).sort()).toEqual(expectedFiles);
    expect(readOutcomeJson(dir)).toMatchObject({ status: 'ok', attempt: 2, overrides: { 'Sat.SMA': 7100 }, stderr: null });
    expect(second.tables.report__Track.rows).toBe(91);
    const back = await readParquetWithDuckDb(path.join(dir, 'report__Track.parquet'));
    expect(back.rows).toHaveLength(91);
  });

  it('ok attempt 1, junk planted, failed attempt 2 leaves no stale table', async () => {
    const dir = newRunDir();
    await run('leo_point_mass', { 'Sat.SMA': 7000 }, dir);
    plantJunk(dir);
    await rejectionOf(run('leo_point_mass', { 'Sat.SMA': 0 }, dir, { attempt: 2 }));
    expect(fs.readdirSync(dir).sort()).toEqual(['GmatLog.txt', 'gmat_startup_file.txt', 'outcome.json', RUN_FILES.patchedScript].sort());
    expect(readOutcomeJson(dir)).toMatchObject({ status: 'failed', attempt: 2, output_paths: {} });
  });

  it('the same overrides twice give identical tables', async () => {
    const dir = newRunDir();
    await run('leo_point_mass', { 'Sat.SMA': 7000 }, dir);
    const first = await readParquetWithDuckDb(path.join(dir, 'report__Track.parquet'));
    plantJunk(dir);
    await run('leo_point_mass', { 'Sat.SMA': 7000 }, dir, { attempt: 2 });
    expect(fs.readdirSync(dir).sort()).toEqual(expectedFiles);
    const second = await readParquetWithDuckDb(path.join(dir, 'report__Track.parquet'));
    expect(second.rows).toEqual(first.rows);
  });
});

/** Data rows of a real-GMAT ReportFile fixture. */
function fixtureRows(file: string): string[][] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}/));
}

describe('the other shared missions', () => {
  it('coast_and_burn gives report__Trajectory and a one-row report__Final', async () => {
    const dir = newRunDir();
    const result = await run('coast_and_burn', {}, dir);
    expect(Object.keys(result.tables).sort()).toEqual(['report__Final', 'report__Trajectory']);
    const realTrajectory = fixtureRows(path.join(FIXTURES, 'coast_and_burn', 'nominal', 'trajectory.txt'));
    expect(result.tables.report__Trajectory.rows).toBe(realTrajectory.length);
    expect(result.tables.report__Final.rows).toBe(1);

    const final = await readParquetWithDuckDb(path.join(dir, 'report__Final.parquet'));
    expect(final.types).toEqual({
      'Probe.UTCGregorian': 'TIMESTAMP_NS',
      'Probe.Earth.SMA': 'DOUBLE',
      'Probe.Earth.ECC': 'DOUBLE',
      'Probe.Earth.RadApo': 'DOUBLE',
      'Probe.Earth.RMAG': 'DOUBLE',
      time: 'TIMESTAMP_NS',
    });
    expect(final.rows).toHaveLength(1);
    const row = final.rows[0];
    expect(nanos(row.time)).toBe(utcNs('2026-02-02T14:30:00Z'));
    expect(nanos(row['Probe.UTCGregorian'])).toBe(nanos(row.time));
    // Against real GmatConsole's final.txt for the same mission.
    const [realFinal] = fixtureRows(path.join(FIXTURES, 'coast_and_burn', 'nominal', 'final.txt'));
    ['Probe.Earth.SMA', 'Probe.Earth.ECC', 'Probe.Earth.RadApo', 'Probe.Earth.RMAG'].forEach((c, k) => {
      const want = Number(realFinal[k + 1]);
      expect(Math.abs((row[c] as number) - want) / Math.abs(want)).toBeLessThan(1e-8);
    });
    // The burn raised the orbit.
    expect(row['Probe.Earth.SMA'] as number).toBeGreaterThan(6678.137 + 1000);

    const trajectory = await readParquetWithDuckDb(path.join(dir, 'report__Trajectory.parquet'), 'time');
    expect(trajectory.types['Probe.UTCGregorian']).toBe('TIMESTAMP_NS');
    expect(trajectory.types['Probe.EarthMJ2000Eq.X']).toBe('DOUBLE');
    expect(trajectory.rows).toHaveLength(realTrajectory.length);
    expect(nanos(trajectory.rows[0].time)).toBe(utcNs('2026-02-02T12:00:00Z'));
  });

  it('geo_drift gives 577 rows over two days', async () => {
    const dir = newRunDir();
    const result = await run('geo_drift', {}, dir);
    expect(result.tables).toEqual({ report__Drift: { path: path.join(dir, 'report__Drift.parquet'), rows: 577 } });
    expect(fixtureRows(path.join(FIXTURES, 'geo_drift', 'nominal', 'drift.txt'))).toHaveLength(577);
    const back = await readParquetWithDuckDb(path.join(dir, 'report__Drift.parquet'), 'time');
    expect(back.rows).toHaveLength(577);
    expect(back.types['Geo.ElapsedDays']).toBe('DOUBLE');
    expect(back.types.time).toBe('TIMESTAMP_NS');
    expect(nanos(back.rows[0].time)).toBe(utcNs('2026-07-01T00:00:00Z'));
    expect(nanos(back.rows[576].time)).toBe(utcNs('2026-07-03T00:00:00Z'));
    expect(back.rows[576]['Geo.ElapsedDays']).toBe(2);
  });
});

describe('engine slots (GMAT processes at once on a worker)', () => {
  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(check()).toBe(true);
  }

  it('a run waiting for a slot is already patched, starts GMAT when the slot frees, and gives the slot back', async () => {
    const slots = new EngineSlots(1);
    const hold = await slots.acquire();
    const dir = newRunDir();
    const running = runMission({ scriptText: mission('leo_point_mass'), overrides: { 'Sat.SMA': 7100 }, runId: 0, runDirectory: dir, install, timeoutMs: 60_000, slots });
    await until(() => fs.existsSync(path.join(dir, RUN_FILES.patchedScript)));
    expect(slots.waiting).toBe(1);
    expect(fs.existsSync(path.join(dir, 'GmatLog.txt'))).toBe(false);
    hold();
    const result = await running;
    expect(result.tables.report__Track.rows).toBe(91);
    expect(readOutcomeJson(dir).status).toBe('ok');
    expect(slots.available).toBe(1);
  });

  it('a run cancelled while it waits for a slot never starts GMAT and writes no outcome', async () => {
    const slots = new EngineSlots(1);
    const hold = await slots.acquire();
    const dir = newRunDir();
    const controller = new AbortController();
    const running = runMission({ scriptText: mission('leo_point_mass'), overrides: {}, runId: 0, runDirectory: dir, install, timeoutMs: 60_000, slots, signal: controller.signal });
    await until(() => slots.waiting === 1);
    controller.abort();
    const err = await rejectionOf(running);
    expect(err.kind).toBe('cancelled');
    expect(err.message).toContain('GMAT run cancelled before it started');
    expect(fs.existsSync(path.join(dir, 'outcome.json'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'GmatLog.txt'))).toBe(false);
    hold();
    expect(slots.available).toBe(1);
  });
});
