/**
 * gsweep's search attributes on a namespace an administrator owns: `gsweep setup-namespace`
 * registers them, and `searchAttributeNotice` is the one sentence `gsweep list` and
 * `gsweep run --address` print when they are missing (sweeps run without them).
 */
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import type { ConnectionSettings } from '../temporal/connection';
import { checkSweepSearchAttributes, registerCommand, registerSweepSearchAttributes } from '../temporal/search-attributes-admin';
import { CliError, EXIT_BAD_INPUT } from './cli-errors';

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

export function registerSetupNamespaceCommand<O extends object>(
  program: Command,
  withConnectionOptions: (cmd: Command) => Command,
  connect: (o: O) => Promise<{ client: Client; close: () => Promise<void>; settings: ConnectionSettings }>,
  log: (line: string) => void,
): void {
  withConnectionOptions(
    program.command('setup-namespace').description("register gsweep's search attributes on the namespace (needs the operator API: an administrator's credentials)"),
  ).action(async (o: O) => {
    const { client, close, settings } = await connect(o);
    try {
      let added: string[];
      try {
        added = await registerSweepSearchAttributes(client.connection, settings.namespace);
      } catch (err) {
        const text = (err as Error).message.split('\n')[0];
        throw new CliError(
          `could not register gsweep's search attributes on namespace ${settings.namespace} (${text}); an administrator can run \`${registerCommand(settings.namespace)}\``,
          EXIT_BAD_INPUT,
        );
      }
      log(
        added.length === 0
          ? `gsweep: namespace ${settings.namespace} already has gsweep's search attributes`
          : `gsweep: registered ${added.join(', ')} on namespace ${settings.namespace}`,
      );
    } finally {
      await close();
    }
  });
}
