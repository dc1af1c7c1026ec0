/**
 * Holds the stand-in (the test double in gmat-stand-in) against real GMAT, so the double
 * cannot drift from what it imitates: every shared mission, over a spread of overrides, run
 * through runMission on both engines. Same ReportFiles apart from GMAT's integration noise
 * (same header, same row count, same epoch text, numbers within 1e-8 of their column's
 * scale, the stand-in's documented accuracy), and the same outcome for runs GMAT rejects
 * (same exit code, same GMAT error lines).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GmatRunError } from '../../gmat/console';
import { standInInstall, type GmatInstall } from '../../gmat/install';
import { runMission } from '../../gmat/run-mission';
import type { Overrides } from '../../sweep/overrides';
import { MISSIONS, tempDir } from '../helpers/temporal';
import { useRealGmat } from '../helpers/use-real-gmat';

const TOLERANCE = 1e-8;

const CASES: { mission: string; overrides: Overrides }[] = [
  { mission: 'leo_point_mass', overrides: {} },
  { mission: 'leo_point_mass', overrides: { 'Sat.SMA': 6800 } },
  { mission: 'leo_point_mass', overrides: { 'Sat.SMA': 7400, 'Sat.INC': 98.2, 'Sat.ECC': 0.05 } },
  { mission: 'leo_point_mass', overrides: { 'Sat.RAAN': 300, 'Sat.AOP': 10, 'Sat.TA': 250 } },
  { mission: 'leo_point_mass', overrides: { 'Sat.Epoch': '21 Mar 2026 00:00:00.000' } },
  { mission: 'leo_point_mass', overrides: { 'Sat.SMA': 0 } },
  { mission: 'leo_point_mass', overrides: { 'Sat.ECC': 1.5 } },
  { mission: 'leo_point_mass', overrides: { 'Sat.ECC': -0.1 } },
  { mission: 'coast_and_burn', overrides: {} },
  { mission: 'coast_and_burn', overrides: { 'CoastTime.Value': 2400, 'Kick.Element1': 1 } },
  { mission: 'coast_and_burn', overrides: { 'CoastTime.Value': 60, 'Kick.Element1': -0.1 } },
  { mission: 'coast_and_burn', overrides: { 'CoastTime.Value': 3000, 'Kick.Element1': 0.5, 'Kick.Element2': 0.1 } },
  { mission: 'geo_drift', overrides: {} },
  { mission: 'geo_drift', overrides: { 'Geo.SMA': 42000, 'Geo.INC': 2 } },
];

const root = tempDir('gsweep-drift-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const gmat = useRealGmat();
const standIn = standInInstall();

type Result = { ok: true; dir: string; reports: string[] } | { ok: false; dir: string; error: GmatRunError };

async function runOn(install: GmatInstall, mission: string, overrides: Overrides, dir: string): Promise<Result> {
  const scriptText = fs.readFileSync(path.join(MISSIONS, `${mission}.script`), 'utf8');
  try {
    await runMission({ scriptText, overrides, runId: 0, runDirectory: dir, install, timeoutMs: 120_000 });
    const reports = fs.readdirSync(dir).filter((f) => f.endsWith('.txt') && f !== 'GmatLog.txt' && f !== 'gmat_startup_file.txt').sort();
    return { ok: true, dir, reports };
  } catch (e) {
    if (!(e instanceof GmatRunError)) throw e;
    return { ok: false, dir, error: e };
  }
}

/** A ReportFile as rows of fixed-width fields (GMAT pads columns with two or more spaces). */
function fields(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}/));
}

function compareReports(standInText: string, realText: string, what: string): number {
  const a = fields(standInText);
  const b = fields(realText);
  expect(a.length, `${what}: row count`).toBe(b.length);
  const numeric = (s: string) => /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s);
  const width = b[0]!.length;
  const scale = Array.from({ length: width }, (_, c) => Math.max(...b.filter((r) => numeric(r[c] ?? '')).map((r) => Math.abs(Number(r[c]))), 0));
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    expect(a[i]!.length, `${what}: fields in row ${i}`).toBe(b[i]!.length);
    for (let c = 0; c < width; c++) {
      const x = a[i]![c]!;
      const y = b[i]![c]!;
      if (numeric(y) && numeric(x)) {
        const err = scale[c]! === 0 ? Math.abs(Number(x)) : Math.abs(Number(x) - Number(y)) / scale[c]!;
        worst = Math.max(worst, err);
        expect(err, `${what}: row ${i} column ${c}: stand-in ${x}, GMAT ${y}`).toBeLessThan(TOLERANCE);
      } else {
        // Headers and epoch text: identical.
        expect(x, `${what}: row ${i} column ${c}`).toBe(y);
      }
    }
  }
  return worst;
}

describe('the stand-in against real GMAT on every shared mission', () => {
  it('covers every mission in ../shared/missions', () => {
    const missions = fs.readdirSync(MISSIONS).filter((f) => f.endsWith('.script')).map((f) => f.replace(/\.script$/, '')).sort();
    expect([...new Set(CASES.map((c) => c.mission))].sort()).toEqual(missions);
  });

  for (const [i, c] of CASES.entries()) {
    it(`${c.mission} ${JSON.stringify(c.overrides)}`, async () => {
      const a = await runOn(standIn, c.mission, c.overrides, path.join(root, `case-${i}`, 'stand-in'));
      const b = await runOn(gmat(), c.mission, c.overrides, path.join(root, `case-${i}`, 'gmat'));
      expect(a.ok, `stand-in ${a.ok ? 'ran' : `failed: ${(a as { error: Error }).error.message}`}; GMAT ${b.ok ? 'ran' : `failed: ${(b as { error: Error }).error.message}`}`).toBe(b.ok);
      if (a.ok && b.ok) {
        expect(a.reports).toEqual(b.reports);
        expect(b.reports.length).toBeGreaterThan(0);
        for (const f of b.reports) {
          const worst = compareReports(fs.readFileSync(path.join(a.dir, f), 'utf8'), fs.readFileSync(path.join(b.dir, f), 'utf8'), f);
          expect(worst).toBeLessThan(TOLERANCE);
        }
      } else if (!a.ok && !b.ok) {
        expect(a.error.kind).toBe(b.error.kind);
        expect(a.error.exitCode).toBe(b.error.exitCode);
        expect(b.error.engineMessage).toContain('**** ERROR ****');
        expect(a.error.engineMessage.split(a.dir).join('<run>')).toBe(b.error.engineMessage.split(b.dir).join('<run>'));
      }
    });
  }
});
