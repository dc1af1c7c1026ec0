/**
 * Run by `npm install` (postinstall): makes sure a Temporal CLI exists for the embedded
 * dev server, so the first `gsweep run` does not stall on a multi-minute build.
 * Set GSWEEP_SKIP_SETUP=1 to skip (e.g. workers that only ever connect to a cluster).
 * Installed as another project's dependency, a missing CLI is a warning, not a failed install:
 * that project may never start an embedded server.
 */
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../output/package-info';
import { obtainTemporalCli } from '../temporal/temporal-cli';

function main(): void {
  if (process.env.GSWEEP_SKIP_SETUP === '1') {
    console.log('gsweep setup: skipped (GSWEEP_SKIP_SETUP=1)');
    return;
  }
  const cli = obtainTemporalCli(process.env, (line) => console.log(`gsweep setup: ${line}`));
  console.log(`gsweep setup: Temporal CLI ready at ${cli.path} (${cli.source})`);
}

try {
  main();
} catch (err) {
  console.error(`gsweep setup: ${(err as Error).message}`);
  console.error(
    'gsweep setup: the embedded dev server will not work until a Temporal CLI is available; ' +
      'workers and clients that connect to an existing cluster (--address) are unaffected.',
  );
  process.exitCode = PACKAGE_ROOT.split(path.sep).includes('node_modules') ? 0 : 1;
}
