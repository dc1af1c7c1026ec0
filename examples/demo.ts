/**
 * `npm run demo`: the README's 16-run sweep of leo_point_mass.script on real GMAT, end to end
 * on an embedded Temporal dev server. Uses the GMAT gsweep finds (--gmat-root/GMAT_ROOT,
 * /opt/gmat-*, ~/gmat-*, PATH, the setup-gmat install); if there is none it builds one with
 * `gsweep setup-gmat` first, saying so. `npm run demo:stand-in` runs the same sweep on the
 * stand-in (a test double). The demo owns demo-out/<name>/ (or $GSWEEP_DEMO_DIR/<name>/): a
 * previous demo's output there is replaced, so it can run any number of times; anything else
 * there is left alone.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultGmatPrefix, describeInstall, GmatNotFoundError, locateGmat } from '../gmat/install';
import { setupGmat } from '../gmat/setup';

const REPO = path.resolve(__dirname, '..');
const VENDOR_CSPICE = path.resolve(REPO, '..', 'shared', 'vendor', 'cspice', 'include');

function say(line: string): void {
  process.stderr.write(`gsweep demo: ${line}\n`);
}

async function ensureGmat(): Promise<void> {
  try {
    say(`using ${describeInstall(locateGmat())}`);
    return;
  } catch (e) {
    if (!(e instanceof GmatNotFoundError)) throw e;
  }
  const cspiceInclude = process.env.GSWEEP_CSPICE_INCLUDE || (fs.existsSync(VENDOR_CSPICE) ? VENDOR_CSPICE : undefined);
  say('no GMAT install found, so building a real GMAT R2026a once with `gsweep setup-gmat`:');
  say('  it downloads gmatpy 0.2.1 (wheel: engine libraries + data) and 0.2.0 (sdist: console sources) from PyPI');
  say(`  with pip (~155 MB), compiles GmatConsole with g++ against CSPICE headers (${cspiceInclude ?? 'none found: set GSWEEP_CSPICE_INCLUDE'}),`);
  say(`  and installs it in ${defaultGmatPrefix()}. About a minute; later runs reuse it.`);
  const r = await setupGmat({ cspiceInclude, log: (l) => say(`  setup-gmat: ${l}`) });
  say(`built in ${r.seconds.toFixed(0)} s: ${describeInstall({ ...r.install, source: 'setup-gmat' })}`);
}

/** Empties `out` if it is missing, empty or a previous gsweep output; refuses anything else. */
function clearDemoOutput(out: string): void {
  if (!fs.existsSync(out)) return;
  const names = fs.readdirSync(out);
  const ours = names.length === 0 || names.includes('manifest.jsonl') || names.includes('request.json');
  if (!ours) throw new Error(`${out} exists and is not a gsweep output directory; move it away to run the demo`);
  fs.rmSync(out, { recursive: true, force: true });
}

async function main(): Promise<number> {
  const standIn = process.argv.includes('--stand-in');
  // GSWEEP_DEMO_DIR moves the demo's output (its tests use a scratch directory).
  const out = path.join(process.env.GSWEEP_DEMO_DIR || 'demo-out', standIn ? 'leo-sma-stand-in' : 'leo-sma');
  if (!standIn) await ensureGmat();
  clearDemoOutput(path.resolve(REPO, out));
  const args = ['bin/gsweep.js', 'run', 'examples/leo_point_mass.script', '--grid', 'Sat.SMA=6800:7400:16', ...(standIn ? ['--engine', 'stand-in'] : []), '--out', out];
  say(`node ${args.join(' ')}`);
  const r = spawnSync(process.execPath, args, { cwd: REPO, stdio: 'inherit' });
  return r.status ?? 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    say(`error: ${err.message}`);
    process.exitCode = 1;
  },
);
