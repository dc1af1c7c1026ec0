/**
 * `gsweep setup-namespace`: registers gsweep's search attributes on a namespace an
 * administrator owns (cli/connect.ts says when they are missing).
 */
import type { Command } from 'commander';
import type { ConnectionFlags } from '../../temporal/connection';
import { registerCommand, registerSweepSearchAttributes } from '../../temporal/search-attributes-admin';
import { CliError, EXIT_BAD_INPUT } from '../errors';
import { connectClient, connectionFor } from '../connect';
import { log } from '../log';
import { addConnectionOptions } from '../options';

export function register(program: Command): void {
  addConnectionOptions(
    program.command('setup-namespace').description("register gsweep's search attributes on the namespace (needs the operator API: an administrator's credentials)"),
  ).action(async (o: ConnectionFlags) => {
    const settings = connectionFor(o, 'setup-namespace');
    const { client, close } = await connectClient(settings);
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
