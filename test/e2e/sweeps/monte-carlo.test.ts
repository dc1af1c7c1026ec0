/**
 * a Monte Carlo sweep on a real dev server, then `extend`: the first
 * runs of the extended aggregate are identical to the original sweep's, and every run's
 * overrides are the gmat-sweep draws for (perturb, n, seed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseManifest } from '../../../output/manifest';
import { drawRun } from '../../../sweep/random';
import { duckDbQuery } from '../../helpers/duckdb';
import { MISSIONS, runCli, spawnWorker, startLocalTemporal, tempDir, type WorkerProcess } from '../../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const PERTURB = { 'Sat.INC': ['uniform', 50, 52], 'Sat.SMA': ['normal', 7000, 25] } as const;

async function tableRows(file: string, maxRunId: number) {
  return duckDbQuery(
    `SELECT * EXCLUDE (time, "Sat.UTCGregorian"), CAST(time AS VARCHAR) AS t FROM read_parquet('${file}') WHERE run_id <= ${maxRunId}`,
  );
}

describe('Monte Carlo sweep and extend', () => {
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

  it('draws gmat-sweep values per run, and extend keeps the first runs identical', async () => {
    const out = path.join(tempDir(), 'mc');
    const perturbArgs = ['--perturb', 'Sat.SMA=normal:7000:25', '--perturb', 'Sat.INC=uniform:50:52'];
    const first = await runCli(['monte-carlo', LEO, '--n', '12', '--seed', '42', ...perturbArgs, '--engine', 'stand-in', '--out', out, '--address', env.address]);
    expect(first.code, first.stderr).toBe(0);
    const table = path.join(out, 'report__Track.parquet');
    const before = await tableRows(table, 11);
    expect(before.length).toBe(12 * 91);

    const manifest = parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8'));
    expect(manifest.header.parameter_spec).toEqual({ _kind: 'monte_carlo', n: 12, seed: 42, perturb: PERTURB });
    expect(manifest.header.sweep_seed).toBe(42);
    for (const [id, entry] of manifest.entries) expect(entry.overrides).toEqual(drawRun(PERTURB as never, 42, id));

    const extended = await runCli(['extend', out, '--n', '6', '--engine', 'stand-in', '--address', env.address]);
    expect(extended.code, extended.stderr).toBe(0);
    expect(extended.stderr).toContain('extending');
    const after = parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8'));
    expect(after.entries.size).toBe(18);
    expect((after.header.parameter_spec as { n: number }).n).toBe(18);
    // Draws of the extension equal a fresh sweep of 18 runs with the same seed.
    for (const [id, entry] of after.entries) expect(entry.overrides).toEqual(drawRun(PERTURB as never, 42, id));
    // The original runs were not re-run: same outcome timestamps, identical table rows.
    for (let id = 0; id < 12; id++) expect(after.entries.get(id)!.started_at).toBe(manifest.entries.get(id)!.started_at);
    expect(await tableRows(table, 11)).toEqual(before);
    const counts = await duckDbQuery(`SELECT count(DISTINCT run_id) AS runs, bool_and(__status = 'ok') AS ok FROM read_parquet('${table}')`);
    expect(counts).toEqual([{ runs: 18n, ok: true }]);
    const shown = await runCli(['show', out]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('18 runs (18 ok) · monte_carlo');
  });

  it('refuses to extend a Latin hypercube, naming why', async () => {
    const out = path.join(tempDir(), 'lhs');
    const lhs = await runCli(['lhs', LEO, '--n', '4', '--seed', '7', '--perturb', 'Sat.SMA=normal:7000:25', '--engine', 'stand-in', '--out', out, '--address', env.address]);
    expect(lhs.code, lhs.stderr).toBe(0);
    const refused = await runCli(['extend', out, '--n', '2', '--engine', 'stand-in', '--address', env.address]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('a Latin hypercube cannot be extended');
  });
});
