// The run cache around runMission on real GMAT R2026a (leo_point_mass, ~40 ms a run): a hit
// gives the same bytes without starting GMAT, and each part of the key makes a miss when it
// changes (script, GMAT install) and only then (override formatting).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryRunCache } from '../../cache/store';
import { GmatRunError } from '../../gmat/console';
import { computeEngineIdentity } from '../../gmat/engine-identity';
import { inspectInstall, type GmatInstall } from '../../gmat/install';
import { runKey, type RunCache } from '../../gmat/run-cache';
import { runMission, type RunMissionResult } from '../../gmat/run-mission';
import type { RunOutcome } from '../../output/outcome';
import { canonicalScriptSha256 } from '../../output/script-hash';
import type { Overrides } from '../../sweep/overrides';
import { readParquetWithDuckDb } from '../helpers/duckdb';
import { MISSIONS, tempDir } from '../helpers/temporal';
import { useRealGmat } from '../helpers/use-real-gmat';

const gmat = useRealGmat();
const root = tempDir('gsweep-cache-gmat-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const LEO = fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8');
let runs = 0;
const newRunDir = () => path.join(root, 'out', `run-${runs++}`);

function cacheOf(dir: string, script = LEO): RunCache {
  return { store: new DirectoryRunCache(dir), scriptSha256: canonicalScriptSha256(script), postprocess: null };
}

/** An install that cannot start GMAT (same root and startup file, so the same identity): a hit must not need it. */
const noConsole = (install: GmatInstall): GmatInstall => ({ ...install, consolePath: path.join(root, 'no-such-GmatConsole') });

function run(install: GmatInstall, cache: RunCache, overrides: Overrides, scriptText = LEO, runDirectory = newRunDir()): Promise<RunMissionResult> {
  return runMission({ scriptText, overrides, runId: 3, runDirectory, install, timeoutMs: 120_000, cache, sweepId: 'sweep-a' });
}

const bytes = (file: string) => fs.readFileSync(file);
const outcomeOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'outcome.json'), 'utf8')) as RunOutcome;

describe('run cache on real GMAT', () => {
  it('a miss runs GMAT and stores; the same run again is a hit: same table bytes, cached.from names the first run, GMAT not started', async () => {
    const install = gmat();
    const cache = cacheOf(path.join(root, 'c1'));
    const first = await run(install, cache, { 'Sat.SMA': 7100 });
    expect(first.outcome.status).toBe('ok');
    expect(first.outcome.cached).toBeUndefined();
    expect(cache.store.stats().entries).toBe(1);

    const dir = newRunDir();
    const second = await run(noConsole(install), cache, { 'Sat.SMA': 7100 }, LEO, dir);
    const key = await runKey(cache, install, { 'Sat.SMA': 7100 }, undefined);
    expect(second.outcome.cached).toEqual({ key, from: { sweep: 'sweep-a', run_dir: path.dirname(first.tables.report__Track.path), run_id: 3 } });
    expect(outcomeOf(dir).cached?.key).toBe(key);
    expect(second.tables).toEqual({ report__Track: { path: path.join(dir, 'report__Track.parquet'), rows: first.tables.report__Track.rows } });
    expect(bytes(second.tables.report__Track.path).equals(bytes(first.tables.report__Track.path))).toBe(true);
    expect(second.outcome.tables).toEqual(first.outcome.tables);
    // Hard-linked, not copied: the run's table is the entry's file.
    expect(fs.statSync(second.tables.report__Track.path).nlink).toBeGreaterThanOrEqual(3);
    expect(fs.existsSync(path.join(dir, 'gmat_startup_file.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'patched.script'), 'utf8')).toContain('GMAT Sat.SMA = 7100;');
  });

  it('the same number written differently (7000, "7000.0", "7.0e3") is one key and a hit', async () => {
    const install = gmat();
    const cache = cacheOf(path.join(root, 'c2'));
    const first = await run(install, cache, { 'Sat.SMA': 7000 });
    for (const spelled of ['7000.0', '7.0e3']) {
      const again = await run(noConsole(install), cache, { 'Sat.SMA': spelled });
      expect(again.outcome.cached?.from.run_dir, spelled).toBe(path.dirname(first.tables.report__Track.path));
      expect(bytes(again.tables.report__Track.path).equals(bytes(first.tables.report__Track.path))).toBe(true);
    }
    // A different number is a different run.
    const other = await run(install, cache, { 'Sat.SMA': 7000.5 });
    expect(other.outcome.cached).toBeUndefined();
    expect(cache.store.stats().entries).toBe(2);
  });

  it('a changed script is a miss (GMAT runs again)', async () => {
    const install = gmat();
    const cache = cacheOf(path.join(root, 'c3'));
    await run(install, cache, { 'Sat.SMA': 7200 });
    const changed = LEO.replace('BeginMissionSequence', "Create Variable Unused;\nBeginMissionSequence");
    expect(changed).not.toBe(LEO);
    const result = await run(install, cacheOf(path.join(root, 'c3'), changed), { 'Sat.SMA': 7200 }, changed);
    expect(result.outcome.cached).toBeUndefined();
    expect(cache.store.stats().entries).toBe(2);
  });

  it('a GMAT rejection is cached: the hit fails the same way, with the same GMAT error lines naming its own run directory', async () => {
    const install = gmat();
    const cache = cacheOf(path.join(root, 'c4'));
    const firstDir = newRunDir();
    const first = await run(install, cache, { 'Sat.SMA': 0 }, LEO, firstDir).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(GmatRunError);
    expect((first as GmatRunError).kind).toBe('rejected');
    expect(cache.store.stats().entries).toBe(1);

    const dir = newRunDir();
    const again = await run(noConsole(install), cache, { 'Sat.SMA': 0 }, LEO, dir).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(GmatRunError);
    const e = again as GmatRunError;
    expect(e.kind).toBe('rejected');
    expect(e.engineMessage).toBe((first as GmatRunError).engineMessage.split(firstDir).join(dir));
    expect(e.engineMessage).toContain('The value of "0" for field "SMA" on object "Sat" is not an allowed value');
    expect(e.message).toBe((first as GmatRunError).message.split(firstDir).join(dir));
    const outcome = outcomeOf(dir);
    expect(outcome).toMatchObject({ status: 'failed', tables: {}, output_paths: {}, log_path: 'GmatLog.txt' });
    expect(outcome.cached?.from.run_dir).toBe(firstDir);
    expect(fs.readFileSync(path.join(dir, 'GmatLog.txt')).equals(fs.readFileSync(path.join(firstDir, 'GmatLog.txt')))).toBe(true);
  });

  it('a corrupted entry is a miss, said in the run\'s warnings and reported once, then replaced by the new result', async () => {
    const install = gmat();
    const dir = path.join(root, 'c5');
    const reports: string[] = [];
    const cache: RunCache = { store: new DirectoryRunCache(dir, (key, reason) => reports.push(`${key}: ${reason}`)), scriptSha256: canonicalScriptSha256(LEO), postprocess: null };
    const first = await run(install, cache, { 'Sat.SMA': 7300 });
    const key = await runKey(cache, install, { 'Sat.SMA': 7300 }, undefined);
    const stored = path.join(cache.store.entryDir(key), 'report__Track.parquet');
    // Damage the entry's copy only: replace the hard link with a changed file of the same size.
    const damaged = Buffer.from(bytes(stored));
    damaged[damaged.length >> 1] ^= 0xff;
    fs.rmSync(stored);
    fs.writeFileSync(stored, damaged);

    const second = await run(install, cache, { 'Sat.SMA': 7300 });
    expect(second.outcome.cached).toBeUndefined();
    expect(second.outcome.warnings).toEqual([`run cache entry ${key} was not used: report__Track.parquet does not match its SHA-256; GMAT ran, and its result replaces the entry`]);
    expect(reports).toEqual([`${key}: report__Track.parquet does not match its SHA-256`]);
    // Made again by GMAT: the same rows (the file's metadata names its own run directory).
    const rowsOf = async (file: string) => (await readParquetWithDuckDb(file, '"Sat.ElapsedSecs"')).rows;
    expect(await rowsOf(second.tables.report__Track.path)).toEqual(await rowsOf(first.tables.report__Track.path));

    const third = await run(noConsole(install), cache, { 'Sat.SMA': 7300 });
    expect(third.outcome.cached?.from.run_dir).toBe(path.dirname(second.tables.report__Track.path));
    expect(third.outcome.warnings).toBeUndefined();
    expect(reports).toHaveLength(1);
  });

  it('a changed GMAT install (one data file) is another engine identity; a moved but identical copy is the same one', async () => {
    const install = gmat();
    const copyRoot = path.join(root, 'gmat-copy');
    // Hard-linked copy (no bytes copied), its startup file pointing at itself.
    execFileSync('cp', ['-al', install.root, copyRoot]);
    const startup = path.join(copyRoot, 'bin', 'gmat_startup_file.txt');
    const text = fs.readFileSync(startup, 'utf8').split(install.root).join(copyRoot);
    fs.rmSync(startup);
    fs.writeFileSync(startup, text);
    const copy = inspectInstall(copyRoot) as GmatInstall;
    expect(typeof copy).toBe('object');
    const original = await computeEngineIdentity(install);
    expect(await computeEngineIdentity(copy)).toEqual(original);

    const jgm3 = path.join(copyRoot, 'data', 'gravity', 'earth', 'JGM3.cof');
    const changed = `${fs.readFileSync(jgm3, 'utf8')}\n`;
    fs.rmSync(jgm3);
    fs.writeFileSync(jgm3, changed);
    const after = await computeEngineIdentity(copy);
    expect(after.version).toBe(original.version);
    expect(after.fingerprint).not.toBe(original.fingerprint);

    // So a result made by the original install is not served for the changed one.
    const cache = cacheOf(path.join(root, 'c6'));
    await run(install, cache, { 'Sat.SMA': 7400 });
    const onCopy = await run(copy, cache, { 'Sat.SMA': 7400 });
    expect(onCopy.outcome.cached).toBeUndefined();
    expect(cache.store.stats().entries).toBe(2);
  });
});
