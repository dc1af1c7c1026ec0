/**
 * Wrong credentials against the mTLS frontend, an unknown namespace and an unreachable
 * frontend: `gsweep run` and `gsweep-worker` each end with one sentence and exit 2, and the
 * client creates no output directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../temporal/dev-server';
import { runCli, spawnWorker, tempDir } from '../../helpers/temporal';
import { SCRIPT } from '../durability/helpers';
import { productionRig, NS } from './rig';

interface BadCase {
  name: string;
  /** Connection flags replacing the rig's good ones. */
  flags: (rig: Awaited<ReturnType<typeof productionRig>>) => Promise<string[]>;
  message: (rig: Awaited<ReturnType<typeof productionRig>>) => string;
}

const withoutClientCert = (args: string[]) => args.filter((a, i) => !['--tls-cert', '--tls-key'].includes(a) && !['--tls-cert', '--tls-key'].includes(args[i - 1] ?? ''));

const CASES: BadCase[] = [
  {
    name: 'no client certificate',
    flags: async (rig) => withoutClientCert(rig.cliArgs(NS.main)),
    message: (rig) => `cannot reach Temporal at ${rig.address} (namespace ${NS.main}) within 5 s: it accepts connections but the TLS handshake or authentication failed (no client certificate`,
  },
  {
    name: 'a client certificate from a CA the server does not trust',
    flags: async (rig) => [...withoutClientCert(rig.cliArgs(NS.main)), '--tls-cert', rig.certs.foreignCert, '--tls-key', rig.certs.foreignKey],
    message: (rig) => `it accepts connections but the TLS handshake or authentication failed (client certificate ${rig.certs.foreignCert}`,
  },
  {
    name: 'a certificate file that does not exist',
    flags: async (rig) => [...withoutClientCert(rig.cliArgs(NS.main)), '--tls-cert', path.join(rig.dir, 'missing.pem'), '--tls-key', rig.certs.clientKey],
    message: (rig) => `the TLS file ${path.join(rig.dir, 'missing.pem')} given by --tls-cert (TEMPORAL_TLS_CLIENT_CERT_PATH) does not exist; give the path of a PEM file`,
  },
  {
    name: 'an unknown namespace',
    flags: async (rig) => rig.cliArgs('no-such-namespace'),
    message: (rig) => `namespace no-such-namespace does not exist on Temporal at ${rig.address}; give --namespace (TEMPORAL_NAMESPACE) of an existing one`,
  },
  {
    name: 'an unreachable frontend',
    flags: async (rig) => {
      const port = await freePort();
      return ['--address', `127.0.0.1:${port}`, ...rig.cliArgs(NS.main).slice(2)];
    },
    message: () => 'nothing accepts connections there; check --address / TEMPORAL_ADDRESS',
  },
];

function oneSentence(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

export function registerConnectionCases(): void {
  describe('wrong credentials, namespace or address: one sentence, exit 2', () => {
    const dir = tempDir('gsweep-prod-conn-');
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it.each(CASES)('gsweep run with $name', async (c) => {
      const rig = await productionRig();
      const out = path.join(dir, c.name.replace(/\W+/g, '-'));
      const r = await runCli(['run', SCRIPT, '--grid', 'Sat.SMA=6800:7400:4', '--engine', 'stand-in', '--out', out, ...(await c.flags(rig))], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(2);
      expect(oneSentence(r.stderr)).toContain(c.message(rig));
      expect(r.stdout).toBe('');
      expect(fs.existsSync(out)).toBe(false);
    });

    it.each(CASES)('gsweep-worker with $name', async (c) => {
      const rig = await productionRig();
      const flags = await c.flags(rig);
      const address = flags[flags.indexOf('--address') + 1]!;
      const w = spawnWorker(address, flags.filter((_, i) => i !== flags.indexOf('--address') && i !== flags.indexOf('--address') + 1), { GSWEEP_LOG_LEVEL: 'WARN' });
      const code = await new Promise<number | null>((resolve) => w.child.once('exit', resolve));
      expect(code, w.output()).toBe(2);
      const line = oneSentence(w.output());
      // The worker waits longer for its frontend than the CLI does.
      expect(line).toContain(c.message(rig).replace('within 5 s', 'within 10 s'));
    });

    it('a client with only the TEMPORAL_TLS_* variables lists sweeps', async () => {
      const rig = await productionRig();
      const r = await runCli(['list', '--json'], { env: rig.env(NS.main), timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
    });
  });
}
