/** The `gsweep` program: every command, in the order `gsweep --help` lists them. */
import { Command } from 'commander';
import * as run from './commands/run';
import * as monteCarlo from './commands/monte-carlo';
import * as lhs from './commands/lhs';
import * as sobol from './commands/sobol';
import * as sobolAnalyze from './commands/sobol-analyze';
import * as resume from './commands/resume';
import * as extend from './commands/extend';
import * as runOne from './commands/run-one';
import * as status from './commands/status';
import * as wait from './commands/wait';
import * as set from './commands/set';
import * as cancel from './commands/cancel';
import * as show from './commands/show';
import * as pull from './commands/pull';
import * as archive from './commands/archive';
import * as cache from './commands/cache';
import * as list from './commands/list';
import * as setupNamespace from './commands/setup-namespace';
import * as summary from './commands/summary';
import * as diff from './commands/diff';
import * as mcConvergence from './commands/mc-convergence';
import * as report from './commands/report';
import * as setupGmat from './commands/setup-gmat';
import * as devServer from './commands/dev-server';

/** A command module: it adds its command (with its options and action) to the program. */
interface CommandModule {
  register(program: Command): void;
}

const COMMANDS: CommandModule[] = [
  run,
  monteCarlo,
  lhs,
  sobol,
  sobolAnalyze,
  resume,
  extend,
  runOne,
  status,
  wait,
  set,
  cancel,
  show,
  pull,
  archive,
  cache,
  list,
  setupNamespace,
  summary,
  diff,
  mcConvergence,
  report,
  setupGmat,
  devServer,
];

/** The commander program with every command; it throws instead of exiting, so main() picks the exit code. */
export function buildProgram(): Command {
  const program = new Command('gsweep')
    .description('Parameter sweeps and Monte Carlo dispersions of GMAT missions as durable Temporal workflows')
    .showHelpAfterError()
    .exitOverride();
  for (const command of COMMANDS) command.register(program);
  return program;
}
