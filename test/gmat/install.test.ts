import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GmatNotFoundError, locateGmat } from '../../gmat/install';

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

const EMPTY_ENV = { PATH: '' };

describe('locateGmat', () => {
  it('uses the gmatRoot argument first', () => {
    const a = fakeInstall(path.join(tmp(), 'a'), { startup: '# GMAT R2026a startup\nROOT_PATH = ../\n' });
    const b = fakeInstall(path.join(tmp(), 'b'));
    const inst = locateGmat({ gmatRoot: a, env: { GMAT_ROOT: b, PATH: '' }, searchDirs: [] });
    expect(inst).toEqual({
      root: a,
      binDir: path.join(a, 'bin'),
      consolePath: path.join(a, 'bin', 'GmatConsole'),
      startupTemplatePath: path.join(a, 'bin', 'gmat_startup_file.txt'),
      version: 'R2026a',
      standIn: false,
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
    expect(locateGmat({ env: { PATH: `/nonexistent:${pathDir}` }, searchDirs: [tmp()] }).root).toBe(root);
  });

  it('not found: lists the attempts and says how to fix it', () => {
    const empty = tmp();
    const e = errorOf(() => locateGmat({ env: EMPTY_ENV, searchDirs: [empty] }));
    expect(e).toBeInstanceOf(GmatNotFoundError);
    expect((e as GmatNotFoundError).attempts.map((a) => a.step)).toEqual(['--gmat-root', 'GMAT_ROOT', 'search', 'PATH']);
    expect(e.message).toContain('  - GMAT_ROOT: (none): not set');
    expect(e.message).toContain(`  - search: ${path.join(empty, 'gmat-*')}: no matches`);
    expect(e.message).toContain('  - PATH: (none): no GmatConsole executable found on PATH');
    expect(e.message).toContain('--gmat-root <dir>');
    expect(e.message).toContain('GMAT_ROOT=<dir>');
    expect(e.message).toContain('--engine stand-in');
    expect(e.message).toContain('never chosen automatically');
  });
});
