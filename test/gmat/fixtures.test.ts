/**
 * Every real GmatConsole run in ../shared/fixtures/gmat-runs, reproduced on the setup-gmat
 * build through gsweep's run primitive (runMission): the same ReportFiles byte for byte, the
 * same exit code, the same GMAT error lines. The fixtures were made by a GMAT R2026a built
 * from nasa/GMAT source in a run directory shown as /data/sweep/runs/run-<n>.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extractEngineErrors, GmatRunError } from '../../gmat/console';
import { WarmPool } from '../../gmat/warm';
import { runMission } from '../../gmat/run-mission';
import { RUN_FILES } from '../../output/layout';
import type { OverrideValue, Overrides } from '../../sweep/overrides';
import { MISSIONS, tempDir } from '../helpers/temporal';
import { FIXTURES } from '../helpers/real-gmat';
import { useRealGmat } from '../helpers/use-real-gmat';

const NEUTRAL_DIR = /\/data\/sweep\/runs\/run-\d+/g;
/** Files of a fixture case that are not ReportFiles GMAT wrote. */
const NOT_REPORTS = new Set(['GmatLog.txt', 'exit_code.txt', 'stdout.txt', 'patched.script']);
const OVERRIDE_LINE = /^GMAT ([A-Za-z_]\w*(?:\.\w+)?) = (.*);$/;

/** The override lines a fixture's patched script has beyond its mission script, as gsweep overrides. */
function overridesOf(mission: string, patched: string): { overrides: Overrides; lines: Set<string> } {
  const original = new Set(mission.split('\n'));
  const overrides: Overrides = {};
  const lines = new Set<string>();
  const patchedLines = patched.split('\n');
  const begin = patchedLines.indexOf('BeginMissionSequence;');
  for (let i = begin - 1; i >= 0; i--) {
    const line = patchedLines[i]!;
    const m = OVERRIDE_LINE.exec(line);
    if (!m || original.has(line)) break;
    lines.add(line);
    // A Variable is set as `GMAT CoastTime = v;`; gsweep spells its key `CoastTime.Value`.
    const key = m[1]!.includes('.') ? m[1]! : `${m[1]}.Value`;
    const raw = m[2]!;
    const value: OverrideValue = /^'.*'$/.test(raw) ? raw.slice(1, -1) : Number(raw);
    // Walking backwards: the first seen is the last in the file, which wins in GMAT.
    if (!(key in overrides)) overrides[key] = value;
  }
  return { overrides, lines };
}

interface Case {
  mission: string;
  name: string;
  dir: string;
  exitCode: number;
  reports: string[];
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const mission of fs.readdirSync(FIXTURES).sort()) {
    if (!fs.existsSync(path.join(MISSIONS, `${mission}.script`))) continue;
    for (const name of fs.readdirSync(path.join(FIXTURES, mission)).sort()) {
      const dir = path.join(FIXTURES, mission, name);
      const exitCode = Number(/rc=(\d+)/.exec(fs.readFileSync(path.join(dir, 'exit_code.txt'), 'utf8'))![1]);
      const reports = fs.readdirSync(dir).filter((f) => f.endsWith('.txt') && !NOT_REPORTS.has(f)).sort();
      out.push({ mission, name, dir, exitCode, reports });
    }
  }
  return out;
}

const CASES = cases();
const root = tempDir('gsweep-real-fixtures-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const gmat = useRealGmat();

/** gsweep's patched script equals the fixture's, apart from the run directory and how override values are spelled. */
function expectSamePatchedScript(mission: string, ours: string, fixture: string, runDir: string, overrides: Overrides): void {
  const mine = overridesOf(mission, ours);
  const theirs = overridesOf(mission, fixture);
  const without = (text: string, skip: Set<string>) => text.split('\n').filter((l) => !skip.has(l));
  expect(without(ours, mine.lines)).toEqual(without(fixture.replace(NEUTRAL_DIR, runDir), new Set([...theirs.lines].map((l) => l.replace(NEUTRAL_DIR, runDir)))));
  expect(mine.overrides).toEqual(overrides);
}

describe('the shared GMAT fixtures, reproduced on the setup-gmat build', () => {
  it('covers every fixture case (3 missions, 9 cases) and the interactive session', () => {
    expect(CASES.map((c) => `${c.mission}/${c.name}`)).toEqual([
      'coast_and_burn/coast2400_kick1',
      'coast_and_burn/nominal',
      'geo_drift/nominal',
      'leo_point_mass/badfield',
      'leo_point_mass/ecc1_5',
      'leo_point_mass/epoch',
      'leo_point_mass/nominal',
      'leo_point_mass/sma0',
      'leo_point_mass/sma7100',
    ]);
    expect(fs.existsSync(path.join(FIXTURES, 'interactive-session', 'transcript.txt'))).toBe(true);
  });

  for (const c of CASES) {
    it(`${c.mission}/${c.name}: exit ${c.exitCode}, ${c.exitCode === 0 ? `${c.reports.join(', ')} byte-identical` : 'the same GMAT error lines'}`, async () => {
      const install = gmat();
      const mission = fs.readFileSync(path.join(MISSIONS, `${c.mission}.script`), 'utf8');
      const fixturePatched = fs.readFileSync(path.join(c.dir, RUN_FILES.patchedScript), 'utf8');
      const { overrides } = overridesOf(mission, fixturePatched);
      const runDirectory = path.join(root, c.mission, c.name, 'run-0');
      const result = await runMission({ scriptText: mission, overrides, runId: 0, runDirectory, install, timeoutMs: 120_000 }).catch((e: unknown) => e);
      expectSamePatchedScript(mission, fs.readFileSync(path.join(runDirectory, RUN_FILES.patchedScript), 'utf8'), fixturePatched, runDirectory, overrides);
      const fixtureStdout = fs.readFileSync(path.join(c.dir, 'stdout.txt'), 'utf8').replace(NEUTRAL_DIR, runDirectory);
      if (c.exitCode === 0) {
        expect(result).not.toBeInstanceOf(Error);
        expect(c.reports.length).toBeGreaterThan(0);
        for (const report of c.reports) {
          const ours = fs.readFileSync(path.join(runDirectory, report));
          const theirs = fs.readFileSync(path.join(c.dir, report));
          expect(ours.equals(theirs), `${report} differs from the fixture`).toBe(true);
        }
      } else {
        expect(result).toBeInstanceOf(GmatRunError);
        const e = result as GmatRunError;
        expect(e.kind).toBe('rejected');
        expect(e.exitCode).toBe(c.exitCode);
        const expected = extractEngineErrors(fixtureStdout);
        expect(expected).toContain('**** ERROR ****');
        expect(e.engineMessage).toBe(expected);
        const outcome = JSON.parse(fs.readFileSync(path.join(runDirectory, 'outcome.json'), 'utf8'));
        expect(outcome.status).toBe('failed');
        expect(outcome.stderr).toContain(expected.split('\n')[0]);
        for (const report of c.reports) expect(fs.existsSync(path.join(runDirectory, report))).toBe(false);
      }
    });
  }

  it('interactive-session: warm mode serves runs 0 and 1 from one console (byte-identical tracks), run 2 fails with the same error', async () => {
    const install = gmat();
    const session = path.join(FIXTURES, 'interactive-session');
    const mission = fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8');
    const pool = new WarmPool(path.join(root, 'interactive', 'slots'), 2);
    const warm = { pool, scriptKey: 'leo' };
    try {
      const dirs: string[] = [];
      for (const n of [0, 1]) {
        const { overrides } = overridesOf(mission, fs.readFileSync(path.join(session, `run-${n}`, RUN_FILES.patchedScript), 'utf8'));
        const runDirectory = path.join(root, 'interactive', `run-${n}`);
        dirs.push(runDirectory);
        await runMission({ scriptText: mission, overrides, runId: n, runDirectory, install, timeoutMs: 120_000, warm });
        const ours = fs.readFileSync(path.join(runDirectory, 'track.txt'));
        expect(ours.equals(fs.readFileSync(path.join(session, `run-${n}`, 'track.txt'))), `run-${n} track.txt differs`).toBe(true);
        // The run's share of the console transcript is its log: it ran in the warm console.
        expect(fs.readFileSync(path.join(runDirectory, 'GmatLog.txt'), 'utf8')).toContain(`***** file: ${path.join(runDirectory, RUN_FILES.patchedScript)}`);
      }
      const console = await pool.acquire(install, 'leo');
      expect(console.runs).toBe(2);
      pool.release(install, 'leo', console);

      const { overrides } = overridesOf(mission, fs.readFileSync(path.join(session, 'run-2', RUN_FILES.patchedScript), 'utf8'));
      expect(overrides).toEqual({ 'Sat.SMA': 0 });
      const runDirectory = path.join(root, 'interactive', 'run-2');
      const e = (await runMission({ scriptText: mission, overrides, runId: 2, runDirectory, install, timeoutMs: 120_000, warm }).catch((x: unknown) => x)) as GmatRunError;
      expect(e).toBeInstanceOf(GmatRunError);
      expect(e.exitCode).toBe(Number(/exit=(\d+)/.exec(fs.readFileSync(path.join(session, 'exit_code.txt'), 'utf8'))![1]));
      // The fixture's run-2 script carries an extra `GMAT Sat.SMA = 7000;` line before the
      // `= 0` one, so GMAT quotes its line 40; gsweep's script has one override line (39).
      const expected = extractEngineErrors(fs.readFileSync(path.join(session, 'transcript.txt'), 'utf8').replace(NEUTRAL_DIR, runDirectory)).replace('"  40: GMAT Sat.SMA = 0;"', '"  39: GMAT Sat.SMA = 0;"');
      expect(expected.split('\n')).toHaveLength(3);
      expect(e.engineMessage).toBe(expected);
    } finally {
      await pool.closeAll();
    }
  });
});
