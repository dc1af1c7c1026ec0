/** `gsweep cancel`: cancels a sweep; in-flight runs are killed and the aggregate of finished ones written. */
import type { Command } from 'commander';
import type { ConnectionFlags } from '../../temporal/connection';
import { cancelSweep, sweepHandle } from '../../api/handle';
import { connectClient, connectionFor } from '../connect';
import { log } from '../log';
import { addConnectionOptions } from '../options';

export function register(program: Command): void {
  addConnectionOptions(program.command('cancel').description('cancel a sweep: kill in-flight runs, write the aggregate of finished ones').argument('<sweep-id>'))
    .action(async (sweepId: string, o: ConnectionFlags) => {
      const { client, close } = await connectClient(connectionFor(o, 'cancel'));
      try {
        await cancelSweep(sweepHandle(client, sweepId));
        log(`gsweep: cancellation requested for ${sweepId}; \`gsweep wait ${sweepId}\` follows it to the end`);
      } finally {
        await close();
      }
    });
}
