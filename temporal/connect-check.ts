/**
 * Why a connection to Temporal failed, in one sentence a user can act on: a TLS file that
 * is not there, a frontend that does not answer, a TLS handshake the server refused (wrong
 * client certificate or CA), a namespace that does not exist. Shared by the `gsweep` CLI and
 * `gsweep-worker`, which both exit 2 with it before doing anything else.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { ConnectionSettings } from './connection';

export class ConnectionProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionProblem';
  }
}

/** Throws when a configured certificate, key or CA file cannot be read. */
export function checkTlsFiles(settings: ConnectionSettings): void {
  const files: [string, string | undefined][] = [
    ['--tls-cert (TEMPORAL_TLS_CLIENT_CERT_PATH)', settings.tls?.clientCertPath],
    ['--tls-key (TEMPORAL_TLS_CLIENT_KEY_PATH)', settings.tls?.clientKeyPath],
    ['--tls-ca (TEMPORAL_TLS_SERVER_CA_CERT_PATH)', settings.tls?.serverCaCertPath],
  ];
  for (const [option, file] of files) {
    if (!file) continue;
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
      throw new ConnectionProblem(`the TLS file ${file} given by ${option} ${why}; give the path of a PEM file`);
    }
  }
}

function tcpReachable(address: string, timeoutMs = 2000): Promise<boolean> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(address.slice(at + 1));
  if (!Number.isInteger(port)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The sentence for a failed connect (`err` from Connection.connect / NativeConnection.connect). */
export async function explainConnectFailure(settings: ConnectionSettings, err: unknown, timeoutS: number): Promise<string> {
  const where = `cannot reach Temporal at ${settings.address} (namespace ${settings.namespace}) within ${timeoutS} s`;
  if (!(await tcpReachable(settings.address))) {
    return `${where}: nothing accepts connections there; check --address / TEMPORAL_ADDRESS, or leave --address out to use an embedded server`;
  }
  if (settings.tls || settings.apiKey) {
    const given = settings.tls?.clientCertPath ? `client certificate ${settings.tls.clientCertPath}` : 'no client certificate';
    return (
      `${where}: it accepts connections but the TLS handshake or authentication failed (${given}${settings.tls?.serverCaCertPath ? `, CA ${settings.tls.serverCaCertPath}` : ''}); ` +
      'check that --tls-cert/--tls-key are signed by a CA the server trusts, --tls-ca is the CA of the server certificate, and --api-key if the server uses one'
    );
  }
  const text = ((err as Error)?.message ?? String(err)).split('\n')[0];
  return `${where}: it accepts connections but did not answer as a Temporal frontend (${text}); if it requires TLS, give --tls (or --tls-cert/--tls-key/--tls-ca)`;
}

/** The sentence for an error of a namespace-scoped call, when it says the namespace does not exist. */
function namespaceProblem(settings: ConnectionSettings, err: unknown): string | undefined {
  const e = err as { code?: number; message?: string };
  if (e?.code !== 5 && !/namespace \S+ (is|was) not found/i.test(e?.message ?? '')) return undefined;
  return (
    `namespace ${settings.namespace} does not exist on Temporal at ${settings.address}; give --namespace (TEMPORAL_NAMESPACE) of an existing one, ` +
    `or have an administrator create it (temporal operator namespace create --namespace ${settings.namespace})`
  );
}

/** Throws ConnectionProblem when the namespace does not exist; `describe` is the service's describeNamespace. */
export async function checkNamespace(
  settings: ConnectionSettings,
  describe: (request: { namespace: string }) => Promise<unknown>,
): Promise<void> {
  try {
    await describe({ namespace: settings.namespace });
  } catch (err) {
    const problem = namespaceProblem(settings, err);
    if (problem) throw new ConnectionProblem(problem);
    throw err;
  }
}
