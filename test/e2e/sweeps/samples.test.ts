/**
 * Explicit-row sweeps from CSV, JSON and Parquet through the CLI: one run per
 * row, run_id = row position, overrides in column order, rows paged to the workflow.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseManifest } from '../../../output/manifest';
import { writeParquetTable } from '../../../tables/parquet/writer';
import { duckDbQuery } from '../../helpers/duckdb';
import { MISSIONS, runCli, spawnWorker, startLocalTemporal, tempDir, type WorkerProcess } from '../../helpers/temporal';

const COAST = path.join(MISSIONS, 'coast_and_burn.script');
const ROWS = [
  { 'CoastTime.Value': 1200, 'Kick.Element1': 0.5 },
  { 'CoastTime.Value': 1800, 'Kick.Element1': 0.75 },
  { 'CoastTime.Value': 2400, 'Kick.Element1': 1 },
];

describe('explicit-row sweeps', () => {
  let env: TestWorkflowEnvironment;
  let worker: WorkerProcess;

  beforeAll(async () => {
    env = await startLocalTemporal();
    worker = spawnWorker(env.address, ['--concurrency', '2']);
  });

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await env?.teardown();
  });

  const writers: Record<string, (file: string) => void> = {
    csv: (file) => fs.writeFileSync(file, `CoastTime.Value,Kick.Element1\n${ROWS.map((r) => `${r['CoastTime.Value']},${r['Kick.Element1']}`).join('\n')}\n`),
    json: (file) => fs.writeFileSync(file, JSON.stringify(ROWS)),
    parquet: (file) =>
      writeParquetTable(file, {
        rowCount: 3,
        columns: [
          { name: 'CoastTime.Value', type: 'double', values: ROWS.map((r) => r['CoastTime.Value']) },
          { name: 'Kick.Element1', type: 'double', values: ROWS.map((r) => r['Kick.Element1']) },
        ],
      }),
  };

  for (const [ext, write] of Object.entries(writers)) {
    it(`runs one run per ${ext.toUpperCase()} row with its overrides, two tables per run`, async () => {
      const dir = tempDir();
      const samples = path.join(dir, `design.${ext}`);
      write(samples);
      const out = path.join(dir, 'out');
      const result = await runCli(['run', COAST, '--samples', samples, '--engine', 'stand-in', '--out', out, '--address', env.address]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`report__Final: ${path.join(out, 'report__Final.parquet')}`);
      expect(result.stdout).toContain(`report__Trajectory: ${path.join(out, 'report__Trajectory.parquet')}`);

      const manifest = parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8'));
      expect(manifest.header.parameter_spec).toEqual({
        _kind: 'explicit',
        columns: ['CoastTime.Value', 'Kick.Element1'],
        rows: ROWS.map((r) => [r['CoastTime.Value'], r['Kick.Element1']]),
      });
      ROWS.forEach((row, id) => expect(manifest.entries.get(id)!.overrides).toEqual(row));
      // A larger kick raises apoapsis: the runs really got different overrides.
      const finals = await duckDbQuery(`SELECT run_id, "Probe.Earth.RadApo" AS apo FROM read_parquet('${path.join(out, 'report__Final.parquet')}') ORDER BY run_id`);
      expect(finals.length).toBe(3);
      expect((finals[0].apo as number) < (finals[1].apo as number) && (finals[1].apo as number) < (finals[2].apo as number)).toBe(true);
    });
  }

  it('refuses a samples file with an empty cell before anything starts', async () => {
    const dir = tempDir();
    const samples = path.join(dir, 'bad.csv');
    fs.writeFileSync(samples, 'CoastTime.Value,Kick.Element1\n1200,\n');
    const out = path.join(dir, 'out');
    const result = await runCli(['run', COAST, '--samples', samples, '--engine', 'stand-in', '--out', out, '--address', env.address]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('row 1, column "Kick.Element1" is empty');
    expect(fs.existsSync(out)).toBe(false);
  });
});
