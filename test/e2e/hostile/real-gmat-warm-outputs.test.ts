/**
 * Warm consoles write every file a run makes into that run's directory, as fresh runs do:
 * a plain-named output gsweep does not rewrite (`SaveMission 'saved_mission.script'`) lands in
 * GMAT's OUTPUT_PATH, the slot directory, and is moved into the run directory after the run.
 * Slot directories are private (0700) and removed when the pool closes. Real GMAT R2026a.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMission } from '../../../gmat/run-mission';
import { WarmPool } from '../../../gmat/warm';
import { MISSIONS, tempDir } from '../../helpers/temporal';
import { useRealGmat } from '../../helpers/use-real-gmat';

const gmat = useRealGmat();
const LEO = fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** Every file under `dir` (relative paths). */
function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : [];
}

describe('warm mode keeps every output in its run directory', () => {
  it('SaveMission and a second run: each run has its own saved script, the slot keeps none, the pool leaves nothing behind', async () => {
    const dir = fs.realpathSync(tempDir('gsweep-warm-outputs-'));
    roots.push(dir);
    const text = LEO.trimEnd() + "\nSaveMission 'saved_mission.script';\n";
    const poolDir = path.join(dir, 'pool');
    const pool = new WarmPool(poolDir, 1);
    const slotFilesAfterRun: string[][] = [];
    try {
      for (const [i, sma] of [7000, 7100].entries()) {
        const runDirectory = path.join(dir, `run-${i}`);
        const result = await runMission({ scriptText: text, overrides: { 'Sat.SMA': sma }, runId: i, runDirectory, install: gmat(), timeoutMs: 180_000, warm: { pool, scriptKey: 'leo' } });
        expect(result.outcome.status).toBe('ok');
        expect(fs.statSync(poolDir).mode & 0o777).toBe(0o700);
        slotFilesAfterRun.push(filesUnder(poolDir).filter((f) => f.endsWith('saved_mission.script')));
        const saved = fs.readFileSync(path.join(runDirectory, 'saved_mission.script'), 'utf8');
        expect(saved).toContain('BeginMissionSequence');
      }
      expect(fs.existsSync(path.join(dir, 'run-0', 'saved_mission.script'))).toBe(true);
      // The same console ran both (one slot), so the second run's file is the second run's.
      expect(fs.readdirSync(poolDir)).toHaveLength(1);
      const slot = path.join(poolDir, fs.readdirSync(poolDir)[0]);
      expect(fs.statSync(slot).mode & 0o777).toBe(0o700);
    } finally {
      await pool.closeAll();
    }
    expect(slotFilesAfterRun).toEqual([[], []]);
    expect(fs.existsSync(poolDir)).toBe(false);
  }, 400_000);
});
