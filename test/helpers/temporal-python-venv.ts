/**
 * Temporal's Python SDK with pandas and pyarrow from PyPI in a cached venv: the client a
 * notebook user starts sweeps from (test/e2e/python/). Created once under `$GSWEEP_PY_TEMPORAL_CACHE`
 * (default `~/.cache/gsweep/py-temporal`) by cachedVenvPython, then reused. Under CI=true the
 * tests do not build it: `.ci/run` does first (`npm run setup:py-temporal`), and a missing one
 * fails the tests that need it.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { cachedVenvPython } from './gmat-sweep-venv';

export const TEMPORAL_PYTHON_REQUIREMENTS = ['temporalio==1.35.0', 'pandas==3.1.1', 'pyarrow==26.0.1'];

export function temporalPython(env: NodeJS.ProcessEnv = process.env, options: { build?: boolean } = {}): string {
  const cache = env.GSWEEP_PY_TEMPORAL_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'gsweep', 'py-temporal');
  const build = options.build ?? env.CI !== 'true';
  return cachedVenvPython(cache, TEMPORAL_PYTHON_REQUIREMENTS, env, build ? undefined : 'CI=true and the Temporal Python venv is missing: CI must run `npm run setup:py-temporal` before the tests (see .ci/run)');
}
