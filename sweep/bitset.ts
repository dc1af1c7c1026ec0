/**
 * A compact per-run flag set. It is what the sweep workflow carries across
 * continue-as-new (100 000 runs = 12.5 KB per set), encoded as base64 because workflow
 * arguments travel as JSON. Hand-written base64: the workflow sandbox has no Buffer.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

export class RunBitset {
  readonly bytes: Uint8Array;

  constructor(readonly size: number, bytes?: Uint8Array) {
    const length = Math.ceil(size / 8);
    if (bytes && bytes.length !== length) {
      throw new Error(`bitset of ${size} runs needs ${length} bytes, got ${bytes.length}`);
    }
    this.bytes = bytes ?? new Uint8Array(length);
  }

  has(i: number): boolean {
    return (this.bytes[i >> 3] & (1 << (i & 7))) !== 0;
  }

  set(i: number): void {
    if (i < 0 || i >= this.size) throw new Error(`run ${i} outside 0..${this.size - 1}`);
    this.bytes[i >> 3] |= 1 << (i & 7);
  }

  clear(i: number): void {
    this.bytes[i >> 3] &= ~(1 << (i & 7));
  }

  count(): number {
    let n = 0;
    for (const byte of this.bytes) {
      let b = byte;
      while (b) {
        b &= b - 1;
        n++;
      }
    }
    return n;
  }

  toBase64(): string {
    let out = '';
    const b = this.bytes;
    for (let i = 0; i < b.length; i += 3) {
      const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
      out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
      out += i + 1 < b.length ? ALPHABET[(n >> 6) & 63] : '=';
      out += i + 2 < b.length ? ALPHABET[n & 63] : '=';
    }
    return out;
  }

  static fromBase64(size: number, text: string): RunBitset {
    const clean = text.replace(/=+$/, '');
    const bytes = new Uint8Array(Math.floor((clean.length * 6) / 8));
    let acc = 0;
    let bits = 0;
    let j = 0;
    for (const c of clean) {
      const v = LOOKUP.get(c);
      if (v === undefined) throw new Error(`invalid base64 character ${JSON.stringify(c)} in run bitset`);
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes[j++] = (acc >> bits) & 0xff;
      }
    }
    return new RunBitset(size, bytes);
  }

  static fromRunIds(size: number, ids: Iterable<number>): RunBitset {
    const set = new RunBitset(size);
    for (const id of ids) set.set(id);
    return set;
  }
}
