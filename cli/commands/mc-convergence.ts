/** `gsweep mc-convergence`: running mean, std and standard error of a Monte Carlo sweep against n (no Temporal needed). */
import type { Command } from 'commander';
import { mcConvergence } from '../../analysis/mc-convergence';
import { fmt, loadTable, table, write } from '../analysis-text';
import { list } from '../options';
import { withStore } from '../store-out';

export function register(program: Command): void {
  program
    .command('mc-convergence')
    .description('Monte Carlo convergence: running mean, std and standard error against n (gmat-sweep mc_convergence)')
    .argument('<out>')
    .option('--table <key>', 'aggregate table (default: the only report__*.parquet)')
    .option('--metric <list>', 'columns (default: every numeric column)', list)
    .option('--per-time', 'one running curve per time step (default: each run\'s final value)')
    .option('--json', 'print JSON (every row)')
    .action(async (out: string, o: { table?: string; metric?: string[]; perTime?: boolean; json?: boolean }) => {
      const { key, data } = await withStore(out, (store) => loadTable(store, o.table));
      const metrics = o.metric ?? data.columns.map((c) => c.name);
      const results = metrics.map((m) => mcConvergence(data, m, { terminalOnly: !o.perTime }));
      if (o.json) {
        write(`${JSON.stringify({ table: key, metrics: results }, null, 2)}\n`);
        return;
      }
      if (o.perTime) {
        write(`${key}: per-time running statistics at the final n of each time step\n`);
        for (const r of results) {
          const last = new Map<string, (typeof r.rows)[number]>();
          for (const row of r.rows) last.set(String(row.time), row);
          write(`\n${r.metric}\n`);
          write(table(['time', 'n', 'mean', 'std', 'se_mean'], [...last.values()].map((x) => [String(x.time), String(x.n), fmt(x.running_mean), fmt(x.running_std), fmt(x.se_mean)])));
        }
        return;
      }
      const n = results[0]?.rows.length ?? 0;
      write(`${key}: final value of each of ${n} ok runs; 95 % CI of the mean = mean ± 1.96·SE\n`);
      const rows = results.map((r) => {
        const last = r.rows[r.rows.length - 1];
        const half = last?.se_mean === null || last?.se_mean === undefined ? null : 1.96 * last.se_mean;
        const rel = half !== null && last.running_mean ? Math.abs(half / last.running_mean) : null;
        return [r.metric, String(last?.n ?? 0), fmt(last?.running_mean), fmt(last?.running_std), fmt(last?.se_mean), fmt(half), fmt(rel)];
      });
      write(table(['metric', 'n', 'mean', 'std', 'se_mean', '95% half-width', 'relative'], rows));
    });
}
