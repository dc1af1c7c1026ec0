/**
 * `gsweep setup-gmat`: the install it made, idempotence, and every refusal (missing tool,
 * headers, files, a foreign prefix, a tampered download) before anything is written.
 * The cold build itself runs once per machine (test/helpers/real-gmat.ts, or .ci/run under CI).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { locateGmat, type GmatInstall } from '../../gmat/install';
import { findSetupInstall, GMATPY_SDIST, GMATPY_WHEEL, MARKER_FILE, setupGmat, SetupGmatError, setupStartupText } from '../../gmat/setup';
import { runCli, tempDir } from '../helpers/temporal';
import { VENDOR_CSPICE } from '../helpers/real-gmat';
import { useRealGmat } from '../helpers/use-real-gmat';

const gmat = useRealGmat();
let install: GmatInstall;
const scratch = tempDir('gsweep-setup-gmat-');
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

async function refusal(p: Promise<unknown>): Promise<SetupGmatError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(SetupGmatError);
  return e as SetupGmatError;
}

/** A PATH holding only the named tools (symlinks to the real ones). */
function pathWith(tools: string[]): string {
  const dir = fs.mkdtempSync(path.join(scratch, 'path-'));
  for (const t of tools) {
    const real = (process.env.PATH ?? '').split(':').map((d) => path.join(d, t)).find((p) => fs.existsSync(p));
    if (!real) throw new Error(`test needs ${t} on PATH`);
    fs.symlinkSync(real, path.join(dir, t));
  }
  return dir;
}

/** Nothing was written: no prefix, no temp build directory beside it. */
function expectNothingWritten(prefix: string): void {
  expect(fs.existsSync(prefix)).toBe(false);
  const parent = path.dirname(prefix);
  if (fs.existsSync(parent)) expect(fs.readdirSync(parent).filter((f) => f.includes('.tmp-'))).toEqual([]);
}

describe('the setup-gmat install', () => {
  beforeEach(() => {
    install = gmat();
  });
  it('is complete: bin/GmatConsole, both engine libraries, data, output, a marker with the pins', () => {
    for (const f of ['bin/GmatConsole', 'bin/libGmatBase.so.R2026a', 'bin/libGmatUtil.so.R2026a', 'bin/gmat_startup_file.txt', 'licenses/LICENSES.md']) {
      expect(fs.existsSync(path.join(install.root, f)), f).toBe(true);
    }
    const marker = JSON.parse(fs.readFileSync(path.join(install.root, MARKER_FILE), 'utf8'));
    expect(marker).toMatchObject({ gmat: 'R2026a', wheel: { sha256: GMATPY_WHEEL.sha256 }, sdist: { sha256: GMATPY_SDIST.sha256 } });
    expect(install.version).toBe('R2026a');
  });

  it('has a startup file with an absolute ROOT_PATH, every *_PATH an existing directory, every *_FILE GMAT reads present', () => {
    const text = fs.readFileSync(install.startupTemplatePath, 'utf8');
    expect(text).toBe(setupStartupText(install.root));
    const entries = text
      .split('\n')
      .filter((l) => /^[A-Z]/.test(l))
      .map((l) => l.split('=').map((s) => s.trim()) as [string, string]);
    const get = (k: string) => entries.find(([key]) => key === k)?.[1];
    expect(get('ROOT_PATH')).toBe(`${install.root}/`);
    expect(get('RUN_MODE')).toBe('TESTING_NO_PLOTS');
    const paths = entries.filter(([k]) => k.endsWith('_PATH'));
    expect(paths.length).toBeGreaterThanOrEqual(29);
    for (const [k, v] of paths) {
      expect(path.isAbsolute(v), k).toBe(true);
      expect(fs.statSync(v).isDirectory(), `${k} = ${v}`).toBe(true);
    }
    for (const [k, v] of entries.filter(([key]) => key.endsWith('_FILE') && !['LOG_FILE', 'CSSI_FLUX_FILE', 'SCHATTEN_FILE', 'WRITE_PERSONALIZATION_FILE'].includes(key))) {
      expect(fs.statSync(v).isFile(), `${k} = ${v}`).toBe(true);
    }
    expect(get('DE405_FILE')).toBe(`${install.root}/data/planetary_ephem/de/gmatpy_de405_1941_2201.405`);
    expect(get('PLANETARY_SPK_FILE')).toBe(`${install.root}/data/planetary_ephem/spk/gmatpy_de405_all_planets.bsp`);
  });

  it('is what the locator finds when nothing more specific is set', () => {
    const found = locateGmat({ env: { PATH: '', HOME: process.env.HOME, GSWEEP_GMAT_PREFIX: process.env.GSWEEP_GMAT_PREFIX, GSWEEP_CACHE_DIR: process.env.GSWEEP_CACHE_DIR, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME }, searchDirs: [] });
    expect(found).toMatchObject({ root: install.root, source: 'setup-gmat' });
  });

  it('a second setup is a no-op returning the same install (nothing rebuilt)', async () => {
    const before = fs.statSync(path.join(install.root, 'bin', 'GmatConsole')).mtimeMs;
    const r = await setupGmat({ prefix: install.root, env: { PATH: '' } });
    expect(r.built).toBe(false);
    expect(r.install.root).toBe(install.root);
    expect(fs.statSync(path.join(install.root, 'bin', 'GmatConsole')).mtimeMs).toBe(before);
    expect(findSetupInstall(install.root)?.root).toBe(install.root);
  });

  it('`gsweep setup-gmat` on it says "already installed" and prints the root on stdout', async () => {
    const r = await runCli(['setup-gmat', '--prefix', install.root], { env: { GSWEEP_CSPICE_INCLUDE: '' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${install.root}\n`);
    expect(r.stderr).toContain(`gsweep setup-gmat: already installed: GMAT R2026a at ${install.root} (built by gsweep setup-gmat)`);
  });

  it('`gsweep run-one` says which GMAT it uses', async () => {
    const out = path.join(scratch, 'one');
    const r = await runCli(['run-one', path.join(__dirname, '../../../shared/missions/leo_point_mass.script'), '--out', out], {
      env: { GMAT_ROOT: '', GSWEEP_GMAT_PREFIX: install.root },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`gsweep: GMAT R2026a at ${install.root} (built by gsweep setup-gmat)`);
    expect(r.stdout).toContain('(91 rows)');
  });
});

describe('setup-gmat refusals (before anything is downloaded or written)', () => {
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...extra });

  it('not Linux x86-64: says what to use instead', async () => {
    const prefix = path.join(scratch, 'mac', 'gmat');
    const e = await refusal(setupGmat({ prefix, cspiceInclude: VENDOR_CSPICE, env: env(), platform: 'darwin', arch: 'arm64' }));
    expect(e.message).toContain('gsweep setup-gmat builds GMAT for Linux x86-64 only');
    expect(e.message).toContain('not darwin/arm64');
    expect(e.message).toContain("install NASA's GMAT release for this machine and set GMAT_ROOT");
    expectNothingWritten(prefix);
  });

  it('no CSPICE headers named: says which option, which env and where to get them', async () => {
    const prefix = path.join(scratch, 'a', 'gmat');
    const e = await refusal(setupGmat({ prefix, env: env() }));
    expect(e.message).toContain('gsweep setup-gmat needs the CSPICE headers');
    expect(e.message).toContain('--cspice-include <dir>');
    expect(e.message).toContain('GSWEEP_CSPICE_INCLUDE');
    expect(e.message).toContain('cspice.tar.Z');
    expectNothingWritten(prefix);
  });

  it('a CSPICE directory without SpiceUsr.h, or one that does not exist', async () => {
    const prefix = path.join(scratch, 'b', 'gmat');
    const empty = fs.mkdtempSync(path.join(scratch, 'empty-'));
    const e1 = await refusal(setupGmat({ prefix, cspiceInclude: empty, env: env() }));
    expect(e1.message).toContain(`CSPICE include directory "${empty}" holds no SpiceUsr.h (nor cspice/SpiceUsr.h)`);
    const e2 = await refusal(setupGmat({ prefix, env: env({ GSWEEP_CSPICE_INCLUDE: path.join(empty, 'nope') }) }));
    expect(e2.message).toContain(`CSPICE include directory "${path.join(empty, 'nope')}" does not exist`);
    expectNothingWritten(prefix);
  });

  for (const [missing, has, fix] of [
    ['unzip', ['tar', 'g++', 'python3'], 'apt-get install unzip'],
    ['g++', ['unzip', 'tar', 'python3'], 'apt-get install g++'],
  ] as const) {
    it(`no ${missing} on PATH: names it and how to install it`, async () => {
      const prefix = path.join(scratch, `no-${missing}`, 'gmat');
      const e = await refusal(setupGmat({ prefix, cspiceInclude: VENDOR_CSPICE, env: env({ PATH: pathWith([...has]) }) }));
      expect(e.message).toContain(`gsweep setup-gmat needs \`${missing}\`, which is not on PATH`);
      expect(e.message).toContain(fix);
      expectNothingWritten(prefix);
    });
  }

  it('no python3/pip: names pip, how to install it, and --from for offline machines', async () => {
    const prefix = path.join(scratch, 'no-pip', 'gmat');
    const e = await refusal(setupGmat({ prefix, cspiceInclude: VENDOR_CSPICE, env: env({ PATH: pathWith(['unzip', 'tar', 'g++']) }) }));
    expect(e.message).toContain('gsweep setup-gmat needs `pip` (python3 -m pip) to download gmatpy from PyPI');
    expect(e.message).toContain('no python3, python, pip3 or pip on PATH');
    expect(e.message).toContain('apt-get install python3-pip');
    expect(e.message).toContain('--from <dir>');
    expectNothingWritten(prefix);
  });

  it('--from a directory missing a file: names the file and the pip command that fetches it', async () => {
    const prefix = path.join(scratch, 'from-missing', 'gmat');
    const from = fs.mkdtempSync(path.join(scratch, 'from-'));
    const e = await refusal(setupGmat({ prefix, cspiceInclude: VENDOR_CSPICE, from, env: env() }));
    expect(e.message).toContain(`--from ${from} holds no ${GMATPY_WHEEL.file}`);
    expect(e.message).toContain(`pip download ${GMATPY_WHEEL.pipArgs.join(' ')} -d ${from}`);
    expectNothingWritten(prefix);
  });

  it('a file whose SHA-256 is not the pinned one is refused, and the build leaves nothing behind', async () => {
    const prefix = path.join(scratch, 'tampered', 'gmat');
    const from = fs.mkdtempSync(path.join(scratch, 'from-'));
    fs.writeFileSync(path.join(from, GMATPY_WHEEL.file), 'not the wheel');
    fs.writeFileSync(path.join(from, GMATPY_SDIST.file), 'not the sdist');
    const e = await refusal(setupGmat({ prefix, cspiceInclude: VENDOR_CSPICE, from, env: env() }));
    expect(e.message).toContain(`${path.join(from, GMATPY_WHEEL.file)}: SHA-256 `);
    expect(e.message).toContain(`does not match the pinned ${GMATPY_WHEEL.sha256}`);
    expectNothingWritten(prefix);
  });

  it('a prefix holding something else is never overwritten', async () => {
    const prefix = path.join(scratch, 'foreign');
    fs.mkdirSync(prefix);
    fs.writeFileSync(path.join(prefix, 'precious.txt'), 'mine');
    const e = await refusal(setupGmat({ prefix, cspiceInclude: VENDOR_CSPICE, env: env() }));
    expect(e.message).toBe(`${prefix} exists and is not a gsweep setup-gmat install; give another --prefix (or GSWEEP_GMAT_PREFIX) or remove it`);
    expect(fs.readFileSync(path.join(prefix, 'precious.txt'), 'utf8')).toBe('mine');
  });

  it('the CLI prints the refusal without a stack trace and exits 2', async () => {
    const r = await runCli(['setup-gmat', '--prefix', path.join(scratch, 'cli', 'gmat')], { env: { GSWEEP_CSPICE_INCLUDE: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gsweep: error: gsweep setup-gmat needs the CSPICE headers');
    expect(r.stderr).not.toContain('    at ');
  });
});
