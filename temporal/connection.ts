/**
 * How clients and workers reach Temporal. Everything comes from flags or the standard
 * TEMPORAL_* environment variables, so moving from a laptop to a cluster or Temporal
 * Cloud is configuration, never code.
 */
import * as fs from 'node:fs';

export interface ConnectionSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: {
    clientCertPath?: string;
    clientKeyPath?: string;
    serverCaCertPath?: string;
    serverName?: string;
  };
}

export const DEFAULT_TASK_QUEUE = 'gsweep';

export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  taskQueue?: string;
  apiKey?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsServerName?: string;
  tls?: boolean;
}

/** Flags win over TEMPORAL_* variables. `address` stays undefined when neither sets it. */
export function connectionSettings(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Omit<ConnectionSettings, 'address'> & { address?: string } {
  const clientCertPath = flags.tlsCert ?? env.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const clientKeyPath = flags.tlsKey ?? env.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const serverCaCertPath = flags.tlsCa ?? env.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const serverName = flags.tlsServerName ?? env.TEMPORAL_TLS_SERVER_NAME;
  const apiKey = flags.apiKey ?? env.TEMPORAL_API_KEY;
  const wantsTls = flags.tls || env.TEMPORAL_TLS === 'true' || !!(clientCertPath || serverCaCertPath || apiKey);
  if ((clientCertPath && !clientKeyPath) || (!clientCertPath && clientKeyPath)) {
    throw new Error('mTLS needs both --tls-cert and --tls-key (TEMPORAL_TLS_CLIENT_CERT_PATH / TEMPORAL_TLS_CLIENT_KEY_PATH)');
  }
  return {
    address: flags.address ?? env.TEMPORAL_ADDRESS,
    namespace: flags.namespace ?? env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: flags.taskQueue ?? env.GSWEEP_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    apiKey,
    tls: wantsTls ? { clientCertPath, clientKeyPath, serverCaCertPath, serverName } : undefined,
  };
}

/** Options accepted by both `Connection.connect` and `NativeConnection.connect`. */
export function connectOptions(settings: ConnectionSettings) {
  const tls = settings.tls
    ? {
        serverNameOverride: settings.tls.serverName,
        serverRootCACertificate: settings.tls.serverCaCertPath ? fs.readFileSync(settings.tls.serverCaCertPath) : undefined,
        clientCertPair:
          settings.tls.clientCertPath && settings.tls.clientKeyPath
            ? { crt: fs.readFileSync(settings.tls.clientCertPath), key: fs.readFileSync(settings.tls.clientKeyPath) }
            : undefined,
      }
    : undefined;
  return { address: settings.address, tls, apiKey: settings.apiKey };
}
