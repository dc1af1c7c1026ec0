/** `gsweep dev-server`: a local Temporal dev server for gsweep, until Ctrl-C. */
import type { Command } from 'commander';
import { startDevServer } from '../../temporal/dev-server';
import { installInterruptHandler, interruptible } from '../errors';
import { log } from '../log';
import { positiveInt } from '../options';

export function register(program: Command): void {
  program
    .command('dev-server')
    .description('run a local Temporal dev server for gsweep (prints its address; Ctrl-C stops it)')
    .option('--port <n>', 'frontend port', positiveInt)
    .option('--ui-port <n>', 'Web UI port', positiveInt)
    .option('--db-filename <file>', 'persist history in this SQLite file')
    .action(async (o: { port?: number; uiPort?: number; dbFilename?: string }) => {
      const server = await startDevServer({ port: o.port, uiPort: o.uiPort, dbFilename: o.dbFilename, log });
      process.stdout.write(`${server.address}\n`);
      log(`gsweep: Temporal dev server at ${server.address}, Web UI ${server.uiUrl}; Ctrl-C stops it`);
      // Ctrl-C is the way to stop it: not an error.
      installInterruptHandler(log);
      await interruptible(new Promise<never>(() => {}), 'dev server stopped').catch(() => undefined);
      await server.stop();
    });
}
