/**
 * What a directory out is checked for before a sweep writes into it (DirStore.checkAccess) or
 * before a sweep in it is resumed (DirStore.checkExisting): each refusal one sentence, an
 * OutAccessError (or UnsafePathError for a linked sub-directory), and nothing created.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutAccessError } from '../../output/out-access';
import { UnsafePathError } from '../../output/safe-files';
import { DirStore } from '../../output/store';
import { describeValue } from '../../sweep/overrides';
import { tempDir } from '../helpers/temporal';

const root = fs.realpathSync(tempDir('gsweep-dir-checks-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh directory of its own under root, for one test. */
function place(): string {
  const d = path.join(root, `t${n++}`);
  fs.mkdirSync(d);
  return d;
}
/** A directory that holds a finished sweep's marks: request.json next to runs/. */
function sweepIn(dir: string): string {
  fs.mkdirSync(path.join(dir, 'runs', 'run-0'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'request.json'), '{}');
  return dir;
}
const NEW = { emptyPrefix: true, ignore: ['.gsweep.lock'] };

async function refusal(check: Promise<void>): Promise<OutAccessError> {
  const err = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutAccessError);
  return err as OutAccessError;
}

describe('DirStore.checkAccess: a new sweep\'s out', () => {
  it('takes a new directory under an existing one, and an empty one, creating nothing', async () => {
    const base = place();
    await new DirStore(path.join(base, 'a', 'b')).checkAccess(NEW);
    expect(fs.readdirSync(base)).toEqual([]);
    await new DirStore(base).checkAccess(NEW);
  });

  it('takes a directory that holds only the names it is told to ignore (the lock)', async () => {
    const out = place();
    fs.writeFileSync(path.join(out, '.gsweep.lock'), '{}');
    await new DirStore(out).checkAccess(NEW);
  });

  it('refuses a directory that holds anything else, naming resume', async () => {
    const out = place();
    fs.writeFileSync(path.join(out, '.gsweep.lock'), '{}');
    fs.writeFileSync(path.join(out, 'notes.txt'), 'x');
    const err = await refusal(new DirStore(out).checkAccess(NEW));
    expect(err.message).toBe(`${JSON.stringify(out)} is not empty; give a new directory (to finish an earlier sweep there, use \`gsweep resume ${out}\`)`);
  });

  it('without emptyPrefix, a directory in use is only checked for access', async () => {
    const out = place();
    fs.writeFileSync(path.join(out, 'notes.txt'), 'x');
    await new DirStore(out).checkAccess();
  });

  it('refuses a path GMAT\'s quoted strings cannot hold', async () => {
    const out = path.join(place(), "it's");
    const err = await refusal(new DirStore(out).checkAccess(NEW));
    expect(err.message).toBe(
      `${JSON.stringify(out)} contains "'"; GMAT reads output paths from quoted script strings, which cannot hold quotes, ";", "%", braces, control or non-ASCII characters: choose another directory`,
    );
    const accented = await refusal(new DirStore(path.join(place(), 'caf\u00e9')).checkAccess());
    expect(accented.message).toContain('contains a non-ASCII character (U+00E9);');
  });

  it('refuses a name or a path longer than the file system allows', async () => {
    const longName = path.join(place(), 'n'.repeat(300), 'out');
    expect((await refusal(new DirStore(longName).checkAccess(NEW))).message).toBe(
      `${describeValue(longName)} has a name of 300 bytes ("nnnnnnnnnnnnnnnn..."); file systems allow at most 255 bytes per name: choose a shorter one`,
    );
    const longPath = path.join(place(), ...Array.from({ length: 19 }, () => 'p'.repeat(200)));
    const bytes = Buffer.byteLength(longPath);
    expect((await refusal(new DirStore(longPath).checkAccess(NEW))).message).toMatch(
      new RegExp(`is ${bytes} bytes long; the files a sweep writes inside it need up to 256 more, past the system's limit of 4096 bytes per path: choose a shorter path$`),
    );
  });

  it('refuses a file where the directory or one of its parents belongs, leaving the file as it was', async () => {
    const file = path.join(place(), 'a-file');
    fs.writeFileSync(file, 'x');
    expect((await refusal(new DirStore(file).checkAccess(NEW))).message).toBe(
      `${JSON.stringify(file)} exists and is not a directory; choose a new output directory`,
    );
    const below = path.join(file, 'sub', 'out');
    expect((await refusal(new DirStore(below).checkAccess(NEW))).message).toBe(
      `${JSON.stringify(below)}: ${file} is a file, not a directory, so the output directory cannot be made there; choose another output directory`,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  it('refuses a symbolic link to nothing', async () => {
    const link = path.join(place(), 'link');
    fs.symlinkSync(path.join(root, 'nowhere'), link);
    expect((await refusal(new DirStore(link).checkAccess(NEW))).message).toBe(
      `${JSON.stringify(link)} is a symbolic link to nothing; gsweep does not write through it: give a directory`,
    );
  });

  it('refuses a directory inside another sweep\'s, and creates nothing there', async () => {
    const outer = sweepIn(place());
    const inner = path.join(outer, 'runs', 'run-0', 'inner');
    expect((await refusal(new DirStore(inner).checkAccess(NEW))).message).toBe(
      `${JSON.stringify(inner)} is inside the output directory of another sweep (${outer}), which would delete it when it re-runs a run; choose a directory outside it`,
    );
    expect(fs.existsSync(inner)).toBe(false);
  });
});

describe('DirStore.checkExisting: a sweep\'s out before it is resumed', () => {
  it('takes a sweep that sits on its own', () => {
    expect(() => new DirStore(sweepIn(place())).checkExisting()).not.toThrow();
  });

  it('refuses a sweep inside another sweep\'s directory', () => {
    const outer = sweepIn(place());
    const inner = sweepIn(path.join(outer, 'runs', 'run-0', 'inner'));
    expect(() => new DirStore(inner).checkExisting()).toThrow(
      new OutAccessError(`${inner} is inside the output directory of another sweep (${outer}); move it out of there first (resuming either would delete or write into the other)`),
    );
  });

  it('refuses gsweep\'s own sub-directory replaced by a link', () => {
    const out = sweepIn(place());
    const elsewhere = place();
    fs.symlinkSync(elsewhere, path.join(out, 'inputs'));
    let err: unknown;
    try {
      new DirStore(out).checkExisting();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsafePathError);
    expect((err as Error).message).toBe(
      `${path.join(out, 'inputs')} is a symbolic link; gsweep made it a directory and never writes or deletes through a link or other file it did not create: put the directory back, or use another output directory`,
    );
  });
});
