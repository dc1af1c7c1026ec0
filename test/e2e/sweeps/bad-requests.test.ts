/**
 * Bad requests are refused before anything starts: exit code 2, a message naming the
 * problem, no output directory on disk. Validation needs no Temporal server: the CLI is
 * pointed at an address where nothing listens, so a request that got as far as connecting
 * would fail differently.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MISSIONS, runCli, tempDir } from '../../helpers/temporal';

/** Port 9 (discard) on loopback: nothing listens there. */
const NO_SERVER = '127.0.0.1:9';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');

const cases: { name: string; args: (out: string) => string[]; message: string | RegExp }[] = [
  { name: 'missing script', args: (out) => ['run', '/nonexistent/mission.script', '--grid', 'Sat.SMA=7000,7100', '--out', out], message: 'script: "/nonexistent/mission.script" does not exist' },
  { name: 'duplicate grid key', args: (out) => ['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--grid', 'Sat.SMA=1,2', '--out', out], message: '--grid "Sat.SMA=1,2": "Sat.SMA" is given twice' },
  { name: 'empty value list', args: (out) => ['run', LEO, '--grid', 'Sat.SMA=7000,,7100', '--out', out], message: 'value 2 is empty' },
  { name: 'NaN value', args: (out) => ['run', LEO, '--grid', 'Sat.SMA=7000,nan', '--out', out], message: 'value "nan" is not a finite number' },
  { name: 'COUNT < 2', args: (out) => ['run', LEO, '--grid', 'Sat.SMA=7000:7400:1', '--out', out], message: 'COUNT must be an integer >= 2' },
  { name: 'unknown resource', args: (out) => ['run', LEO, '--grid', 'Sta.SMA=7000,7100', '--out', out], message: 'the script creates no resource named "Sta"' },
  { name: 'key without a dot', args: (out) => ['run', LEO, '--grid', 'SMA=7000,7100', '--out', out], message: /SMA/ },
  { name: 'injection in a string value', args: (out) => ['run', LEO, '--grid', "Sat.DateFormat=UTCGregorian;Stop", '--out', out], message: 'must not contain' },
  { name: 'maxInFlight over the limit', args: (out) => ['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--max-in-flight', '900', '--out', out], message: '"900" is not a whole number from 1 to 500: gsweep keeps at most 500 batches in flight' },
  { name: 'unknown distribution', args: (out) => ['monte-carlo', LEO, '--n', '10', '--seed', '1', '--perturb', 'Sat.SMA=gauss:7000:10', '--out', out], message: /Sat\.SMA.*gauss|gauss.*Sat\.SMA/ },
  { name: 'sigma <= 0', args: (out) => ['monte-carlo', LEO, '--n', '10', '--seed', '1', '--perturb', 'Sat.SMA=normal:7000:0', '--out', out], message: /Sat\.SMA/ },
  { name: 'hi <= lo', args: (out) => ['monte-carlo', LEO, '--n', '10', '--seed', '1', '--perturb', 'Sat.INC=uniform:52:50', '--out', out], message: /Sat\.INC/ },
  { name: 'non-finite parameter', args: (out) => ['lhs', LEO, '--n', '10', '--seed', '1', '--perturb', 'Sat.SMA=normal:inf:10', '--out', out], message: /Sat\.SMA/ },
  { name: 'n < 1', args: (out) => ['monte-carlo', LEO, '--n', '0', '--seed', '1', '--perturb', 'Sat.SMA=normal:7000:10', '--out', out], message: 'monteCarlo.n: 0 is not a positive integer' },
];

describe('bad requests exit 2 and start nothing', () => {
  for (const c of cases) {
    it(`refuses: ${c.name}`, async () => {
      const out = path.join(tempDir(), 'out');
      const result = await runCli([...c.args(out), '--engine', 'stand-in', '--address', NO_SERVER]);
      expect(result.code).toBe(2);
      if (typeof c.message === 'string') expect(result.stderr).toContain(c.message);
      else expect(result.stderr).toMatch(c.message);
      expect(fs.existsSync(out)).toBe(false);
    });
  }

  it('an address where nothing listens is what a request that passes validation meets', async () => {
    const out = path.join(tempDir(), 'out');
    const result = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--out', out, '--engine', 'stand-in', '--address', NO_SERVER]);
    // Also exit 2 (an unreachable address is the user's to fix), but with its own
    // sentence naming the address, so the refusals above are told apart by their messages.
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('gsweep: error: cannot reach Temporal at 127.0.0.1:9 (namespace default) within 5 s');
  });

  it('says how to point at GMAT when none is installed, and that the stand-in exists', async () => {
    const out = path.join(tempDir(), 'out');
    const emptyRoot = tempDir('not-gmat-');
    const result = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--out', out], { env: { GMAT_ROOT: emptyRoot } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--gmat-root');
    expect(result.stderr).toContain('GMAT_ROOT');
    expect(result.stderr).toContain('--engine stand-in');
    expect(fs.existsSync(out)).toBe(false);
  });
});
