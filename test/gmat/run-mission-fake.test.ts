// runMission against small shell-script fakes of GmatConsole (test doubles), for outcomes
// the stand-in does not produce: output that cannot be parsed, a report file GMAT never
// created, and a crash.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GmatRunError, SUCCESS_LINE } from '../../gmat/console';
import type { GmatInstall } from '../../gmat/install';
import { OutputParseError, runMission } from '../../gmat/run-mission';
import { fakeInstall as makeFakeInstall } from '../helpers/fake-gmat';
import { MISSIONS, tempDir } from '../helpers/temporal';

const root = fs.realpathSync(tempDir('gsweep-run-fake-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const scriptText = fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8');
let n = 0;

const fakeInstall = (body: string): GmatInstall => makeFakeInstall(root, body);

const runDir = () => path.join(root, `run-${n++}`);
const outcomeOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'outcome.json'), 'utf8'));

describe('runMission with fake consoles', () => {
  it('an unparseable report: OutputParseError and a failed outcome naming the resource', async () => {
    const install = fakeInstall(`printf 'Sat.UTCGregorian          Sat.X\\nnot a date   1\\n' > "$track"\necho '${SUCCESS_LINE}'\nexit 0`);
    const dir = runDir();
    const err = await runMission({ scriptText, overrides: {}, runId: 7, runDirectory: dir, install, timeoutMs: 30_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OutputParseError);
    const message = (err as Error).message;
    expect(message).toBe(
      `could not parse ReportFile Track (${path.join(dir, 'track.txt')}): column 'Sat.UTCGregorian', line 2: invalid Gregorian epoch 'not a date' (expected 'DD Mon YYYY HH:MM:SS.fff')`,
    );
    expect(outcomeOf(dir)).toMatchObject({ run_id: 7, status: 'failed', stderr: message, output_paths: {}, tables: {}, engine: { kind: 'gmat' } });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.parquet'))).toEqual([]);
  });

  it('no report file (GMAT creates it lazily): ok with no tables', async () => {
    const install = fakeInstall(`echo '${SUCCESS_LINE}'\nexit 0`);
    const dir = runDir();
    const result = await runMission({ scriptText, overrides: {}, runId: 0, runDirectory: dir, install, timeoutMs: 30_000 });
    expect(result.tables).toEqual({});
    expect(outcomeOf(dir)).toMatchObject({ status: 'ok', output_paths: {}, tables: {}, stderr: null });
  });

  it('exit 0 without the success line is a rejection', async () => {
    const install = fakeInstall('exit 0');
    const dir = runDir();
    const err = await runMission({ scriptText, overrides: {}, runId: 0, runDirectory: dir, install, timeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GmatRunError);
    expect((err as GmatRunError).kind).toBe('rejected');
    expect((err as Error).message).toContain(`GMAT exited 0 without its success line "${SUCCESS_LINE}"`);
    expect(outcomeOf(dir)).toMatchObject({ status: 'failed', stderr: (err as Error).message });
  });

  it('a crash (killed by a signal) is kind crashed with a failed outcome', async () => {
    const install = fakeInstall(`echo 'segfault ahead' >&2\nkill -9 $$`);
    const dir = runDir();
    const err = await runMission({ scriptText, overrides: {}, runId: 0, runDirectory: dir, install, timeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GmatRunError);
    expect((err as GmatRunError).kind).toBe('crashed');
    expect((err as Error).message).toContain('GMAT crashed (signal SIGKILL): segfault ahead');
    expect(outcomeOf(dir)).toMatchObject({ status: 'failed', stderr: (err as Error).message });
  });
});
