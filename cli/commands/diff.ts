/**
 * `gsweep diff`: run-by-run differences of two finished sweeps of the same run set; exit 1
 * when they differ beyond the tolerances (no Temporal needed).
 */
import type { Command } from 'commander';
import { compareSweeps, sweepDiff } from '../../analysis/diff';
import { AnalysisError } from '../../analysis/table';
import { fmt, loadTable, table, write } from '../analysis-text';
import { list, nonNegative } from '../options';
import { withStore } from '../store-out';

export function register(program: Command): void {
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
      const a = await withStore(outA, (store) => loadTable(store, o.table));
      const b = await withStore(outB, (store) => loadTable(store, o.table ?? a.key));
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
}
