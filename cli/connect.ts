/**
 * Reaching the Temporal server a command names: the settings from flags and environment, a
 * checked connection, and the notice printed when the namespace lacks gsweep's search
 * attributes (sweeps run without them, but list without live counts).
 */
import { Client } from '@temporalio/client';
import { connectionSettings, type ConnectionFlags, type ConnectionSettings } from '../temporal/connection';
import { checkSweepSearchAttributes, registerCommand } from '../temporal/search-attributes-admin';
import { connectOrExplain, UsageError } from './errors';

/** A client on the namespace of `settings`, and how to close its connection. */
export async function connectClient(settings: ConnectionSettings): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await connectOrExplain(settings);
  return { client: new Client({ connection, namespace: settings.namespace }), close: () => connection.close() };
}

/** The settings of a command that only makes sense against a server: without an address it is refused. */
export function connectionFor(o: ConnectionFlags, command: string): ConnectionSettings {
  const settings = connectionSettings(o);
  if (!settings.address) {
    throw new UsageError(`gsweep ${command} needs --address (or TEMPORAL_ADDRESS): the sweep lives on a Temporal server`);
  }
  return settings as ConnectionSettings;
}

/** Undefined when every attribute is registered, or when the server would not say. */
export async function searchAttributeNotice(client: Client, settings: ConnectionSettings): Promise<string | undefined> {
  const check = await checkSweepSearchAttributes(client.connection, settings.namespace);
  if (!check.known || check.missing.length === 0) return undefined;
  const tls = settings.tls ? ' (and the same TLS options)' : '';
  return (
    `namespace ${settings.namespace} lacks gsweep's search attributes ${check.missing.join(', ')}, so sweeps run but list without live counts; ` +
    `an administrator registers them with \`gsweep setup-namespace --address ${settings.address} --namespace ${settings.namespace}\`${tls} ` +
    `or \`${registerCommand(settings.namespace, check.missing)}\``
  );
}
