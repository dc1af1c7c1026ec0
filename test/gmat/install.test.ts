import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultGmatPrefix, describeInstall, GmatNotFoundError, locateGmat } from '../../gmat/install';

function tmp(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-install-')));
}

function fakeInstall(root: string, opts: { exec?: boolean; startup?: string | null; readme?: string } = {}): string {
  fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
  const exe = path.join(root, 'bin', 'GmatConsole');
  fs.writeFileSync(exe, '#!/bin/sh\nexit 0\n');
  fs.chmodSync(exe, opts.exec === false ? 0o644 : 0o755);
  if (opts.startup !== null) fs.writeFileSync(path.join(root, 'bin', 'gmat_startup_file.txt'), opts.startup ?? 'ROOT_PATH = ../\n');
  if (opts.readme) fs.writeFileSync(path.join(root, 'README.txt'), opts.readme);
  return root;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

// Never the real per-user setup-gmat install: every env names a prefix that does not exist.
const NO_PREFIX = path.join(os.tmpdir(), 'gsweep-no-such-prefix');
const EMPTY_ENV = { PATH: '', GSWEEP_GMAT_PREFIX: NO_PREFIX };

describe('locateGmat', () => {
  it('uses the gmatRoot argument first', () => {
    const a = fakeInstall(path.join(tmp(), 'a'), { startup: '# GMAT R2026a startup\nROOT_PATH = ../\n' });
    const b = fakeInstall(path.join(tmp(), 'b'));
    const inst = locateGmat({ gmatRoot: a, env: { GMAT_ROOT: b, PATH: '', GSWEEP_GMAT_PREFIX: NO_PREFIX }, searchDirs: [] });
    expect(inst).toEqual({
      root: a,
      binDir: path.join(a, 'bin'),
      consolePath: path.join(a, 'bin', 'GmatConsole'),
      startupTemplatePath: path.join(a, 'bin', 'gmat_startup_file.txt'),
      version: 'R2026a',
      standIn: false,
      source: '--gmat-root',
    });
  });

  it('then GMAT_ROOT; an invalid explicit root is an error, no fall-through', () => {
    const b = fakeInstall(path.join(tmp(), 'b'), { readme: 'GMAT R2025a release notes' });
    expect(locateGmat({ env: { GMAT_ROOT: b, PATH: '' }, searchDirs: [] })).toMatchObject({ root: b, version: 'R2025a' });
    const bad = fakeInstall(path.join(tmp(), 'bad'), { exec: false });
    const good = tmp();
    fakeInstall(path.join(good, 'gmat-R2026a'));
    const e = errorOf(() => locateGmat({ env: { GMAT_ROOT: bad, PATH: '' }, searchDirs: [good] }));
    expect(e).toBeInstanceOf(GmatNotFoundError);
    expect(e.message).toContain(`  - GMAT_ROOT: ${bad}: bin/GmatConsole is not an executable file`);
    const e2 = errorOf(() => locateGmat({ gmatRoot: path.join(good, 'nope'), env: EMPTY_ENV, searchDirs: [good] }));
    expect(e2.message).toContain(`  - --gmat-root: ${path.join(good, 'nope')}: does not exist`);
  });

  it('then gmat-* directories, greatest name first, skipping invalid ones', () => {
    const d1 = tmp();
    const d2 = tmp();
    fakeInstall(path.join(d1, 'gmat-R2024a'));
    fakeInstall(path.join(d2, 'gmat-R2025a'));
    fakeInstall(path.join(d2, 'gmat-R2026a'), { startup: null }); // invalid: no startup file
    expect(locateGmat({ env: EMPTY_ENV, searchDirs: [d1, d2] }).root).toBe(path.join(d2, 'gmat-R2025a'));
  });

  it('then GmatConsole on PATH (root = parent of bin, symlinks resolved)', () => {
    const root = fakeInstall(path.join(tmp(), 'somewhere'));
    const pathDir = tmp();
    fs.symlinkSync(path.join(root, 'bin', 'GmatConsole'), path.join(pathDir, 'GmatConsole'));
    expect(locateGmat({ env: { PATH: `/nonexistent:${pathDir}`, GSWEEP_GMAT_PREFIX: NO_PREFIX }, searchDirs: [tmp()] }).root).toBe(root);
  });

  it('not found: lists the attempts and says how to fix it', () => {
    const empty = tmp();
    const e = errorOf(() => locateGmat({ env: EMPTY_ENV, searchDirs: [empty] }));
    expect(e).toBeInstanceOf(GmatNotFoundError);
    expect((e as GmatNotFoundError).attempts.map((a) => a.step)).toEqual(['--gmat-root', 'GMAT_ROOT', 'search', 'PATH', 'setup-gmat']);
    expect(e.message).toContain('  - GMAT_ROOT: (none): not set');
    expect(e.message).toContain(`  - search: ${path.join(empty, 'gmat-*')}: no matches`);
    expect(e.message).toContain('  - PATH: (none): no GmatConsole executable found on PATH');
    expect(e.message).toContain(`  - setup-gmat: ${NO_PREFIX}: does not exist (run \`gsweep setup-gmat\` to build it)`);
    expect(e.message).toContain('gsweep setup-gmat --cspice-include <dir>');
    expect(e.message).toContain('--gmat-root <dir>');
    expect(e.message).toContain('GMAT_ROOT=<dir>');
    expect(e.message).toContain('--engine stand-in');
    expect(e.message).toContain('never chosen automatically');
  });

  it('last, the setup-gmat install: GSWEEP_GMAT_PREFIX, else gsweep\'s per-user cache', () => {
    const prefix = fakeInstall(path.join(tmp(), 'gmat-R2026a'), { startup: '# GMAT R2026a GmatConsole built by gsweep setup-gmat\n' });
    const inst = locateGmat({ env: { PATH: '', GSWEEP_GMAT_PREFIX: prefix }, searchDirs: [tmp()] });
    expect(inst).toMatchObject({ root: prefix, source: 'setup-gmat', version: 'R2026a' });
    expect(describeInstall(inst)).toBe(`GMAT R2026a at ${prefix} (built by gsweep setup-gmat)`);
    // Anything more specific wins over it.
    const other = fakeInstall(path.join(tmp(), 'gmat-R2025a'));
    expect(locateGmat({ env: { PATH: '', GSWEEP_GMAT_PREFIX: prefix, GMAT_ROOT: other }, searchDirs: [] })).toMatchObject({ root: other, source: 'GMAT_ROOT' });
    expect(locateGmat({ env: { PATH: '', GSWEEP_GMAT_PREFIX: prefix }, searchDirs: [path.dirname(other)] })).toMatchObject({ root: other, source: 'search' });
    expect(defaultGmatPrefix({ HOME: '/home/u' })).toBe('/home/u/.cache/gsweep/gmat-R2026a');
    expect(defaultGmatPrefix({ HOME: '/home/u', XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/gsweep/gmat-R2026a');
    expect(defaultGmatPrefix({ GSWEEP_CACHE_DIR: '/c' })).toBe('/c/gmat-R2026a');
    expect(defaultGmatPrefix({ GSWEEP_GMAT_PREFIX: '/p/gmat', GSWEEP_CACHE_DIR: '/c' })).toBe('/p/gmat');
  });
});
