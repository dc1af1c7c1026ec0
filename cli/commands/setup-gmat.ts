/** `gsweep setup-gmat`: the command-line face of gmat/setup.ts. */
import type { Command } from 'commander';
import { defaultGmatPrefix, describeInstall } from '../../gmat/install';
import { setupGmat } from '../../gmat/setup';

export function register(program: Command): void {
  program
    .command('setup-gmat')
    .description(
      'build a real GmatConsole R2026a from PyPI packages (gmatpy 0.2.1 wheel + 0.2.0 sdist) and CSPICE headers; ' +
        'needs pip, unzip, tar and g++; about a minute, once',
    )
    .option('--prefix <dir>', `install directory (env GSWEEP_GMAT_PREFIX; default ${defaultGmatPrefix()})`)
    .option('--cspice-include <dir>', 'the CSPICE toolkit include directory (env GSWEEP_CSPICE_INCLUDE)')
    .option('--from <dir>', 'use the two gmatpy files already downloaded into this directory (offline machines)')
    .option('--force', 'rebuild even if the install is complete')
    .action(async (o: { prefix?: string; cspiceInclude?: string; from?: string; force?: boolean }) => {
      const log = (line: string) => process.stderr.write(`gsweep setup-gmat: ${line}\n`);
      const r = await setupGmat({ prefix: o.prefix, cspiceInclude: o.cspiceInclude, from: o.from, force: o.force, log });
      const install = { ...r.install, source: 'setup-gmat' };
      if (r.built) log(`built and proved in ${r.seconds.toFixed(1)} s: ${describeInstall(install)}`);
      else log(`already installed: ${describeInstall(install)}`);
      // stdout: the install root alone, for `GMAT_ROOT=$(gsweep setup-gmat …)`.
      process.stdout.write(`${r.install.root}\n`);
    });
}
