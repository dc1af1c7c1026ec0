/**
 * Whether an out can take a sweep, said in one sentence before anything starts rather than
 * as an errno at the first run: the error both stores' `checkAccess` throw, and the checks on
 * a directory out that DirStore makes (an object store checks its bucket in s3-store.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeValue } from '../sweep/overrides';
import { fsReason } from './fs-reason';
import { checkOutTree, enclosingSweep } from './safe-files';

/** An out that cannot take a sweep; the message names the fix. */
export class OutAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutAccessError';
  }
}

/** Longest name one path component may have (NAME_MAX on Linux, macOS and Windows file systems). */
const NAME_MAX_BYTES = 255;
/** Longest path the system opens (PATH_MAX on Linux). */
const PATH_MAX_BYTES = 4096;
/**
 * Room kept for what gsweep and GMAT write inside `out`: `runs/run-<id>/` and a file name (an
 * `extra/<name>` of up to 100 characters, a temporary suffix), so `out` itself must be shorter.
 */
const OUT_PATH_RESERVE_BYTES = 256;

/**
 * Every run writes its absolute run-directory path into a quoted GMAT string, so the output
 * directory may hold only what such a string can: refused here, not at the first run.
 */
export function checkQuotablePath(out: string): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u001f\u007f-\uffff'";%{}]/.exec(out);
  if (bad) {
    const c = bad[0];
    const what = c.charCodeAt(0) > 0x7e ? `a non-ASCII character (U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})` : c.charCodeAt(0) < 0x20 || c === '\u007f' ? 'a control character' : `"${c}"`;
    throw new OutAccessError(
      `${describeValue(out)} contains ${what}; GMAT reads output paths from quoted script strings, which cannot hold quotes, ";", "%", braces, control or non-ASCII characters: choose another directory`,
    );
  }
}

/**
 * The output directory can be made and written: its names fit the system's limits, and the
 * nearest directory that exists (itself, or the ancestor it will be created in) is a directory
 * this user can write.
 */
export function checkWritableDir(out: string): void {
  const abs = path.resolve(out);
  const long = abs.split(path.sep).find((part) => Buffer.byteLength(part) > NAME_MAX_BYTES);
  if (long !== undefined) {
    throw new OutAccessError(
      `${describeValue(out)} has a name of ${Buffer.byteLength(long)} bytes (${describeValue(long.slice(0, 16) + '...')}); file systems allow at most ${NAME_MAX_BYTES} bytes per name: choose a shorter one`,
    );
  }
  const bytes = Buffer.byteLength(abs);
  if (bytes + OUT_PATH_RESERVE_BYTES > PATH_MAX_BYTES) {
    throw new OutAccessError(
      `${describeValue(out)} is ${bytes} bytes long; the files a sweep writes inside it need up to ${OUT_PATH_RESERVE_BYTES} more, past the system's limit of ${PATH_MAX_BYTES} bytes per path: choose a shorter path`,
    );
  }
  let existing = abs;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(existing, { throwIfNoEntry: false });
    } catch {
      stat = undefined; // ENOTDIR: a file further up; found as the loop climbs
    }
    if (stat) {
      if (!stat.isDirectory()) {
        throw new OutAccessError(
          existing === abs
            ? `${describeValue(out)} exists and is not a directory; choose a new output directory`
            : `${describeValue(out)}: ${existing} is a file, not a directory, so the output directory cannot be made there; choose another output directory`,
        );
      }
      break;
    }
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new OutAccessError(
      existing === abs
        ? `${describeValue(out)} is not writable (${fsReason(code)}, ${code}); choose another output directory`
        : `${describeValue(out)} cannot be created in ${existing} (${fsReason(code)}, ${code}); choose another output directory`,
    );
  }
}

/**
 * The directory of a new sweep: not inside another sweep's, not a dangling link, not a file,
 * and empty but for the names in `ignore` (the new sweep's own lock, judged by the lock).
 */
export function checkNewSweepDir(out: string, ignore: readonly string[]): void {
  const outer = enclosingSweep(out);
  if (outer) {
    throw new OutAccessError(
      `${describeValue(out)} is inside the output directory of another sweep (${outer}), which would delete it when it re-runs a run; choose a directory outside it`,
    );
  }
  let link: fs.Stats | undefined;
  try {
    link = fs.lstatSync(out);
  } catch {
    link = undefined;
  }
  if (link?.isSymbolicLink() && !fs.existsSync(out)) {
    throw new OutAccessError(`${describeValue(out)} is a symbolic link to nothing; gsweep does not write through it: give a directory`);
  }
  if (!fs.existsSync(out)) {
    const parent = path.dirname(out);
    if (!fs.existsSync(parent)) return; // created (recursively) when the sweep starts
    if (!fs.statSync(parent).isDirectory()) {
      throw new OutAccessError(`${describeValue(out)}: parent ${parent} is not a directory; choose another output directory`);
    }
    return;
  }
  if (!fs.statSync(out).isDirectory()) {
    throw new OutAccessError(`${describeValue(out)} exists and is not a directory; choose a new output directory`);
  }
  if (fs.readdirSync(out).filter((name) => !ignore.includes(name)).length > 0) {
    throw new OutAccessError(
      `${describeValue(out)} is not empty; give a new directory (to finish an earlier sweep there, use \`gsweep resume ${out}\`)`,
    );
  }
}

/**
 * The directory of one run outside a sweep (`run-one`), which replaces its contents: never a
 * link (its target's contents would be replaced), and empty when it exists. `stage` 'link' is
 * checked before the directory's writability, 'empty' after it.
 */
export function checkSingleRunDir(out: string, stage: 'link' | 'empty'): void {
  if (stage === 'link') {
    let link = false;
    try {
      link = fs.lstatSync(out, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
    } catch {
      // ENOTDIR and the like: checkWritableDir names what is wrong with the path
    }
    if (link) throw new OutAccessError(`${out} is a symbolic link; run-one replaces the run directory's contents and never deletes or writes through a link: give the directory itself`);
    return;
  }
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) {
    throw new OutAccessError(`${out} is not empty; give a new directory (run-one replaces its contents)`);
  }
}

/**
 * The directory of a sweep that already ran, before it is resumed or extended: its own
 * sub-directories are real ones (checkOutTree throws UnsafePathError), and it is not inside
 * another sweep's, which either sweep's re-runs would delete or write into.
 */
export function checkExistingSweepDir(out: string): void {
  checkOutTree(out);
  const outer = enclosingSweep(out);
  if (outer) {
    throw new OutAccessError(`${out} is inside the output directory of another sweep (${outer}); move it out of there first (resuming either would delete or write into the other)`);
  }
}
