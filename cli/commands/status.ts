/** `gsweep status`: progress of a running sweep, or how a finished one ended. */
import type { Command } from 'commander';
import type { ConnectionFlags } from '../../temporal/connection';
import type { SweepProgress } from '../../sweep/types';
import { sweepHandle, sweepProgress } from '../../api/handle';
import { connectClient, connectionFor } from '../connect';
import { addConnectionOptions } from '../options';

function printProgress(p: SweepProgress, json?: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(p, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${p.sweepId}: ${p.phase} · ${p.ok + p.failed}/${p.total} done · ${p.ok} ok · ${p.failed} failed · ${p.running} running · ${p.pending} pending` +
      `${p.cancelled ? ` · ${p.cancelled} cancelled` : ''} · max in flight ${p.maxInFlight} · execution ${p.executions}\n`,
  );
}

export function register(program: Command): void {
  addConnectionOptions(program.command('status').description('progress of a running or finished sweep').argument('<sweep-id>'))
    .option('--json', 'print JSON')
    .action(async (sweepId: string, o: ConnectionFlags & { json?: boolean }) => {
      const { client, close } = await connectClient(connectionFor(o, 'status'));
      try {
        const handle = sweepHandle(client, sweepId);
        const description = await handle.describe();
        if (description.status.name === 'RUNNING') {
          printProgress(await sweepProgress(handle), o.json);
        } else if (description.status.name === 'COMPLETED') {
          const summary = await handle.result();
          if (o.json) process.stdout.write(`${JSON.stringify({ status: 'COMPLETED', summary }, null, 2)}\n`);
          else process.stdout.write(`${sweepId}: completed · ${summary.ok}/${summary.total} ok · ${summary.failed} failed · ${summary.manifestPath}\n`);
        } else if (o.json) process.stdout.write(`${JSON.stringify({ status: description.status.name })}\n`);
        else process.stdout.write(`${sweepId}: ${description.status.name.toLowerCase()}\n`);
      } finally {
        await close();
      }
    });
}
