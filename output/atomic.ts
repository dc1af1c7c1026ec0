/** Temp file + rename: readers and retried attempts never see a half-written file. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  const fd = fs.openSync(temp, 'w');
  try {
    if (typeof data === 'string') fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, target);
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
