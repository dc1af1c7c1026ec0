// Postprocess hook (gmat-sweep 0.6 `postprocess`): a command run in each successful run's
// directory with the documented environment; files in extra/ become extra__<name> tables;
// a hook failure fails the run (postprocess_status "failed") and keeps GMAT's outputs;
// per-run context rides in the request and is restored on resume; resume takes the command
// from the command line only. Real GmatConsole, real Temporal dev server (embedded).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../../output/manifest';
import { duckDbQuery } from '../../helpers/duckdb';
import { gmatSweepPython, readWithGmatSweep } from '../../helpers/gmat-sweep-venv';
import { MISSIONS, runCli, tempDir } from '../../helpers/temporal';
import { realGmat } from './real-gmat';

// The gmat-sweep venv is made once per machine (pip from PyPI, a minute or two): not inside a test's time limit.
beforeAll(() => {
  gmatSweepPython();
}, 600_000);

const root = tempDir('gsweep-post-');
const out = path.join(root, 'sweep');
const flags = path.join(root, 'flags');
const hook = `node ${path.join(__dirname, 'hooks', 'summarise.js')} ${flags}`;
let env: NodeJS.ProcessEnv;
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const manifest = () => parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8')).entries;

beforeAll(async () => {
  env = { GMAT_ROOT: (await realGmat()).root };
  fs.mkdirSync(flags);
  fs.writeFileSync(path.join(flags, 'fail-c'), '');
  fs.writeFileSync(path.join(root, 'context.json'), JSON.stringify([{ label: 'a' }, { label: 'b' }, { label: 'c', nested: { k: [1, 2] } }]));
  const r = await runCli(
    ['run', path.join(MISSIONS, 'leo_point_mass.script'), '--grid', 'Sat.SMA=7000,7100,7200', '--out', out, '--postprocess', hook, '--context', path.join(root, 'context.json')],
    { env, timeoutMs: 300_000 },
  );
  expect(r.stderr).toContain('2/3 runs ok, 1 failed');
  expect(r.code).toBe(1);
}, 320_000);

describe('postprocess hook', () => {
  it('runs in each run directory with the documented environment; extra/ files become extra_outputs', () => {
    const entries = manifest();
    for (const id of [0, 1]) {
      const e = entries.get(id)!;
      expect(e).toMatchObject({ status: 'ok', postprocess_status: 'ok', context: { label: 'ab'[id] } });
      expect(e.extra_outputs).toEqual({
        // Relative to the sweep directory (the manifest's), as gmat-sweep resolves them.
        points: `runs/run-${id}/extra__points.parquet`,
        summary: `runs/run-${id}/extra__summary.parquet`,
      });
    }
    const header = JSON.parse(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8').split('\n')[0]);
    expect(header.postprocess).toBe(hook);
  });

  it('a failing hook fails the run with postprocess_status "failed" and its output; GMAT outputs stay', () => {
    const e = manifest().get(2)!;
    expect(e).toMatchObject({ status: 'failed', postprocess_status: 'failed', output_paths: {}, extra_outputs: {}, context: { label: 'c', nested: { k: [1, 2] } } });
    expect(e.stderr).toContain(`postprocess command ${JSON.stringify(hook)} (run 2, log: ${path.join(out, 'runs', 'run-2', 'postprocess.log')}) exited with code 3:\nboom: refusing label c`);
    expect(fs.existsSync(path.join(out, 'runs', 'run-2', 'report__Track.parquet'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'runs', 'run-2', 'track.txt'))).toBe(true);
  });

  it('aggregates extra__<name>.parquet (time-indexed when the table has a time column)', async () => {
    const summary = await duckDbQuery(`SELECT * FROM '${path.join(out, 'extra__summary.parquet')}' ORDER BY run_id`);
    expect(summary).toEqual([
      { run_id: 0n, run: 0, label: 'a', sma: 7000, in_run_dir: 'true', tables: 'report__Track', sweep: expect.stringMatching(/^gsweep-leo_point_mass-/), __status: 'ok' },
      { run_id: 1n, run: 1, label: 'b', sma: 7100, in_run_dir: 'true', tables: 'report__Track', sweep: summary[0]!.sweep, __status: 'ok' },
      { run_id: 2n, run: null, label: null, sma: null, in_run_dir: null, tables: null, sweep: null, __status: 'failed' },
    ]);
    const points = await duckDbQuery(`SELECT run_id, CAST(time AS VARCHAR) AS t, value, __status FROM '${path.join(out, 'extra__points.parquet')}' ORDER BY run_id, time`);
    expect(points.map((p) => [p.run_id, p.t, p.value, p.__status])).toEqual([
      [0n, '2026-03-20 06:00:00', 1, 'ok'],
      [0n, '2026-03-20 06:01:00.5', 2, 'ok'],
      [1n, '2026-03-20 06:00:00', 1, 'ok'],
      [1n, '2026-03-20 06:01:00.5', 2, 'ok'],
      [2n, null, null, 'failed'],
    ]);
  });

  it("gmat-sweep 0.6's lazy_extra_outputs reads the extra tables", () => {
    const seen = readWithGmatSweep(out, ['--extra', 'summary', '--extra', 'points']);
    expect(seen['extra__summary'].index_names).toEqual(['run_id']);
    expect(seen['extra__summary'].statuses).toEqual(['ok', 'ok', 'failed']);
    expect(seen['extra__points'].index_names).toEqual(['run_id', 'time']);
    expect(seen['extra__points'].rows).toBe(5);
    expect(seen.entries.map((e: any) => e.postprocess_status)).toEqual(['ok', 'ok', 'failed']);
  });

  it('resume refuses without --postprocess, ignores a command planted in request.json, and restores context', async () => {
    const refused = await runCli(['resume', out], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `gsweep: error: postprocess: the sweep in ${out} ran with a postprocess hook; give it again (--postprocess ${JSON.stringify(hook)}): gsweep never runs a command read back from the output directory`,
    );
    // A command planted in the output directory is never run.
    const requestFile = path.join(out, 'request.json');
    const planted = path.join(root, 'planted');
    const request = JSON.parse(fs.readFileSync(requestFile, 'utf8'));
    request.context.postprocess = { command: `touch ${planted}` };
    fs.writeFileSync(requestFile, JSON.stringify(request));
    fs.rmSync(path.join(flags, 'fail-c'));
    const resumed = await runCli(['resume', out, '--postprocess', hook], { env, timeoutMs: 300_000 });
    expect(resumed.stderr).toContain('3/3 runs ok, 0 failed');
    expect(fs.existsSync(planted)).toBe(false);
    const e = manifest().get(2)!;
    expect(e).toMatchObject({ status: 'ok', postprocess_status: 'ok', context: { label: 'c', nested: { k: [1, 2] } } });
    const rows = await duckDbQuery(`SELECT run_id, label FROM '${path.join(out, 'extra__summary.parquet')}' ORDER BY run_id`);
    expect(rows.map((r) => r.label)).toEqual(['a', 'b', 'c']);
  }, 320_000);

  it('refuses a context array whose length is not the run count, before anything starts', async () => {
    fs.writeFileSync(path.join(root, 'short.json'), JSON.stringify([{ label: 'a' }]));
    const bad = path.join(root, 'bad');
    const r = await runCli(['run', path.join(MISSIONS, 'leo_point_mass.script'), '--grid', 'Sat.SMA=7000,7100', '--out', bad, '--context', path.join(root, 'short.json')], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gsweep: error: context: has 1 entries but the sweep has 2 runs; give one object per run, or one object for every run');
    expect(fs.existsSync(bad)).toBe(false);
  });
});
