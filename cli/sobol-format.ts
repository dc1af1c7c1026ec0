/** Text form of a Sobol analysis for the terminal. */
import type { SobolAnalysis } from '../api/sobol';

const f = (v: number) => (Number.isNaN(v) ? 'NaN' : v.toFixed(4));

/** S1 and ST with their 95 % half-widths per parameter, and S2 pairs when computed. */
export function formatSobolAnalysis(a: SobolAnalysis): string {
  const lines: string[] = [];
  lines.push(
    `${a.table}: Sobol indices of each run's final value · ${a.design.names.length} parameters · N=${a.design.n} · ${a.design.run_count} runs · bootstrap ${a.numResamples} resamples, seed ${a.seed} · ± = 95 % CI half-width`,
  );
  const width = Math.max(9, ...a.design.names.map((n) => n.length));
  for (const m of a.metrics) {
    lines.push('', m.metric);
    if (m.outputVariance === 0) {
      lines.push('  constant across the design: no variance to apportion (indices 0)');
      continue;
    }
    lines.push(`  ${'parameter'.padEnd(width)}  ${'S1'.padStart(18)}  ${'ST'.padStart(18)}`);
    m.names.forEach((name, j) => lines.push(`  ${name.padEnd(width)}  ${`${f(m.S1[j])} ± ${f(m.S1_conf[j])}`.padStart(18)}  ${`${f(m.ST[j])} ± ${f(m.ST_conf[j])}`.padStart(18)}`));
    if (m.S2) {
      for (let j = 0; j < m.names.length; j++) {
        for (let k = j + 1; k < m.names.length; k++) lines.push(`  S2 ${m.names[j]} × ${m.names[k]}: ${f(m.S2[j][k])} ± ${f(m.S2_conf![j][k])}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
