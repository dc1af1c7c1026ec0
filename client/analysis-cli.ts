/**
 * `gsweep summary`, `gsweep diff`, `gsweep mc-convergence`: read a finished sweep's output
 * directory (no Temporal needed) and print the analysis/ results as text or JSON.
 */
import { withLocalView } from './store-out';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { compareSweeps, sweepDiff } from '../analysis/diff';
import { openSweep, pickTable, readSweepTable } from '../analysis/load';
import { mcConvergence } from '../analysis/mc-convergence';
import { sweepSummary } from '../analysis/summary';
import { AnalysisError, type SweepTable } from '../analysis/table';

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative number, got "${value}"`);
  return n;
}

function numberList(value: string): number[] {
  if (value.trim() === '') return [];
  return value.split(',').map((t) => {
    const n = Number(t);
    if (t.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected comma-separated numbers, got "${value}"`);
    return n;
  });
}

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'NaN';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-4 || a >= 1e9) ? v.toExponential(6) : Number(v.toPrecision(10)).toString();
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

async function load(out: string, tableName?: string): Promise<{ key: string; data: SweepTable; header: Record<string, unknown> }> {
  const sweep = openSweep(out);
  const key = pickTable(sweep, tableName);
  return { key, data: await readSweepTable(sweep, key), header: sweep.header };
}

export function registerAnalysisCommands(program: Command, write: (s: string) => void = (s) => process.stdout.write(s)): void {
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
      const { key, data } = await withLocalView(out, 'aggregate', (view) => load(view.dir, o.table));
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

  program
    .command('diff')
    .description('run-by-run differences of two sweeps of the same run set (gmat-sweep sweep_diff); exit 1 when they differ beyond --rtol/--atol')
    .argument('<outA>')
    .argument('<outB>')
    .option('--table <key>', 'aggregate table (default: the only report__*.parquet)')
    .option('--rtol <x>', 'relative tolerance (numpy isclose: |b-a| <= atol + rtol*|b|)', nonNegative, 1e-9)
    .option('--atol <x>', 'absolute tolerance', nonNegative, 0)
    .option('--on <key>', 'run_id: compare each run\'s final row only (default: every (run_id, time) row)')
    .option('--columns <list>', 'numeric columns to compare (default: all shared)', list)
    .option('--rows', 'with --json: include the full per-row diff table (gmat-sweep sweep_diff output)')
    .option('--json', 'print JSON')
    .action(async (outA: string, outB: string, o: { table?: string; rtol: number; atol: number; on?: string; columns?: string[]; rows?: boolean; json?: boolean }) => {
      if (o.on !== undefined && o.on !== 'run_id') {
        throw new AnalysisError(`--on ${JSON.stringify(o.on)}: diff aligns rows on (run_id, time) by default, or on run_id alone with --on run_id (each run's final row); no other column is supported`);
      }
      const on = o.on === 'run_id' ? 'run_id' : null;
      const a = await withLocalView(outA, 'aggregate', (view) => load(view.dir, o.table));
      const b = await withLocalView(outB, 'aggregate', (view) => load(view.dir, o.table ?? a.key));
      const verdict = compareSweeps(a.data, b.data, { rtol: o.rtol, atol: o.atol, on, columns: o.columns });
      // Informational: the values decide the verdict (the same run set can be described differently).
      const sameRunSet = JSON.stringify(a.header.parameter_spec) === JSON.stringify(b.header.parameter_spec);
      if (o.json) {
        const rows = o.rows ? sweepDiff(a.data, b.data, { on, columns: o.columns }) : undefined;
        write(`${JSON.stringify({ table: a.key, sameRunSet, ...verdict, ...(rows ? { diff: rows } : {}) }, null, 2)}\n`);
      } else {
        if (!sameRunSet) write('note: the two manifests describe different run sets (parameter_spec differs)\n');
        write(`${a.key}: ${verdict.rows} rows compared (rtol ${verdict.rtol}, atol ${verdict.atol})\n`);
        const rows = verdict.columns.map((c) => [c.column, String(c.compared), String(c.beyond), fmt(c.maxAbs), fmt(c.maxRel), c.first ? `run ${c.first.runId}${c.first.time ? ` @ ${c.first.time}` : ''}: ${fmt(c.first.a)} -> ${fmt(c.first.b)}` : '']);
        write(table(['column', 'compared', 'beyond', 'max |b-a|', 'max rel', 'first beyond tolerance'], rows));
        if (verdict.onlyInA || verdict.onlyInB) write(`rows only in A: ${verdict.onlyInA}, only in B: ${verdict.onlyInB}\n`);
        if (verdict.columnsOnlyInA.length) write(`columns only in A: ${verdict.columnsOnlyInA.join(', ')}\n`);
        if (verdict.columnsOnlyInB.length) write(`columns only in B: ${verdict.columnsOnlyInB.join(', ')}\n`);
        for (const s of verdict.statusMismatches.slice(0, 20)) write(`status differs: run ${s.runId}: ${s.status}\n`);
        write(verdict.same ? 'same within tolerance\n' : 'DIFFERENT\n');
      }
      process.exitCode = verdict.same ? 0 : 1;
    });

  program
    .command('mc-convergence')
    .description('Monte Carlo convergence: running mean, std and standard error against n (gmat-sweep mc_convergence)')
    .argument('<out>')
    .option('--table <key>', 'aggregate table (default: the only report__*.parquet)')
    .option('--metric <list>', 'columns (default: every numeric column)', list)
    .option('--per-time', 'one running curve per time step (default: each run\'s final value)')
    .option('--json', 'print JSON (every row)')
    .action(async (out: string, o: { table?: string; metric?: string[]; perTime?: boolean; json?: boolean }) => {
      const { key, data } = await withLocalView(out, 'aggregate', (view) => load(view.dir, o.table));
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
