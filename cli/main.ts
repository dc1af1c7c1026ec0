/**
 * The `gsweep` command line. Exit codes: 0 every run ok, 1 a run failed or the sweep did
 * not complete, 2 bad input (nothing was started or created).
 */
import { Runtime } from '@temporalio/worker';
import { gsweepLogger } from '../workers/log';
import { exitCodeOf } from './errors';
import { buildProgram } from './program';

/** Runs the command line `argv` and returns the exit code; every failure is one sentence on stderr. */
export async function main(argv = process.argv): Promise<number> {
  // The SDK logs every worker state change at INFO; a CLI user wants warnings only.
  // No SDK shutdown hook: it would swallow SIGTERM/SIGINT in commands that run no worker (the
  // process then ignored them); the CLI's own handler (errors.ts) stops a followed sweep.
  Runtime.install({ logger: gsweepLogger((process.env.GSWEEP_LOG_LEVEL as 'WARN') ?? 'WARN'), shutdownSignals: [] });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    return exitCodeOf(err);
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
