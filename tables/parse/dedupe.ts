/**
 * Repeated column names (a `Report RF Sat.X Sat.X` command writes `Sat.X` twice) are renamed
 * like gmat-sweep 0.6's worker does before its Parquet write: the first keeps its name, the
 * n-th repeat becomes `<col>.<n>` (`Sat.X`, `Sat.X.1`, `Sat.X.2`), pandas' old
 * mangle_dupe_cols convention. Parquet cannot hold two columns of one name; nothing is lost.
 */
import type { Table } from '../table';

export interface DedupeResult {
  table: Table;
  /** Names that occurred more than once, sorted; empty when nothing was renamed. */
  duplicates: string[];
}

export function dedupeColumnNames(table: Table): DedupeResult {
  const seen = new Map<string, number>();
  for (const c of table.columns) seen.set(c.name, (seen.get(c.name) ?? 0) + 1);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([name]) => name).sort();
  if (duplicates.length === 0) return { table, duplicates };
  const count = new Map<string, number>();
  const columns = table.columns.map((c) => {
    const k = count.get(c.name) ?? 0;
    count.set(c.name, k + 1);
    return k === 0 ? c : { ...c, name: `${c.name}.${k}` };
  });
  return { table: { rowCount: table.rowCount, columns }, duplicates };
}
