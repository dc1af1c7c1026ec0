/**
 * Class 4 of docs/security.md: limits are checked up front, each message names the limit, and no
 * input makes the client allocate the run set to find out it is too big. All of these exit
 * 2 without starting Temporal (no --address, so they would start an embedded server next).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MISSIONS, runCli, tempDir } from '../../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const ENV = { GMAT_ROOT: '' };
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function work(): string {
  const d = fs.realpathSync(tempDir('gsweep-limits-'));
  roots.push(d);
  return d;
}
const LIMIT = "more than gsweep's limit of 10 000 000 runs per sweep";

const cases: { name: string; args: (cwd: string) => string[];
  /** extend takes no --out: it works on an existing directory. */
  noOut?: boolean; message: string; setup?: (cwd: string) => void }[] = [
  { name: 'a 10^9-value linspace axis (counted, not expanded)', args: () => ['run', LEO, '--grid', 'Sat.SMA=1:2:1000000000'], message: `--grid "Sat.SMA=1:2:1000000000": this grid has 1 000 000 000 runs, ${LIMIT}` },
  { name: 'a product of axes over the limit', args: () => ['run', LEO, '--grid', 'Sat.SMA=7000:7100:5000', '--grid', 'Sat.ECC=0:0.1:5000'], message: `this grid has 25 000 000 runs, ${LIMIT}` },
  { name: 'monte-carlo --n 1e9', args: () => ['monte-carlo', LEO, '--n', '1e9', '--seed', '1', '--perturb', 'Sat.SMA=normal:7000:10'], message: `monteCarlo.n: 1 000 000 000 runs is ${LIMIT}` },
  { name: 'lhs --n 1e9', args: () => ['lhs', LEO, '--n', '1000000000', '--seed', '1', '--perturb', 'Sat.SMA=normal:7000:10'], message: `latinHypercube.n: 1 000 000 000 runs is ${LIMIT}` },
  { name: 'extend --n 1e9 (before reading anything)', noOut: true, args: (cwd) => ['extend', cwd, '--n', '1000000000'], message: `n: 1 000 000 000 runs is ${LIMIT}` },
  { name: '--run-timeout past what a timer holds', args: () => ['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--run-timeout', '2147484'], message: 'runTimeoutSeconds: 2147484 s is outside 0..2147483 s (about 24.8 days), the longest timer Node and Temporal\'s SDK can hold' },
  { name: '--heartbeat-timeout past what a timer holds', args: () => ['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--heartbeat-timeout', '1e12'], message: 'heartbeatTimeoutSeconds: 1000000000000 s is outside 0..2147483 s' },
  { name: 'run-one --timeout past what a timer holds', args: () => ['run-one', LEO, '--set', 'Sat.SMA=7000', '--timeout', '3000000'], message: 'timeout: 3000000 s is outside 0..2147483 s' },
  {
    name: 'a script over 4 MiB',
    setup: (cwd) => fs.writeFileSync(path.join(cwd, 'big.script'), fs.readFileSync(LEO, 'utf8') + `% ${'x'.repeat(5 * 1024 * 1024)}\n`),
    args: (cwd) => ['run', path.join(cwd, 'big.script'), '--grid', 'Sat.SMA=7000,7100'],
    message: 'bytes, over the limit of 4 194 304 bytes for a GMAT .script file; GMAT scripts are kilobytes',
  },
  {
    name: 'a samples file over 64 MiB (sparse: only its size is read)',
    setup: (cwd) => {
      const fd = fs.openSync(path.join(cwd, 'huge.csv'), 'w');
      fs.ftruncateSync(fd, 300 * 1024 * 1024);
      fs.closeSync(fd);
    },
    args: (cwd) => ['run', LEO, '--samples', path.join(cwd, 'huge.csv')],
    message: 'is 314 572 800 bytes, over the limit of 67 108 864 bytes for a samples file',
  },
];

describe('limits: refused up front, naming the limit', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const cwd = work();
      c.setup?.(cwd);
      const out = path.join(cwd, 'o');
      const r = await runCli([...c.args(cwd), '--engine', 'stand-in', ...(c.noOut ? [] : ['--out', out])], { env: ENV });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(c.message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(out)).toBe(false);
    });
  }
});
