/** `gsweep list`: registers the command and prints its table; the listing itself is api/list.ts. */
import { type Command, InvalidArgumentError } from 'commander';
import type { ConnectionFlags } from '../../temporal/connection';
import { listSweeps, type SweepListing } from '../../api/list';
import { connectClient, connectionFor, searchAttributeNotice } from '../connect';
import { log } from '../log';
import { addConnectionOptions } from '../options';

function limitArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError(`expected an integer 1-1000, got "${value}"`);
  return n;
}

export function register(program: Command): void {
  addConnectionOptions(program.command('list').description('running and recent sweeps on the namespace: script, runs, progress, status'))
    .option('--limit <n>', 'most recent sweeps to show (1-1000)', limitArg, 20)
    .option('--running', 'only running sweeps')
    .option('--json', 'print JSON')
    .action(async (o: ConnectionFlags & { limit: number; running?: boolean; json?: boolean }) => {
      const settings = connectionFor(o, 'list');
      const { client, close } = await connectClient(settings);
      try {
        const notice = await searchAttributeNotice(client, settings);
        if (notice) log(`gsweep: ${notice}`);
        const rows = await listSweeps(client, { limit: o.limit, runningOnly: o.running });
        process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : formatListing(rows));
      } finally {
        await close();
      }
    });
}

/** The human table `gsweep list` prints. */
function formatListing(rows: SweepListing[]): string {
  if (rows.length === 0) return 'no sweeps on this namespace\n';
  const header = ['SWEEP', 'STATUS', 'SCRIPT', 'RUNS', 'DONE', 'FAILED', 'PROGRESS', 'STARTED (UTC)'];
  const cells = rows.map((r) => [
    r.sweepId,
    r.status,
    r.script ?? '-',
    r.runCount === null ? '-' : String(r.runCount),
    r.done === null ? '-' : String(r.done),
    r.failed === null ? '-' : String(r.failed),
    r.progress === null ? '-' : `${Math.floor(r.progress * 100)}%`,
    r.startTime.replace('T', ' ').replace(/\.\d+Z$/, ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...cells.map(line)].join('\n') + '\n';
}
