/**
 * The real GMAT the real-GMAT tests run: the `gsweep setup-gmat` install at its default prefix
 * (GSWEEP_GMAT_PREFIX, else ~/.cache/gsweep/gmat-R2026a).
 *
 * Under CI=true it must already exist (.ci/run builds it with the project's own command):
 * a missing one fails every test that asks for it. Elsewhere a developer's `npm test` builds
 * it on first use (about a minute, once) with the CSPICE headers from GSWEEP_CSPICE_INCLUDE,
 * else ../shared/vendor/cspice/include. Never a skip: without real GMAT these tests fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultGmatPrefix, type GmatInstall } from '../../gmat/install';
import { findSetupInstall, setupGmat } from '../../gmat/setup';
import { REPO_ROOT } from './temporal';

export const SHARED = path.resolve(REPO_ROOT, '..', 'shared');
export const FIXTURES = path.join(SHARED, 'fixtures', 'gmat-runs');
export const VENDOR_CSPICE = path.join(SHARED, 'vendor', 'cspice', 'include');

let pending: Promise<GmatInstall> | undefined;

export function realGmat(): Promise<GmatInstall> {
  pending ??= obtain();
  return pending;
}

async function obtain(): Promise<GmatInstall> {
  const prefix = defaultGmatPrefix();
  const existing = findSetupInstall(prefix);
  if (existing) return { ...existing, source: 'setup-gmat' };
  if (process.env.CI === 'true') {
    throw new Error(
      `CI=true and no real GMAT at ${prefix}: CI must run \`gsweep setup-gmat --cspice-include ../shared/vendor/cspice/include\` before the tests (see .ci/run)`,
    );
  }
  const cspiceInclude = process.env.GSWEEP_CSPICE_INCLUDE ?? (fs.existsSync(VENDOR_CSPICE) ? VENDOR_CSPICE : undefined);
  process.stderr.write(`real-GMAT tests: building GMAT R2026a with gsweep setup-gmat into ${prefix} (about a minute, once)\n`);
  const r = await setupGmat({ prefix, cspiceInclude, log: (l) => process.stderr.write(`real-GMAT tests: ${l}\n`) });
  return { ...r.install, source: 'setup-gmat' };
}

/** Environment for child processes (CLI, workers) that must use exactly this install. */
export function realGmatEnv(install: GmatInstall): NodeJS.ProcessEnv {
  return { GMAT_ROOT: install.root };
}
