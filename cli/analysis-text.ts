/**
 * What summary, diff and mc-convergence share: reading one aggregate table of an out, and
 * printing numbers and aligned text tables.
 */
import { openSweep, pickTable, readSweepTable } from '../analysis/load';
import type { SweepTable } from '../analysis/table';
import type { Store } from '../output/store';

/** A number as the analysis commands print it: integers whole, others to ten significant digits. */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'NaN';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-4 || a >= 1e9) ? v.toExponential(6) : Number(v.toPrecision(10)).toString();
}

/** Columns padded to their widest cell: the first left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** The aggregate table `tableName` of the sweep in `store` (the only one when not named), with the manifest header. */
export async function loadTable(store: Store, tableName?: string): Promise<{ key: string; data: SweepTable; header: Record<string, unknown> }> {
  const sweep = await openSweep(store);
  const key = pickTable(sweep, tableName);
  return { key, data: await readSweepTable(sweep, key), header: sweep.header };
}

/** stdout, where the analysis commands print their results. */
export const write = (s: string): void => {
  process.stdout.write(s);
};
