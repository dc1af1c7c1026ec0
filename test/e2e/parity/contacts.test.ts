// Contact tables carry interval_id (gmat-sweep's worker adds it), so gmat-sweep 0.6's
// lazy_contacts reads a gsweep directory: real GMAT ContactLocator reports from
// shared/fixtures (the locally built GMAT has no EventLocator plugin), through the same
// per-run steps run-mission applies, the aggregate, and gmat-sweep itself.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withIntervalId, withTimeColumn } from '../../../gmat/run-mission';
import { aggregateRuns } from '../../../output/aggregate';
import { appendFailures } from '../../helpers/failures';
import { Workspace } from '../../../output/workspace';
import { runDir } from '../../../output/layout';
import { runTablePath } from '../../helpers/out-paths';
import { writeOutcome } from '../../../output/outcome';
import { columnSpecsOf, writeParquetTable } from '../../../tables/parquet/writer';
import { parseContactReport } from '../../../tables/parse';
import { duckDbQuery } from '../../helpers/duckdb';
import { gmatSweepPython, readWithGmatSweep } from '../../helpers/gmat-sweep-venv';
import { MISSIONS, tempDir } from '../../helpers/temporal';

// The gmat-sweep venv is made once per machine (pip from PyPI, a minute or two): not inside a test's time limit.
beforeAll(() => {
  gmatSweepPython();
}, 600_000);

const FIXTURE = '/work/shared/fixtures/gmat-output/contact/Ex_ContactLocatorAllFormats__ContactRange.txt';
const root = tempDir('gsweep-contacts-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('contact tables', () => {
  it('get interval_id 0..n-1 per run, and gmat-sweep 0.6 lazy_contacts reads the sweep', async () => {
    const table = withIntervalId(withTimeColumn(parseContactReport(fs.readFileSync(FIXTURE, 'utf8'))));
    const ids = table.columns.find((c) => c.name === 'interval_id')!;
    expect(ids).toEqual({ name: 'interval_id', type: 'int64', values: Array.from({ length: table.rowCount }, (_, i) => BigInt(i)) });
    expect(table.rowCount).toBeGreaterThan(1);

    const out = path.join(root, 'sweep');
    for (const runId of [0, 2]) {
      fs.mkdirSync(runDir(out, runId), { recursive: true });
      const file = runTablePath(out, runId, 'contact__CL');
      writeParquetTable(file, table);
      writeOutcome(runDir(out, runId), {
        run_id: runId,
        status: 'ok',
        overrides: { 'Sat.SMA': 7000 + runId },
        started_at: '2026-11-25T10:00:00.000+00:00',
        ended_at: '2026-11-25T10:00:01.000+00:00',
        duration_s: 1,
        output_paths: { contact__CL: file },
        tables: { contact__CL: { rows: table.rowCount, columns: columnSpecsOf(table) } },
        log_path: null,
        stderr: null,
        attempt: 1,
        worker: 'test:1',
        engine: { kind: 'gmat', root: '/x', version: 'R2026a' },
      });
    }
    await appendFailures(out, [{ runId: 1, message: 'run 1 failed: GMAT rejected it' }]);
    await aggregateRuns(
      {
        context: {
          sweepId: 'contacts',
          outDir: out,
          scriptPath: path.join(MISSIONS, 'leo_point_mass.script'),
          scriptName: 'leo_point_mass.script',
          scriptSha256: '0'.repeat(64),
          engine: { kind: 'gmat' },
          runTimeoutMs: 1000,
        },
        runSet: { kind: 'grid', axes: { 'Sat.SMA': [7000, 7001, 7002] } },
        runCount: 3,
      },
      (id) => ({ 'Sat.SMA': 7000 + id }),
      'R2026a',
      await Workspace.open(out).aggregateIO(),
    );
    const agg = await duckDbQuery(`SELECT run_id, count(interval_id) AS n, max(interval_id) AS last FROM '${path.join(out, 'contact__CL.parquet')}' GROUP BY run_id ORDER BY run_id`);
    expect(agg).toEqual([
      { run_id: 0n, n: BigInt(table.rowCount), last: BigInt(table.rowCount - 1) },
      { run_id: 1n, n: 0n, last: null },
      { run_id: 2n, n: BigInt(table.rowCount), last: BigInt(table.rowCount - 1) },
    ]);

    const seen = readWithGmatSweep(out, ['--contact', 'CL']);
    const contacts = seen['contact__CL'];
    expect(contacts.index_names).toEqual(['run_id', 'interval_id']);
    expect(contacts.rows).toBe(2 * table.rowCount + 1);
    expect(contacts.index.filter((i: number[]) => i[0] === 2).map((i: number[]) => i[1])).toEqual(Array.from({ length: table.rowCount }, (_, i) => i));
    expect(contacts.statuses.filter((s: string) => s === 'failed')).toEqual(['failed']);
  });
});
