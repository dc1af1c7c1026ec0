/**
 * Which GMAT a worker runs, as the run cache keys it: kind, version, and a fingerprint of
 * everything in the install that can change a result: the engine's programs and libraries
 * (`bin/`, `lib/`, `plugins/` and every PLUGIN the startup file loads) and the data files and
 * directories its startup file names (ephemerides, EOP, leap seconds, gravity models...).
 *
 * The startup file itself is in the fingerprint with the install root written as `<root>`,
 * so the same install unpacked at another path on another host shares cache entries. Paths
 * that only serve the GUI (textures, icons, help) and gsweep's own OUTPUT_PATH/LOG_FILE are
 * left out. Computed once per worker process and install root: hashing a setup-gmat install
 * (~110 MB) takes about 0.3 s, and the files are read asynchronously, so heartbeats go on.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineIdentity } from '../cache/key';
import type { GmatInstall } from './install';
import { renderStartupText } from './startup';

/** Startup keys that name nothing a run's result depends on. */
const IGNORED_KEYS = new Set([
  'ROOT_PATH',
  'DATA_PATH',
  'OUTPUT_PATH',
  'LOG_FILE',
  'DEBUG_FILE_PATH',
  'TEXTURE_PATH',
  'BODY_3D_MODEL_PATH',
  'GUI_CONFIG_PATH',
  'SPLASH_PATH',
  'ICON_PATH',
  'STAR_PATH',
  'HELP_PATH',
  'VEHICLE_MODEL_PATH',
  'PERSONALIZATION_FILE',
]);
/** Engine directories of an install, hashed whole when present. */
const ENGINE_DIRS = ['bin', 'lib', 'plugins'];

const LINE_RE = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

/**
 * The files and directories a startup text names, absolute, in file order: `_PATH`/`_FILE`
 * values and PLUGIN libraries, with `XXX_PATH/...` references resolved against earlier lines.
 */
function startupDataPaths(startupText: string): string[] {
  const values = new Map<string, string>();
  const named: string[] = [];
  for (const line of startupText.split(/\r?\n/)) {
    if (/^\s*#/.test(line)) continue;
    const m = LINE_RE.exec(line);
    if (!m) continue;
    const key = m[1] as string;
    let value = m[2] as string;
    const ref = /^([A-Za-z][A-Za-z0-9_]*_PATH)(?:[/\\](.*))?$/.exec(value);
    if (ref && values.has(ref[1] as string)) value = path.join(values.get(ref[1] as string) as string, ref[2] ?? '');
    if (key.endsWith('_PATH')) values.set(key, value);
    const isData = key === 'PLUGIN' || key.endsWith('_PATH') || key.endsWith('_FILE');
    if (isData && !IGNORED_KEYS.has(key) && path.isAbsolute(value)) named.push(path.normalize(value));
  }
  return named;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file under `p` (itself when a file), sorted; symbolic links are followed. */
function filesUnder(p: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return [];
  }
  if (st.isFile()) return [p];
  if (!st.isDirectory()) return [];
  return fs
    .readdirSync(p)
    .sort()
    .flatMap((name) => filesUnder(path.join(p, name)));
}

/** Computes the identity (no memo: see engineIdentity). */
export async function computeEngineIdentity(install: GmatInstall): Promise<EngineIdentity> {
  const startupText = fs.readFileSync(install.startupTemplatePath, 'utf8');
  // Rendered with a fixed run directory, so relative paths are resolved as a run sees them.
  const rendered = renderStartupText(startupText, install, '/gsweep-run');
  const roots = [...ENGINE_DIRS.map((d) => path.join(install.root, d)), ...startupDataPaths(rendered)];
  const files = [...new Set(roots.flatMap(filesUnder).map((f) => path.normalize(f)))].sort();
  const root = install.root.replace(/\/+$/, '');
  const rel = (f: string) => (f === root || f.startsWith(`${root}/`) ? `<root>${f.slice(root.length)}` : f);
  const fingerprint = createHash('sha256');
  for (const file of files) {
    const digest =
      file === install.startupTemplatePath ? createHash('sha256').update(startupText.split(root).join('<root>')).digest('hex') : await hashFile(file);
    fingerprint.update(`${rel(file)}\0${digest}\n`);
  }
  return { kind: install.standIn ? 'stand-in' : 'gmat', version: install.version, fingerprint: fingerprint.digest('hex') };
}

const memo = new Map<string, Promise<EngineIdentity>>();

/** The install's identity, computed once per process (by install root and startup file). */
export function engineIdentity(install: GmatInstall): Promise<EngineIdentity> {
  const key = `${install.root}\0${install.startupTemplatePath}`;
  let identity = memo.get(key);
  if (!identity) {
    identity = computeEngineIdentity(install);
    // A failed computation (an unreadable file) is tried again by the next run.
    identity.catch(() => memo.delete(key));
    memo.set(key, identity);
  }
  return identity;
}
