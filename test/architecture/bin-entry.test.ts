// bin/lib/entry.js decides what the bin entries run: dist/ in the package, dist/ in a checkout
// only while it is newer than every source, else the sources through tsx.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../helpers/temporal';

const root = tempDir('gsweep-entry-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
fs.mkdirSync(path.join(root, 'bin', 'lib'), { recursive: true });
fs.copyFileSync(path.join(REPO_ROOT, 'bin', 'lib', 'entry.js'), path.join(root, 'bin', 'lib', 'entry.js'));
fs.copyFileSync(path.join(REPO_ROOT, 'rooms.json'), path.join(root, 'rooms.json'));
const ROOMS = Object.keys((JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'rooms.json'), 'utf8')) as { rooms: Record<string, string[]> }).rooms);

function entry(flag: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'lib', 'entry.js'), flag], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}
const at = (file: string, seconds: number) => fs.utimesSync(file, seconds, seconds);

describe('bin/lib/entry.js', () => {
  const source = path.join(root, 'cli', 'main.ts');
  const stamp = path.join(root, 'dist', 'BUILD');

  it('a checkout without a build runs the sources', () => {
    fs.mkdirSync(path.dirname(source), { recursive: true });
    fs.writeFileSync(source, '');
    expect(entry('--mode').out).toBe('source');
  });

  it('runs dist/ while its build is newer than every source, the sources once one is edited', () => {
    fs.mkdirSync(path.dirname(stamp), { recursive: true });
    fs.writeFileSync(stamp, '');
    at(source, 1_000_000);
    at(stamp, 2_000_000);
    expect(entry('--mode').out).toBe('dist');
    expect(entry('--mode', { GSWEEP_FROM_SOURCE: '1' }).out).toBe('source');
    at(source, 3_000_000);
    expect(entry('--mode').out).toBe('source');
  });

  it('an edit in any room after the build runs the sources (no room is left out)', () => {
    expect(ROOMS.length).toBeGreaterThan(10);
    for (const room of ROOMS) {
      const file = path.join(root, room, 'edited.ts');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '');
      at(stamp, 2_000_000);
      at(source, 1_000_000);
      at(file, 1_500_000);
      expect(entry('--mode').out, room).toBe('dist');
      at(file, 3_000_000);
      expect(entry('--mode').out, `an edit in ${room}/`).toBe('source');
      fs.rmSync(file);
    }
  });

  it('the installed package (no sources) runs dist/', () => {
    for (const room of ROOMS) fs.rmSync(path.join(root, room), { recursive: true, force: true });
    expect(entry('--mode').out).toBe('dist');
  });

  it('prepare without a compiler or sources builds nothing and says so', () => {
    const r = entry('--prepare');
    expect(r.code).toBe(0);
    expect(r.out).toBe('gsweep: dist/ not built (no TypeScript compiler or no sources here); bin/ runs the sources through tsx');
  });
});
