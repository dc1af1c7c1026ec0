/**
 * `gsweep-worker` refuses bad input as every gsweep command does: one sentence on stderr,
 * exit 2, no stack trace, before it connects to anything.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WORKER_BIN } from '../../helpers/temporal';

const STACK = /\n\s+at /;

function worker(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [WORKER_BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stderr: r.stderr.trim(), stdout: r.stdout.trim() };
}

describe('gsweep-worker refusals', () => {
  const cases: Array<{ what: string; args: string[]; env?: NodeJS.ProcessEnv; message: string }> = [
    { what: 'an unknown flag', args: ['--bogus'], message: "error: unknown option '--bogus'" },
    { what: 'a concurrency of 0', args: ['--concurrency', '0', '--address', '127.0.0.1:1'], message: 'expected a positive integer, got "0"' },
    { what: 'a concurrency over the cap', args: ['--concurrency', '5000', '--address', '127.0.0.1:1'], message: "5000 is more than gsweep's limit of 1 024 GMAT runs at once per worker; give at most 1024" },
    { what: 'GSWEEP_CONCURRENCY over the cap', args: ['--address', '127.0.0.1:1'], env: { GSWEEP_CONCURRENCY: '99999' }, message: "99999 is more than gsweep's limit" },
    { what: 'a metrics address that is no socket address', args: ['--metrics', 'localhost', '--address', '127.0.0.1:1'], message: '--metrics "localhost" is not an IP address and port; give e.g. 0.0.0.0:9464' },
    { what: 'GSWEEP_METRICS with a host name', args: ['--address', '127.0.0.1:1'], env: { GSWEEP_METRICS: 'prometheus.local:9464' }, message: 'GSWEEP_METRICS "prometheus.local:9464" is not an IP address and port' },
    { what: 'a role that does not exist', args: ['--role', 'boss', '--address', '127.0.0.1:1'], message: "argument 'boss' is invalid. Allowed choices are all, control, gmat" },
    { what: 'no address', args: [], env: { TEMPORAL_ADDRESS: '' }, message: '--address (or TEMPORAL_ADDRESS) is required' },
  ];
  for (const c of cases) {
    it(`${c.what}: one sentence, exit 2`, () => {
      const r = worker(c.args, c.env);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(c.message);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stdout).toBe('');
    });
  }
});
