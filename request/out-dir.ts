/**
 * Where a new sweep writes, checked before anything is created: its id (it names files and
 * workflows), its output directory or `s3://` prefix, and its run cache directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { enclosingSweep } from '../output/safe-files';
import { isS3Url, parseS3Url } from '../output/store';
import { S3Store } from '../output/s3-store';
import { describeValue } from '../sweep/overrides';
import { fsReason } from './fs-reason';
import { LOCK_NAME } from './out-lock';
import { RequestError } from './request-error';
import { DEFAULTS } from './schema';

/** A sweep id names files and workflows: letters, digits, ".", "_" and "-". */
export function checkSweepId(sweepId: string, field = 'sweepId'): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(sweepId)) {
    throw new RequestError(field, `${describeValue(sweepId)}: use letters, digits, ".", "_" and "-" (at most 200)`);
  }
}

/** The out a request that names none gets, relative to whoever prepares it. */
export function defaultOut(sweepId: string): string {
  return path.join(DEFAULTS.outRoot, sweepId);
}

/** The output directory a request names, absolute (default `gsweep-runs/<sweep id>`). */
export function requestOutDir(out: string | undefined, sweepId: string, cwd: string = process.cwd()): string {
  return path.resolve(cwd, out ?? defaultOut(sweepId));
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
 * The output directory can be made and written: its names fit the system's limits, and the
 * nearest directory that exists (itself, or the ancestor it will be created in) is a directory
 * this user can write. Said in one sentence before anything starts, not as an errno later.
 */
export function checkOutWritable(out: string): void {
  const abs = path.resolve(out);
  const long = abs.split(path.sep).find((part) => Buffer.byteLength(part) > NAME_MAX_BYTES);
  if (long !== undefined) {
    throw new RequestError(
      'out',
      `${describeValue(out)} has a name of ${Buffer.byteLength(long)} bytes (${describeValue(long.slice(0, 16) + '...')}); file systems allow at most ${NAME_MAX_BYTES} bytes per name: choose a shorter one`,
    );
  }
  const bytes = Buffer.byteLength(abs);
  if (bytes + OUT_PATH_RESERVE_BYTES > PATH_MAX_BYTES) {
    throw new RequestError(
      'out',
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
        throw new RequestError(
          'out',
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
    throw new RequestError(
      'out',
      existing === abs
        ? `${describeValue(out)} is not writable (${fsReason(code)}, ${code}); choose another output directory`
        : `${describeValue(out)} cannot be created in ${existing} (${fsReason(code)}, ${code}); choose another output directory`,
    );
  }
}

/**
 * Every run writes its absolute run-directory path into a quoted GMAT string, so the output
 * directory may hold only what such a string can: refused here, not at the first run.
 */
export function checkOutPath(out: string): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u001f\u007f-\uffff'";%{}]/.exec(out);
  if (bad) {
    const c = bad[0];
    const what = c.charCodeAt(0) > 0x7e ? `a non-ASCII character (U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})` : c.charCodeAt(0) < 0x20 || c === '\u007f' ? 'a control character' : `"${c}"`;
    throw new RequestError(
      'out',
      `${describeValue(out)} contains ${what}; GMAT reads output paths from quoted script strings, which cannot hold quotes, ";", "%", braces, control or non-ASCII characters: choose another directory`,
    );
  }
}

/**
 * The out of a new sweep, checked: a directory (absolute, safe for GMAT's quoted strings, new
 * or empty), or `s3://bucket/prefix` whose bucket exists, whose credentials work, and whose
 * prefix holds nothing yet. Nothing is created.
 */
export async function checkOut(raw: string, cwd: string = process.cwd()): Promise<string> {
  if (isS3Url(raw)) {
    let url: string;
    try {
      url = parseS3Url(raw).url;
    } catch (err) {
      throw new RequestError('out', (err as Error).message);
    }
    try {
      await new S3Store(url, { maxAttempts: 2 }).checkAccess({ emptyPrefix: true, ignore: [LOCK_NAME] });
    } catch (err) {
      throw new RequestError('out', (err as Error).message);
    }
    return url;
  }
  const out = path.resolve(cwd, raw);
  checkOutPath(out);
  checkOutWritable(out);
  checkOutDir(out);
  return out;
}

function checkOutDir(out: string): void {
  const outer = enclosingSweep(out);
  if (outer) {
    throw new RequestError(
      'out',
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
    throw new RequestError('out', `${describeValue(out)} is a symbolic link to nothing; gsweep does not write through it: give a directory`);
  }
  if (!fs.existsSync(out)) {
    const parent = path.dirname(out);
    if (!fs.existsSync(parent)) return; // created (recursively) when the sweep starts
    if (!fs.statSync(parent).isDirectory()) {
      throw new RequestError('out', `${describeValue(out)}: parent ${parent} is not a directory; choose another output directory`);
    }
    return;
  }
  if (!fs.statSync(out).isDirectory()) {
    throw new RequestError('out', `${describeValue(out)} exists and is not a directory; choose a new output directory`);
  }
  // A lone lock file is judged by the lock (held: refused naming its sweep; stale: taken over).
  if (fs.readdirSync(out).filter((name) => name !== LOCK_NAME).length > 0) {
    throw new RequestError(
      'out',
      `${describeValue(out)} is not empty; give a new directory (to finish an earlier sweep there, use \`gsweep resume ${out}\`)`,
    );
  }
}

/** The run cache directory, absolute; refused when it names an object store or a non-directory. */
export function checkCacheDir(raw: string | undefined, cwd: string = process.cwd()): string | undefined {
  if (raw === undefined) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new RequestError('cache', `${JSON.stringify(raw)}: this gsweep keeps a run cache in a directory only; give a path every worker can reach`);
  }
  const dir = path.resolve(cwd, raw);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new RequestError('cache', `${dir} exists and is not a directory; give a directory for the run cache`);
  }
  return dir;
}
