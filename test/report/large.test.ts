/**
 * The report of a 100 000-run sweep stays small: every chart aggregates or samples, so the
 * page's size does not grow with the run count (README states the bound). The sweeps are
 * synthetic output directories (manifest + aggregate table written with the project's own
 * Parquet writer): running 100 000 GMAT runs is not a unit test.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParquetStreamWriter, type ColumnSpec } from '../../tables/parquet/writer';
import { writeSweepReport } from '../../api/report';
import { tempDir } from '../helpers/temporal';

/** What report/build.ts's LIMITS keep report.html under, whatever the number of runs. */
const REPORT_SIZE_BOUND = 4_000_000;
const T0 = 1_774_000_000_000_000_000n;

/** Writes `<out>/manifest.jsonl` and `<out>/report__Track.parquet` for `runs` runs. */
function synthesise(out: string, header: Record<string, unknown>, overrides: (i: number) => Record<string, number>, rowsPerRun: number, failedEvery: number): void {
  fs.mkdirSync(out, { recursive: true });
  const runs = Number(header.run_count);
  const lines = [JSON.stringify({ schema_version: 1, script_sha256: 'ab'.repeat(32), gmat_sweep_version: 'gsweep test', gmat_install_version: 'R2026a', ...header })];
  const failed = (i: number) => i % failedEvery === failedEvery - 1;
  for (let i = 0; i < runs; i++) {
    lines.push(
      JSON.stringify({
        run_id: i,
        overrides: overrides(i),
        status: failed(i) ? 'failed' : 'ok',
        output_paths: {},
        started_at: new Date(Date.UTC(2026, 0, 1) + i * 10).toISOString(),
        ended_at: new Date(Date.UTC(2026, 0, 1) + i * 10 + 400).toISOString(),
        duration_s: 0.3 + (i % 17) / 50,
        stderr: failed(i) ? `GMAT rejected the run (exit 1): **** ERROR **** run ${i} is synthetic` : null,
        log_path: null,
      }),
    );
  }
  fs.writeFileSync(path.join(out, 'manifest.jsonl'), `${lines.join('\n')}\n`);
  const columns: ColumnSpec[] = [
    { name: 'run_id', type: 'int64', nullable: false },
    { name: 'time', type: 'timestamp' },
    { name: 'Sat.EarthMJ2000Eq.X', type: 'double' },
    { name: 'Sat.EarthMJ2000Eq.Y', type: 'double' },
    { name: 'Sat.Earth.SMA', type: 'double' },
    { name: '__status', type: 'string' },
  ];
  const writer = new ParquetStreamWriter(path.join(out, 'report__Track.parquet'), columns);
  for (let i = 0; i < runs; i++) {
    const o = overrides(i);
    const sma = Object.values(o)[0];
    if (failed(i)) {
      writer.appendVectors(1, [{ values: BigInt64Array.of(BigInt(i)) }, { values: [null] }, { values: [null] }, { values: [null] }, { values: [null] }, { values: ['failed'] }]);
      continue;
    }
    const n = rowsPerRun;
    const t = BigInt64Array.from({ length: n }, (_, k) => T0 + BigInt(k) * 60_000_000_000n);
    const ang = Float64Array.from({ length: n }, (_, k) => (k / n) * Math.PI);
    writer.appendVectors(n, [
      { values: new BigInt64Array(n).fill(BigInt(i)) },
      { values: t },
      { values: ang.map((a) => sma * Math.cos(a)) },
      { values: ang.map((a) => sma * Math.sin(a) + (Object.values(o)[1] ?? 0)) },
      { values: new Float64Array(n).fill(sma) },
      { values: new Array(n).fill('ok') },
    ]);
  }
  writer.close();
}

describe('report size is bounded for 100 000-run sweeps', () => {
  it(`Monte Carlo, 100 000 runs (1 % failed): under ${REPORT_SIZE_BOUND / 1e6} MB, samples and caps stated on the page`, async () => {
    const out = path.join(tempDir(), 'mc');
    synthesise(out, { parameter_spec: { _kind: 'monte_carlo', perturb: { 'Sat.SMA': ['normal', 7100, 50] }, n: 100_000, seed: 1 }, run_count: 100_000 }, (i) => ({ 'Sat.SMA': 7100 + 50 * Math.sin(i * 12.9898) }), 3, 100);
    const result = await writeSweepReport(out);
    const html = fs.readFileSync(result.file, 'utf8');
    expect(result.bytes).toBeLessThan(REPORT_SIZE_BOUND);
    expect(html).toContain('<th>runs</th><td>100000 · 99000 ok · 1000 failed · 0 cancelled</td>');
    expect(html).toContain('500 of 99000 ok runs, evenly spaced by run_id.');
    expect(html).toContain('40 of 99000 ok runs, evenly spaced; colour = Sat.SMA.');
    expect(html).toContain('The first 200 of 1000 are listed; manifest.jsonl has them all.');
    expect((html.match(/<tr><td>\d+<\/td><td>failed<\/td>/g) ?? []).length).toBe(200);
  });

  it(`grid of 300 × 300 = 90 000 runs: heatmaps binned, under ${REPORT_SIZE_BOUND / 1e6} MB`, async () => {
    const out = path.join(tempDir(), 'grid');
    const a = Array.from({ length: 300 }, (_, i) => 1 + i);
    const b = Array.from({ length: 300 }, (_, i) => 7000 + i);
    synthesise(out, { parameter_spec: { _kind: 'grid', 'Kick.Element1': a, 'Sat.SMA': b }, run_count: 90_000 }, (i) => ({ 'Sat.SMA': b[i % 300], 'Kick.Element1': a[Math.floor(i / 300)] }), 2, 1000);
    const result = await writeSweepReport(out);
    const html = fs.readFileSync(result.file, 'utf8');
    expect(result.bytes).toBeLessThan(REPORT_SIZE_BOUND);
    expect(html).toContain('90000 cells binned to at most 40 × 40 (mean per bin).');
  });
});
