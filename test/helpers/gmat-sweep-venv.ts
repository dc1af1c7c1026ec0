/**
 * gmat-sweep 0.6 from PyPI in a cached Python venv: a test-time tool (like DuckDB) that reads
 * gsweep output directories with gmat-sweep's own code. Created once under
 * `$GSWEEP_PY_CACHE` (default `~/.cache/gsweep/py-interop`) with `python3 -m venv` and
 * `pip install gmat-sweep==0.6.0 gmat-run==0.6.0`, then reused. gmatpy is not needed:
 * reading manifests and Parquet never loads GMAT.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const INTEROP_REQUIREMENTS = ['gmat-sweep==0.6.0', 'gmat-run==0.6.0'];

export function gmatSweepPython(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.GSWEEP_PY_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'gsweep', 'py-interop');
  return cachedVenvPython(cache, INTEROP_REQUIREMENTS, env);
}

/**
 * `<cache>/venv/bin/python` with exactly `requirements` installed from PyPI: made once with
 * `python3 -m venv` (`GSWEEP_PYTHON` to choose another interpreter) and `pip install`, and
 * reused while its marker file lists the same requirements. `missing` set: a venv that is
 * not there yet is not built, and the call throws that message instead.
 */
export function cachedVenvPython(cache: string, requirements: readonly string[], env: NodeJS.ProcessEnv = process.env, missing?: string): string {
  const venv = path.join(cache, 'venv');
  const python = path.join(venv, 'bin', 'python');
  const marker = path.join(venv, '.gsweep-requirements');
  const wanted = requirements.join('\n');
  if (fs.existsSync(python) && fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === wanted) return python;
  if (missing !== undefined) throw new Error(`${missing} (no venv with ${requirements.join(' ')} at ${venv})`);
  fs.mkdirSync(cache, { recursive: true });
  fs.rmSync(venv, { recursive: true, force: true });
  execFileSync(env.GSWEEP_PYTHON ?? 'python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...requirements], { stdio: 'inherit' });
  fs.writeFileSync(marker, wanted);
  return python;
}

/** Runs `test/e2e/parity/read_with_gmat_sweep.py <out>` and returns its JSON. */
export function readWithGmatSweep(outDir: string, extra: string[] = []): Record<string, any> {
  const script = path.join(__dirname, '..', 'e2e', 'parity', 'read_with_gmat_sweep.py');
  const text = execFileSync(gmatSweepPython(), [script, outDir, ...extra], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(text) as Record<string, any>;
}
