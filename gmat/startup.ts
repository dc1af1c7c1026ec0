/**
 * Per-run GMAT startup file: GmatConsole reads its paths (data, output, plugins) from it.
 *
 * GMAT resolves relative startup-file paths against the process working directory, which
 * only equals the install's bin/ directory because GmatConsole chdir()s there when it finds
 * no startup file in the CWD. gsweep passes `--startup_file` and runs with cwd = run dir,
 * so every relative path is made absolute here: values starting with `..` get the install
 * root in place of `..` (what GMAT's BuildApiStartupFile.py does), other relative values are
 * taken against bin/. Symbolic values (`ROOT_PATH/data/`, `OUTPUT_PATH/GmatLog.txt`) are
 * left for GMAT to resolve. `OUTPUT_PATH = <runDir>/` and `LOG_FILE = <runDir>/GmatLog.txt`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES } from '../output/layout';
import type { GmatInstall } from './install';

/** Keys ending in _PATH/_FILE that are options, not paths. */
const OPTION_KEYS = new Set(['DEBUG_FILE_PATH']);

const LINE_RE = /^(\s*)([A-Za-z][A-Za-z0-9_]*)(\s*=\s*)(.*?)(\s*)$/;
const SYMBOLIC_RE = /^[A-Za-z][A-Za-z0-9_]*_PATH(?:[/\\]|$)/;

function absolutise(value: string, root: string, binDir: string): string {
  if (value === '' || value.startsWith('/') || SYMBOLIC_RE.test(value)) return value;
  if (value === '..' || value.startsWith('../')) return root.replace(/\/+$/, '') + value.slice(2);
  if (value === '.' || value.startsWith('./')) return binDir.replace(/\/+$/, '') + value.slice(1);
  return binDir.replace(/\/+$/, '') + '/' + value;
}

/** Pure: renders a startup file from a template's text. */
export function renderStartupText(
  template: string,
  install: Pick<GmatInstall, 'root' | 'binDir'>,
  runDir: string,
): string {
  for (const [what, p] of [
    ['install root', install.root],
    ['install bin directory', install.binDir],
    ['run directory', runDir],
  ] as const) {
    if (!path.isAbsolute(p)) throw new Error(`startup file: ${what} ${JSON.stringify(p)} must be an absolute path`);
  }
  const dir = runDir.replace(/\/+$/, '');
  const eol = template.includes('\r\n') ? '\r\n' : '\n';
  const lines = template.split(/\r\n|\n/);
  let sawOutput = false;
  let sawLog = false;
  const out = lines.map((line) => {
    if (/^\s*#/.test(line)) return line;
    const m = LINE_RE.exec(line);
    if (!m) return line;
    const [, lead, key, eq, value, trail] = m as unknown as [string, string, string, string, string, string];
    let v = value;
    if (key === 'OUTPUT_PATH') {
      sawOutput = true;
      v = `${dir}/`;
    } else if (key === 'LOG_FILE') {
      sawLog = true;
      v = `${dir}/${RUN_FILES.log}`;
    } else if (key === 'PLUGIN' || ((key.endsWith('_PATH') || key.endsWith('_FILE')) && !OPTION_KEYS.has(key))) {
      v = absolutise(value, install.root, install.binDir);
    }
    return `${lead}${key}${eq}${v}${trail}`;
  });
  // Drop the final empty element of a trailing newline before appending.
  const trailingNewline = out.length > 0 && out[out.length - 1] === '';
  if (trailingNewline) out.pop();
  if (!sawOutput) out.push(`OUTPUT_PATH              = ${dir}/`);
  if (!sawLog) out.push(`LOG_FILE                 = ${dir}/${RUN_FILES.log}`);
  return out.join(eol) + eol;
}

/** Reads the install's startup template and renders the run's startup file text. */
export function renderStartupFile(install: GmatInstall, runDir: string): string {
  return renderStartupText(readFileSync(install.startupTemplatePath, 'utf8'), install, runDir);
}

/** Writes `<runDir>/gmat_startup_file.txt` and returns its absolute path. */
export function writeStartupFile(install: GmatInstall, runDir: string): string {
  const p = path.join(runDir, RUN_FILES.startup);
  writeFileSync(p, renderStartupFile(install, runDir));
  return p;
}
