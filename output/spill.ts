/**
 * Small records kept on local disk instead of in memory, by number: one append-only file in
 * a private temporary directory, read back with positioned reads. An object store's
 * aggregate and resume need every run's outcome.json twice (schemas first, rows later); at a
 * few KiB each a million of them would not fit a worker's memory, and one file costs less
 * than a million small ones.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export class Spill {
  private readonly dir: string;
  private readonly fd: number;
  private size = 0;
  private readonly offsets = new Map<number, number>();
  private readonly lengths = new Map<number, number>();

  /** A new spill file under `root` (default: the OS temp directory); `close` removes it. */
  constructor(root: string = os.tmpdir()) {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    this.dir = fs.mkdtempSync(path.join(root, 'gsweep-spill-'));
    this.fd = fs.openSync(path.join(this.dir, 'records'), 'w+', 0o600);
  }

  /** Keeps `bytes` as record `id` (replacing an earlier one). */
  set(id: number, bytes: Buffer): void {
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, bytes.length - done, this.size + done);
    this.offsets.set(id, this.size);
    this.lengths.set(id, bytes.length);
    this.size += bytes.length;
  }

  get(id: number): Buffer | undefined {
    const offset = this.offsets.get(id);
    if (offset === undefined) return undefined;
    const bytes = Buffer.alloc(this.lengths.get(id)!);
    let done = 0;
    while (done < bytes.length) {
      const n = fs.readSync(this.fd, bytes, done, bytes.length - done, offset + done);
      if (n === 0) throw new Error(`spill file ${this.dir} ended early at record ${id}`);
      done += n;
    }
    return bytes;
  }

  delete(id: number): void {
    this.offsets.delete(id);
    this.lengths.delete(id);
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // closed before
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
