// A gmat-sweep 0.6 postprocess hook ("module:function", hook(run_spec, outcome) -> {key: path})
// runs unchanged under gsweep through examples/gmat_sweep_hook.py: its files become extra
// tables, its exception fails the run. Real GmatConsole; the hook runs in the gmat-sweep venv.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../../output/manifest';
import { duckDbQuery } from '../../helpers/duckdb';
import { gmatSweepPython } from '../../helpers/gmat-sweep-venv';
import { MISSIONS, REPO_ROOT, runCli, tempDir } from '../../helpers/temporal';
import { realGmat } from './real-gmat';

// The gmat-sweep venv is made once per machine (pip from PyPI, a minute or two): not inside a test's time limit.
beforeAll(() => {
  gmatSweepPython();
}, 600_000);

const root = tempDir('gsweep-pyhook-');
const out = path.join(root, 'sweep');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  const command = `PYTHONPATH=${path.join(__dirname, 'hooks')} ${gmatSweepPython()} ${path.join(REPO_ROOT, 'examples', 'gmat_sweep_hook.py')} py_hook:summarise`;
  fs.writeFileSync(path.join(root, 'context.json'), JSON.stringify([{}, { fail: true }, {}]));
  const r = await runCli(
    ['run', path.join(MISSIONS, 'leo_point_mass.script'), '--grid', 'Sat.SMA=7000,7100,7200', '--out', out, '--postprocess', command, '--context', path.join(root, 'context.json')],
    { env: { GMAT_ROOT: (await realGmat()).root }, timeoutMs: 300_000 },
  );
  expect(r.stderr).toContain('2/3 runs ok, 1 failed');
}, 320_000);

describe('a gmat-sweep hook through examples/gmat_sweep_hook.py', () => {
  it('its returned files become extra__<key>; its exception fails that run', async () => {
    const rows = await duckDbQuery(`SELECT run_id, sma_set, final_sma, rows, __status FROM '${path.join(out, 'extra__final.parquet')}' ORDER BY run_id`);
    expect(rows.map((r) => [r.run_id, r.sma_set, r.rows, r.__status])).toEqual([
      [0n, 7000, 91, 'ok'],
      [1n, null, null, 'failed'],
      [2n, 7200, 91, 'ok'],
    ]);
    const track = await duckDbQuery(`SELECT run_id, last("Sat.Earth.SMA" ORDER BY time) AS sma FROM '${path.join(out, 'report__Track.parquet')}' WHERE __status = 'ok' GROUP BY run_id ORDER BY run_id`);
    expect(rows[0]!.final_sma).toBe(track[0]!.sma);
    const e = parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8')).entries.get(1)!;
    expect(e).toMatchObject({ status: 'failed', postprocess_status: 'failed', context: { fail: true } });
    expect(e.stderr).toContain('RuntimeError: run 1: told to fail');
  });
});
