/** `gsweep list`: registers the command; the listing itself is client/list.ts. */
import { type Command, InvalidArgumentError } from 'commander';
import type { Client } from '@temporalio/client';
import { formatListing, listSweeps } from './list';

function limitArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError(`expected an integer 1-1000, got "${value}"`);
  return n;
}

export function registerListCommand<O extends object>(
  program: Command,
  withConnectionOptions: (cmd: Command) => Command,
  connect: (o: O) => Promise<{ client: Client; close: () => Promise<void> }>,
): void {
  withConnectionOptions(program.command('list').description('running and recent sweeps on the namespace: script, runs, progress, status'))
    .option('--limit <n>', 'most recent sweeps to show (1-1000)', limitArg, 20)
    .option('--running', 'only running sweeps')
    .option('--json', 'print JSON')
    .action(async (o: O & { limit: number; running?: boolean; json?: boolean }) => {
      const { client, close } = await connect(o);
      try {
        const rows = await listSweeps(client, { limit: o.limit, runningOnly: o.running });
        process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : formatListing(rows));
      } finally {
        await close();
      }
    });
}
