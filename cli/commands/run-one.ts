/** `gsweep run-one`: one run of a mission, without Temporal (api/run-one.ts), and its tables. */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import { describeInstall, GmatNotFoundError, type GmatInstall } from '../../gmat/install';
import { RUN_FILES, runFilePath } from '../../output/layout';
import { openStore } from '../../output/open-store';
import { isS3Url } from '../../output/store';
import { parseSetArgs } from '../../request/grid-args';
import { DEFAULTS, RequestError } from '../../request/request';
import { OverrideError } from '../../sweep/overrides';
import { runOne } from '../../api/run-one';
import { EXIT_RUNS_FAILED } from '../errors';
import { log } from '../log';
import { collect, positiveNumber } from '../options';
import { outArgument } from '../store-out';

interface RunOneCliOptions {
  set?: string[];
  out: string;
  engine: 'gmat' | 'stand-in';
  gmatRoot?: string;
  timeout: number;
  json?: boolean;
}

/** With --json, a failed run still prints its outcome.json (written for every failure except a cancel). */
async function printFailedOutcome(out: string): Promise<void> {
  const stored = await openStore(out).get(RUN_FILES.outcome).catch(() => undefined);
  if (stored) process.stdout.write(stored.toString('utf8'));
}

async function runOneCommand(script: string, o: RunOneCliOptions): Promise<void> {
  const overrides = parseSetArgs(o.set ?? []);
  const remote = isS3Url(o.out);
  const runDirectory = remote ? outArgument(o.out) : path.resolve(o.out);
  const onInstall = (install: GmatInstall) => {
    if (!o.json) log(`gsweep: ${describeInstall(install)}`);
  };
  try {
    const result = await runOne({ script, overrides, out: runDirectory, engine: o.engine, gmatRoot: o.gmatRoot, timeoutSeconds: o.timeout, onInstall });
    if (o.json) process.stdout.write(`${JSON.stringify(result.outcome, null, 2)}\n`);
    else for (const [key, t] of Object.entries(result.tables)) process.stdout.write(`${key}: ${t.path} (${t.rows} rows)\n`);
    if (!o.json) log(`gsweep: run ok; outcome: ${remote ? `${runDirectory}/${RUN_FILES.outcome}` : runFilePath(runDirectory, RUN_FILES.outcome)}`);
  } catch (err) {
    // Refused before anything ran: the usual bad-request exit.
    if (err instanceof RequestError || err instanceof OverrideError || err instanceof GmatNotFoundError) throw err;
    log(`gsweep: run failed: ${(err as Error).message}`);
    if (o.json) await printFailedOutcome(runDirectory);
    process.exitCode = EXIT_RUNS_FAILED;
  }
}

export function register(program: Command): void {
  program
    .command('run-one')
    .description('run one mission once (no Temporal) and write its tables')
    .argument('<script>', 'GMAT mission .script')
    .option('--set <Resource.Field=value>', 'override (repeatable)', collect)
    .requiredOption('--out <dir>', 'run directory, or s3://bucket/prefix (GMAT then runs in a temporary directory and its files are uploaded)')
    .addOption(new Option('--engine <engine>', 'gmat or stand-in').choices(['gmat', 'stand-in']).default(DEFAULTS.engine))
    .option('--gmat-root <dir>', 'GMAT install root (env GMAT_ROOT)')
    .option('--timeout <seconds>', 'run timeout', positiveNumber, DEFAULTS.runTimeoutSeconds)
    .option('--json', 'print the outcome as JSON')
    .action(runOneCommand);
}
