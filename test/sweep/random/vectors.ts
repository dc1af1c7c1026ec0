import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const V: any = JSON.parse(readFileSync(join(__dirname, '..', '..', 'vectors', 'gmat-sweep-random.json'), 'utf8'));

const dv = new DataView(new ArrayBuffer(8));
/** 16 hex digits (IEEE-754 bits) -> number, exactly. */
export function fromHex(h: string): number {
  dv.setUint32(0, parseInt(h.slice(0, 8), 16));
  dv.setUint32(4, parseInt(h.slice(8), 16));
  return dv.getFloat64(0);
}
/** number -> 16 hex digits of its bits (so mismatches print the exact bits). */
export function toHex(x: number): string {
  dv.setFloat64(0, x);
  return dv.getUint32(0).toString(16).padStart(8, '0') + dv.getUint32(4).toString(16).padStart(8, '0');
}
/** Parse a JSON entropy back to number|bigint (or list thereof). */
export function entropyOf(e: string | string[]): bigint | bigint[] {
  return Array.isArray(e) ? e.map((x) => BigInt(x)) : BigInt(e);
}
