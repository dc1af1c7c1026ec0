/**
 * Class 1 (docs/security.md) where real GMAT's behaviour decides (GmatConsole R2026a built by
 * `gsweep setup-gmat`): what GMAT does with the spellings gsweep refuses or redirects.
 *  - a mission-sequence `Track.Filename = ...` really retargets the file at run time (so the
 *    script check that refuses it is needed);
 *  - field names are case-sensitive (`Track.filename` is GMAT's own parse error);
 *  - EphemerisFile's deprecated `FileName` is honoured, and gsweep's rewrite of it keeps the
 *    ephemeris inside the run directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GmatRunError, runGmatConsole } from '../../../gmat/console';
import { runMission } from '../../../gmat/run-mission';
import { parseScript } from '../../../gmat/script';
import { writeStartupFile } from '../../../gmat/startup';
import { MISSIONS, tempDir } from '../../helpers/temporal';
import { useRealGmat } from '../../helpers/use-real-gmat';

const gmat = useRealGmat();
const LEO = fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function work(): string {
  const d = fs.realpathSync(tempDir('gsweep-real-hostile-'));
  roots.push(d);
  return d;
}
function leoWith(before: string[], after: string[] = []): string {
  return LEO.replace('BeginMissionSequence;', `${before.join('\n')}\nBeginMissionSequence;`).trimEnd() + '\n' + after.join('\n') + '\n';
}
/** Runs a script on GmatConsole as given (no gsweep patching), in its own run directory. */
async function runRaw(dir: string, text: string): Promise<{ ok: boolean; message: string }> {
  const runDir = path.join(dir, 'run');
  fs.mkdirSync(runDir, { recursive: true });
  const scriptPath = path.join(runDir, 'raw.script');
  fs.writeFileSync(scriptPath, text);
  const startupPath = writeStartupFile(gmat(), runDir);
  try {
    await runGmatConsole({ install: gmat(), scriptPath, startupPath, logPath: path.join(runDir, 'GmatLog.txt'), cwd: runDir, timeoutMs: 120_000 });
    return { ok: true, message: '' };
  } catch (err) {
    if (err instanceof GmatRunError) return { ok: false, message: err.message };
    throw err;
  }
}

describe('real GMAT and output paths', () => {
  it('honours a Filename set inside the mission sequence (writes outside the run directory), which gsweep refuses', async () => {
    const dir = work();
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere);
    const text = leoWith([], [`Track.Filename = '${elsewhere}/moved.txt';`, 'Propagate Prop(Sat) {Sat.ElapsedSecs = 120};']);
    const r = await runRaw(dir, text);
    expect(r, r.message).toEqual({ ok: true, message: '' });
    expect(fs.readdirSync(elsewhere)).toEqual(['moved.txt']);
    expect(() => parseScript(text)).toThrow('changes an output file inside the mission sequence');
  }, 180_000);

  it('rejects a field name in another case itself (gsweep refuses it before GMAT sees it)', async () => {
    const dir = work();
    const r = await runRaw(dir, leoWith([`GMAT Track.filename = '${dir}/lower.txt';`]));
    expect(r.ok).toBe(false);
    expect(r.message).toContain('The field name "filename" on object "Track" is not permitted');
    expect(fs.existsSync(path.join(dir, 'lower.txt'))).toBe(false);
  }, 180_000);

  it("writes an EphemerisFile's deprecated FileName; gsweep's rewrite keeps it in the run directory", async () => {
    const dir = work();
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(elsewhere);
    const text = leoWith(['Create EphemerisFile Eph;', 'Eph.Spacecraft = Sat;', `Eph.FileName = '${elsewhere}/e.oem';`]);
    const raw = await runRaw(path.join(dir, 'raw'), text);
    expect(raw, raw.message).toEqual({ ok: true, message: '' });
    expect(fs.readdirSync(elsewhere)).toEqual(['e.oem']);
    fs.rmSync(path.join(elsewhere, 'e.oem'));

    const runDirectory = path.join(dir, 'gsweep-run');
    const result = await runMission({ scriptText: text, overrides: { 'Sat.SMA': 7100 }, runId: 0, runDirectory, install: gmat(), timeoutMs: 120_000 });
    expect(result.tables.ephemeris__Eph.rows).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(runDirectory, 'e.oem'))).toBe(true);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  }, 180_000);
});
