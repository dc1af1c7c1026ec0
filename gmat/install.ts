/**
 * Finding a GMAT install (the places gmat-run looks, adapted to GmatConsole).
 *
 * Order: `gmatRoot` argument → `GMAT_ROOT` env → `/opt/gmat-*`, `~/gmat-*` (and plain
 * `gmat`), greatest name first → `GmatConsole` on PATH (root = parent of its bin/) → the
 * `gsweep setup-gmat` install (`GSWEEP_GMAT_PREFIX`, else `~/.cache/gsweep/gmat-R2026a`),
 * last because a full NASA release has plugins that build lacks.
 * An explicit root (argument or env) that is invalid is an error at once: no fall-through
 * to some other GMAT the user did not ask for. The stand-in engine is never chosen here.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../output/package-info';

export interface GmatInstall {
  root: string;
  binDir: string;
  consolePath: string;
  startupTemplatePath: string;
  version: string | null;
  standIn: boolean;
  /** How it was found, for the "which GMAT" line: `--gmat-root`, `GMAT_ROOT`, `search`, `PATH`, `setup-gmat`, `stand-in`. */
  source?: string;
}

/** The GMAT release `gsweep setup-gmat` builds. */
export const SETUP_GMAT_VERSION = 'R2026a';

/** Where `gsweep setup-gmat` installs by default: `GSWEEP_GMAT_PREFIX`, else gsweep's per-user
 *  cache (`GSWEEP_CACHE_DIR`, else `$XDG_CACHE_HOME/gsweep`, else `~/.cache/gsweep`; the same
 *  rules as the Temporal CLI cache) + `gmat-R2026a`. */
export function defaultGmatPrefix(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GSWEEP_GMAT_PREFIX) return path.resolve(expandHome(env.GSWEEP_GMAT_PREFIX, env));
  const cache = env.GSWEEP_CACHE_DIR
    ? path.resolve(env.GSWEEP_CACHE_DIR)
    : path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache'), 'gsweep');
  return path.join(cache, `gmat-${SETUP_GMAT_VERSION}`);
}

/** One line saying which GMAT a command uses. */
export function describeInstall(install: GmatInstall): string {
  if (install.standIn) return 'engine = stand-in (a test double of GmatConsole, not GMAT)';
  const how = install.source === 'setup-gmat' ? ' (built by gsweep setup-gmat)' : install.source ? ` (from ${install.source})` : '';
  return `GMAT ${install.version ?? '(version unknown)'} at ${install.root}${how}`;
}

export interface LocateAttempt {
  step: string;
  path: string | null;
  reason: string;
}

export class GmatNotFoundError extends Error {
  readonly attempts: LocateAttempt[];
  constructor(attempts: LocateAttempt[], explicit = false) {
    const lines = attempts.map((a) => `  - ${a.step}: ${a.path ?? '(none)'}: ${a.reason}`);
    super(
      (explicit ? 'GMAT install not valid.' : 'GMAT install not found.') +
        ' Tried:\n' +
        lines.join('\n') +
        '\nA GMAT install needs bin/GmatConsole (executable) and bin/gmat_startup_file.txt.' +
        ' Point gsweep at it with `--gmat-root <dir>` or `GMAT_ROOT=<dir>`,' +
        ' or build one with `gsweep setup-gmat --cspice-include <dir>` (about a minute; see README "Having GMAT").' +
        ' To try gsweep without GMAT, pass `--engine stand-in` (a test double with a subset of GMAT; it is never chosen automatically).',
    );
    this.name = 'GmatNotFoundError';
    this.attempts = attempts;
  }
}

export interface LocateOptions {
  gmatRoot?: string;
  env?: NodeJS.ProcessEnv;
  /** Directories searched for `gmat-*` installs; default `/opt` and the home directory. */
  searchDirs?: string[];
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  if (p === '~' || p.startsWith('~/')) return path.join(env.HOME || os.homedir(), p.slice(1));
  return p;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const VERSION_RE = /R\d{4}[a-z]/;

function readVersion(files: string[]): string | null {
  for (const f of files) {
    try {
      const m = VERSION_RE.exec(readFileSync(f, 'utf8'));
      if (m) return m[0];
    } catch {
      // not there: try the next
    }
  }
  return null;
}

/** Checks one candidate root; returns the install or the reason it is not one. */
export function inspectInstall(root: string, standIn = false): GmatInstall | string {
  let st;
  try {
    st = statSync(root);
  } catch {
    return 'does not exist';
  }
  if (!st.isDirectory()) return 'not a directory';
  const abs = realpathSync(root);
  const binDir = path.join(abs, 'bin');
  if (!existsSync(binDir) || !statSync(binDir).isDirectory()) return 'missing bin/ directory';
  const consolePath = path.join(binDir, 'GmatConsole');
  if (!existsSync(consolePath)) return 'missing bin/GmatConsole';
  if (!isExecutableFile(consolePath)) return 'bin/GmatConsole is not an executable file';
  let startupTemplatePath = path.join(binDir, 'gmat_startup_file.txt');
  if (!existsSync(startupTemplatePath)) {
    // A source-tree build (application/) has only the un-renamed Linux template.
    const alt = path.join(binDir, 'gmat_startup_file_mac_linux.txt');
    if (!existsSync(alt)) return 'missing bin/gmat_startup_file.txt';
    startupTemplatePath = alt;
  }
  return {
    root: abs,
    binDir,
    consolePath,
    startupTemplatePath,
    version: readVersion([startupTemplatePath, path.join(abs, 'README.txt')]),
    standIn,
  };
}

export function locateGmat(options: LocateOptions = {}): GmatInstall {
  const env = options.env ?? process.env;
  const attempts: LocateAttempt[] = [];

  if (options.gmatRoot !== undefined && options.gmatRoot !== '') {
    const p = path.resolve(expandHome(options.gmatRoot, env));
    const r = inspectInstall(p);
    if (typeof r !== 'string') return { ...r, source: '--gmat-root' };
    throw new GmatNotFoundError([{ step: '--gmat-root', path: p, reason: r }], true);
  }
  attempts.push({ step: '--gmat-root', path: null, reason: 'not given' });

  const envRoot = env.GMAT_ROOT;
  if (envRoot !== undefined && envRoot !== '') {
    const p = path.resolve(expandHome(envRoot, env));
    const r = inspectInstall(p);
    if (typeof r !== 'string') return { ...r, source: 'GMAT_ROOT' };
    throw new GmatNotFoundError([{ step: 'GMAT_ROOT', path: p, reason: r }], true);
  }
  attempts.push({ step: 'GMAT_ROOT', path: null, reason: 'not set' });

  const dirs = options.searchDirs ?? ['/opt', env.HOME || os.homedir()];
  const candidates: string[] = [];
  for (const d of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) if (n === 'gmat' || n.startsWith('gmat-') || n.startsWith('GMAT-')) candidates.push(path.join(d, n));
  }
  candidates.sort((a, b) => {
    const x = path.basename(a);
    const y = path.basename(b);
    return x < y ? 1 : x > y ? -1 : a < b ? -1 : a > b ? 1 : 0;
  });
  if (candidates.length === 0) {
    attempts.push({ step: 'search', path: dirs.map((d) => path.join(d, 'gmat-*')).join(', '), reason: 'no matches' });
  }
  for (const c of candidates) {
    const r = inspectInstall(c);
    if (typeof r !== 'string') return { ...r, source: 'search' };
    attempts.push({ step: 'search', path: c, reason: r });
  }

  const pathDirs = (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  let onPath = false;
  for (const d of pathDirs) {
    const exe = path.join(d, 'GmatConsole');
    if (!isExecutableFile(exe)) continue;
    onPath = true;
    const root = path.dirname(path.dirname(realpathSync(exe)));
    const r = inspectInstall(root);
    if (typeof r !== 'string') return { ...r, source: 'PATH' };
    attempts.push({ step: 'PATH', path: exe, reason: `install root ${root}: ${r}` });
  }
  if (!onPath) attempts.push({ step: 'PATH', path: null, reason: 'no GmatConsole executable found on PATH' });

  // setup-gmat renames a finished build into place, so a complete-looking prefix is complete.
  const prefix = defaultGmatPrefix(env);
  const r = inspectInstall(prefix);
  if (typeof r !== 'string') return { ...r, source: 'setup-gmat' };
  attempts.push({ step: 'setup-gmat', path: prefix, reason: `${r} (run \`gsweep setup-gmat\` to build it)` });

  throw new GmatNotFoundError(attempts);
}

/** The stand-in engine (a GMAT test double) at `<repo>/gmat-stand-in`. Only on explicit request. */
export function standInInstall(): GmatInstall {
  const root = path.join(PACKAGE_ROOT, 'gmat-stand-in');
  const r = inspectInstall(root, true);
  if (typeof r === 'string') {
    throw new GmatNotFoundError([{ step: 'stand-in', path: root, reason: r }], true);
  }
  return { ...r, source: 'stand-in' };
}
