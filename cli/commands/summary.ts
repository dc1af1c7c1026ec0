/** `gsweep summary`: per-column statistics of a finished sweep's aggregate table (no Temporal needed). */
import type { Command } from 'commander';
import { sweepSummary } from '../../analysis/summary';
import { fmt, loadTable, table, write } from '../analysis-text';
import { list, numberList } from '../options';
import { withStore } from '../store-out';

export function register(program: Command): void {
  program
    .command('summary')
    .description('per-column statistics across runs at each time step (gmat-sweep sweep_summary)')
    .argument('<out>', 'output directory of a finished sweep')
    .option('--table <key>', 'aggregate table (default: the only report__*.parquet)')
    .option('--by <key>', 'time: across runs at each time step; run_id: across time within each run', 'time')
    .option('--q <list>', 'quantiles, comma-separated, each in (0, 1)', numberList)
    .option('--include <list>', 'statistics: mean,std,min,max,count_ok', list)
    .option('--columns <list>', 'numeric columns to summarise (default: all)', list)
    .option('--keep-failed', 'keep failed runs\' marker rows (gmat-sweep dropna=False)')
    .option('--json', 'print JSON')
    .action(async (out: string, o: { table?: string; by: string; q?: number[]; include?: string[]; columns?: string[]; keepFailed?: boolean; json?: boolean }) => {
      const { key, data } = await withStore(out, (store) => loadTable(store, o.table));
      const s = sweepSummary(data, { by: o.by as 'time', q: o.q, include: o.include, columns: o.columns, dropna: !o.keepFailed });
      if (o.json) {
        write(`${JSON.stringify({ table: key, ...s }, null, 2)}\n`);
        return;
      }
      write(`${key}: ${s.index.length} ${s.by === 'time' ? 'time steps' : 'runs'} · statistics across ${s.by === 'time' ? 'runs' : 'time steps'}\n`);
      for (const f of s.fields) {
        write(`\n${f}\n`);
        const rows = s.index.map((k, g) => [String(k ?? 'NaT'), ...s.statistics.map((st) => fmt(s.values[st][f][g]))]);
        write(table([s.by, ...s.statistics], rows));
      }
    });
}
