/** `gsweep sobol-analyze`: Sobol indices with bootstrap confidence intervals of a `gsweep sobol` sweep. */
import type { Command } from 'commander';
import { analyzeSobolSweep } from '../../api/sobol';
import { list, positiveInt } from '../options';
import { formatSobolAnalysis } from '../sobol-format';
import { withStore } from '../store-out';

export function register(program: Command): void {
  program
    .command('sobol-analyze')
    .description('first-order, total (and second-order) Sobol indices with bootstrap confidence intervals (SALib sobol.analyze) of a `gsweep sobol` sweep')
    .argument('<out>')
    .option('--metric <list>', 'output columns, comma-separated (default: every numeric column); each run\'s final value is used', list)
    .option('--table <key>', 'aggregate table (default: the only report__*.parquet)')
    .option('--resamples <n>', 'bootstrap resamples', positiveInt, 100)
    .option('--seed <int>', 'bootstrap seed (default: the design seed, or 1)', positiveInt)
    .option('--json', 'print JSON')
    .action(async (out: string, o: { metric?: string[]; table?: string; resamples: number; seed?: number; json?: boolean }) => {
      const result = await withStore(out, (store) => analyzeSobolSweep(store, { metrics: o.metric, table: o.table, seed: o.seed, numResamples: o.resamples }));
      process.stdout.write(o.json ? `${JSON.stringify(result, (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2)}\n` : formatSobolAnalysis(result));
    });
}
