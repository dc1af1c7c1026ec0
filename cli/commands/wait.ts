/** `gsweep wait`: reattaches to a sweep and follows it with live progress until it ends. */
import type { Command } from 'commander';
import type { ConnectionFlags } from '../../temporal/connection';
import { sweepHandle } from '../../api/handle';
import { waitForSweep } from '../../api/wait';
import { connectClient, connectionFor } from '../connect';
import { installInterruptHandler, interruptible } from '../errors';
import { reportOutcome } from '../launch';
import { log } from '../log';
import { addConnectionOptions } from '../options';
import { progressDisplay } from '../progress';

export function register(program: Command): void {
  addConnectionOptions(program.command('wait').description('reattach to a sweep: live progress until it ends').argument('<sweep-id>'))
    .option('--json', 'print JSON')
    .action(async (sweepId: string, o: ConnectionFlags & { json?: boolean }) => {
      const settings = connectionFor(o, 'wait');
      const { client, close } = await connectClient(settings);
      try {
        installInterruptHandler(log);
        const display = o.json ? undefined : progressDisplay();
        const abort = new AbortController();
        const outcome = await interruptible(
          waitForSweep(sweepHandle(client, sweepId), (p) => display?.update(p), undefined, abort.signal),
          `sweep ${sweepId} keeps running on ${settings.address}; \`gsweep wait ${sweepId}\` reattaches`,
          () => abort.abort(),
        ).finally(() => display?.stop());
        process.exitCode = reportOutcome(outcome, o.json, sweepId);
      } finally {
        await close();
      }
    });
}
