/** Temp file + rename: readers and retried attempts never see a half-written file. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * `durable: false` skips the fsync, for files that are re-made on every attempt or are
 * diagnostics (a run's patched script, its GMAT log): they stay atomic (never half-written
 * as seen by a reader), and the run's fsynced outcome.json remains the record of the run.
 */
export function writeFileAtomic(target: string, data: string | Uint8Array, options: { durable?: boolean } = {}): void {
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  const fd = fs.openSync(temp, 'w');
  try {
    if (typeof data === 'string') fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    if (options.durable !== false) fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, target);
}

/**
 * writeFileAtomic off the main thread: the write and fsync run on libuv's thread pool, so a
 * worker keeps feeding its other GMAT slots while the disk catches up.
 */
export async function writeFileAtomicAsync(target: string, data: string | Uint8Array): Promise<void> {
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  const handle = await fs.promises.open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  await fs.promises.rename(temp, target);
}

/** Appends `text` to `file` (created when missing) and fsyncs: a log whose readers skip a torn last line. */
export function appendDurably(file: string, text: string): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes a large text file line by line to a temp file, renamed into place on `commit()`. */
export class AtomicLineWriter {
  private readonly temp: string;
  private readonly fd: number;
  private buffered: string[] = [];
  private bufferedChars = 0;

  constructor(private readonly target: string) {
    this.temp = path.join(
      path.dirname(target),
      `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
    );
    this.fd = fs.openSync(this.temp, 'w');
  }

  line(text: string): void {
    this.buffered.push(text, '\n');
    this.bufferedChars += text.length + 1;
    if (this.bufferedChars > 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.buffered.length === 0) return;
    fs.writeSync(this.fd, this.buffered.join(''));
    this.buffered = [];
    this.bufferedChars = 0;
  }

  commit(): void {
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    fs.renameSync(this.temp, this.target);
  }

  abort(): void {
    try {
      fs.closeSync(this.fd);
    } finally {
      fs.rmSync(this.temp, { force: true });
    }
  }
}
