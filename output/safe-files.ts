/**
 * Files in an output directory are data anyone with access may have replaced: a FIFO blocks
 * a reader forever (and a blocked synchronous read keeps even a signal handler from running),
 * `/dev/zero` never ends, and a symbolic link sends a read, a write or a delete elsewhere.
 * gsweep never creates any of these inside `out`, so every reader and writer here refuses
 * them with one sentence instead of following them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A file or directory in `out` that is not what gsweep made there. */
export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface ReadOptions {
  /**
   * A file the user named on the command line may be a link to a regular file; a file inside
   * `out` may not (gsweep never makes one). Default false.
   */
  followSymlink?: boolean;
  /** How the refusal names the file's role, e.g. "manifest" (default "file"). */
  what?: string;
  /** Refuse files larger than this many bytes. */
  maxBytes?: number;
}

/**
 * Opens `file` for reading only if it is a regular file: without blocking (a FIFO opened
 * O_NONBLOCK returns at once) and, unless `followSymlink`, without following a final link;
 * the type is checked on the open descriptor, so a swap after a check cannot slip through.
 */
export function openRegularFile(file: string, options: ReadOptions = {}): number {
  const what = options.what ?? 'file';
  const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (options.followSymlink ? 0 : fs.constants.O_NOFOLLOW);
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') {
      throw new UnsafePathError(`${what} ${file} is a symbolic link; gsweep never makes links in an output directory and does not follow them, so replace it with the real file`);
    }
    throw err;
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    throw new UnsafePathError(`${what} ${file} is ${kindOf(stat)}, not a regular file; gsweep reads only regular files, so replace it`);
  }
  if (options.maxBytes !== undefined && stat.size > options.maxBytes) {
    fs.closeSync(fd);
    throw new UnsafePathError(`${what} ${file} is ${stat.size} bytes, over the limit of ${options.maxBytes} bytes`);
  }
  // Regular-file reads never block; clear O_NONBLOCK's effect by reading through the fd as is.
  return fd;
}

export function readRegularFile(file: string, options?: ReadOptions): Buffer;
export function readRegularFile(file: string, options: ReadOptions, encoding: BufferEncoding): string;
export function readRegularFile(file: string, options: ReadOptions = {}, encoding?: BufferEncoding): Buffer | string {
  const fd = openRegularFile(file, options);
  try {
    const bytes = fs.readFileSync(fd);
    return encoding ? bytes.toString(encoding) : bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/** readRegularFile(file, options, 'utf8'). */
export function readRegularText(file: string, options: ReadOptions = {}): string {
  return readRegularFile(file, options, 'utf8');
}

/** The directories gsweep makes inside `out`: each must be a real directory when it exists. */
const OUT_SUBDIRS = ['runs', 'inputs', 'script'];

/**
 * Refuses an output directory whose own sub-directories (`runs`, `inputs`, `script`) are
 * symbolic links or not directories: every run would be written, and failed runs deleted,
 * through the link, outside `out`.
 */
export function checkOutTree(outDir: string): void {
  for (const name of OUT_SUBDIRS) {
    const p = path.join(outDir, name);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(p);
    } catch {
      continue;
    }
    if (!stat.isDirectory()) {
      throw new UnsafePathError(
        `${p} is ${kindOf(stat)}; gsweep made it a directory and never writes or deletes through a link or other file it did not create: put the directory back, or use another output directory`,
      );
    }
  }
}

/**
 * Refuses a run directory that is a symbolic link (or a FIFO, device...): deleting it to
 * re-run would remove the link and write a directory in its place, or write through it.
 */
export function checkRunDirectoryPath(dir: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch {
    return;
  }
  if (stat.isSymbolicLink()) {
    throw new UnsafePathError(`${dir} is a symbolic link; gsweep does not write into or delete through a link it did not create: remove the link or give another directory`);
  }
}

/** True when `dir` holds a gsweep sweep: its lock, or its request.json next to its runs. */
function isSweepDirectory(dir: string): boolean {
  const has = (name: string) => fs.existsSync(path.join(dir, name));
  return has('.gsweep.lock') || (has('request.json') && has('runs')) || (has('manifest.jsonl') && has('runs'));
}

/**
 * The nearest directory above `dir` that holds a sweep, or undefined. A sweep inside another
 * sweep's directory (say, in a failed run's directory) would be deleted when the outer sweep
 * is resumed and re-runs that run.
 */
export function enclosingSweep(dir: string): string | undefined {
  let current = path.dirname(path.resolve(dir));
  for (;;) {
    if (isSweepDirectory(current)) return current;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}
