/**
 * The peer's environment for bench/vs-peer: a Python 3.12 virtual environment with
 * gmat-sweep 0.6 from PyPI, and a bench-owned overlay of the user's GMAT install that
 * gmat-run accepts. Both live in a cache directory and are rebuilt only when their inputs
 * change. The user's install is never written to.
 *
 * gmat-run needs, under GMAT_ROOT: a `bin/gmatpy/` package, `api/load_gmat.py` (existence
 * only) and `bin/api_startup_file.txt`. A GmatConsole-only install (what `gsweep setup-gmat`
 * builds) has none of them, so the overlay symlinks the install's files and adds:
 *  - `bin/gmatpy/`: the gmatpy 0.2.1 wheel's `_native` SWIG module and engine libraries, with
 *    an `__init__.py` that points GMAT's FileManager at `bin/` before the star import
 *    (without it `LoadScript` segfaults);
 *  - `bin/api_startup_file.txt`: the install's startup file with every path absolute
 *    (gsweep's own renderer), OUTPUT_PATH in the overlay;
 *  - `api/load_gmat.py`: a placeholder, since gmat-run checks only that it exists.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GmatInstall } from '../../gmat/install';
import { renderStartupText } from '../../gmat/startup';

export const PEER_REQUIREMENTS = ['gmat-sweep==0.6.0', 'gmat-run==0.6.0', 'gmatpy==0.2.1'];
export const PEER_PYTHON_VERSION = '3.12.1';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.GSWEEP_BENCH_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'gsweep', 'vs-peer');
  fs.mkdirSync(base, { recursive: true });
  return base;
}

export interface PeerEnv {
  python: string;
  /** GMAT_ROOT for gmat-run: the overlay of the user's install. */
  overlayRoot: string;
}

/** Creates the venv (pyenv's Python 3.12) and installs the pinned peer once. */
export function ensureVenv(cache: string, log: (s: string) => void): string {
  const venv = path.join(cache, 'venv');
  const python = path.join(venv, 'bin', 'python');
  const marker = path.join(venv, '.gsweep-requirements');
  const wanted = PEER_REQUIREMENTS.join('\n');
  if (fs.existsSync(python) && fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === wanted) return python;
  log(`setting up the peer: Python ${PEER_PYTHON_VERSION} venv at ${venv} with ${PEER_REQUIREMENTS.join(' ')}`);
  fs.rmSync(venv, { recursive: true, force: true });
  const pythonCmd = process.env.PEER_PYTHON ?? 'python3';
  execFileSync(pythonCmd, ['-m', 'venv', venv], {
    stdio: 'inherit',
    env: { ...process.env, PYENV_VERSION: process.env.PYENV_VERSION ?? PEER_PYTHON_VERSION },
  });
  const version = execFileSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' }).trim();
  if (version !== '3.12') {
    throw new Error(`the peer needs Python 3.12 (gmatpy 0.2.1 is a cp312 wheel); ${pythonCmd} made a ${version} venv. Set PEER_PYTHON to a Python 3.12`);
  }
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', ...PEER_REQUIREMENTS], { stdio: 'inherit' });
  fs.writeFileSync(marker, wanted);
  return python;
}

function sitePackagesGmatpyNative(python: string): string {
  const dir = execFileSync(
    python,
    ['-c', 'import importlib.util, os; s = importlib.util.find_spec("gmatpy"); print(os.path.join(os.path.dirname(s.origin), "_native"))'],
    { encoding: 'utf8' },
  ).trim();
  if (!fs.existsSync(path.join(dir, '_gmat_py.so'))) throw new Error(`gmatpy wheel has no _native/_gmat_py.so under ${dir}`);
  return dir;
}

export function gmatpyInit(binDir: string): string {
  return [
    '# Written by gsweep bench/vs-peer: gmatpy 0.2.1 wheel bindings over a GmatConsole install.',
    '# GMAT must know its bin directory before the bindings load a script (else LoadScript segfaults).',
    'from . import gmat_py as _gmat_py',
    `_gmat_py.FileManager.Instance().SetBinDirectory("api_startup_file.txt", ${JSON.stringify(binDir + '/')})`,
    'from .gmat_py import *  # noqa: E402,F401,F403',
    '',
  ].join('\n');
}

/** Builds (or reuses) the overlay of `install` that gmat-run accepts as GMAT_ROOT. */
export function ensureOverlay(cache: string, install: GmatInstall, python: string): string {
  const native = sitePackagesGmatpyNative(python);
  const key = createHash('sha256').update(`${fs.realpathSync(install.root)}\n${native}\n${fs.readFileSync(install.startupTemplatePath, 'utf8')}`).digest('hex').slice(0, 12);
  const root = path.join(cache, `gmat-overlay-${key}`);
  const marker = path.join(root, '.gsweep-overlay');
  if (fs.existsSync(marker)) return root;
  fs.rmSync(root, { recursive: true, force: true });
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const entry of fs.readdirSync(install.root)) {
    if (entry === 'bin' || entry === 'api' || entry === 'output') continue;
    fs.symlinkSync(path.join(install.root, entry), path.join(root, entry));
  }
  for (const entry of fs.readdirSync(install.binDir)) {
    if (entry === 'gmatpy' || entry === 'api_startup_file.txt') continue;
    fs.symlinkSync(path.join(install.binDir, entry), path.join(bin, entry));
  }
  const pkg = path.join(bin, 'gmatpy');
  fs.mkdirSync(pkg);
  for (const entry of fs.readdirSync(native)) {
    if (entry === '__init__.py' || entry === '__pycache__') continue;
    fs.symlinkSync(path.join(native, entry), path.join(pkg, entry));
  }
  fs.writeFileSync(path.join(pkg, '__init__.py'), gmatpyInit(bin));
  const output = path.join(root, 'output');
  fs.mkdirSync(output);
  const template = fs.readFileSync(install.startupTemplatePath, 'utf8');
  fs.writeFileSync(path.join(bin, 'api_startup_file.txt'), renderStartupText(template, install, output));
  fs.mkdirSync(path.join(root, 'api'));
  fs.writeFileSync(path.join(root, 'api', 'load_gmat.py'), '# placeholder: gmat-run checks that this file exists\n');
  fs.writeFileSync(marker, JSON.stringify({ install: install.root, gmatpyNative: native }, null, 2));
  return root;
}

export function ensurePeerEnv(install: GmatInstall, log: (s: string) => void): PeerEnv {
  const cache = cacheDir();
  const python = ensureVenv(cache, log);
  return { python, overlayRoot: ensureOverlay(cache, install, python) };
}
