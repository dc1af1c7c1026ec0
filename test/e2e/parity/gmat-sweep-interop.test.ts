// gmat-sweep 0.6's own Manifest.load and lazy_multiindex read a gsweep output directory
// written by a real sweep on the real GmatConsole (one run GMAT rejects), including the
// 0.6 per-run fields (context, extra_outputs, solver_paths, converged, postprocess_status)
// and the header's postprocess. The venv comes from test/helpers/gmat-sweep-venv.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GmatInstall } from '../../../gmat/install';
import { gmatSweepPython, readWithGmatSweep } from '../../helpers/gmat-sweep-venv';
import { MISSIONS, runCli, tempDir } from '../../helpers/temporal';
import { realGmat } from './real-gmat';

// The gmat-sweep venv is made once per machine (pip from PyPI, a minute or two): not inside a test's time limit.
beforeAll(() => {
  gmatSweepPython();
}, 600_000);

const root = tempDir('gsweep-interop-');
let install: GmatInstall;
beforeAll(async () => {
  install = await realGmat();
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('gmat-sweep 0.6 reads a gsweep directory', () => {
  it('Manifest.load and lazy_multiindex on a 3-run real-GMAT grid with one rejected run', async () => {
    const out = path.join(root, 'grid');
    const r = await runCli(['run', path.join(MISSIONS, 'leo_point_mass.script'), '--grid', 'Sat.SMA=7000,7100,0', '--out', out], {
      env: { GMAT_ROOT: install.root },
      timeoutMs: 300_000,
    });
    expect(r.stderr).toContain('2/3 runs ok, 1 failed');
    const seen = readWithGmatSweep(out, ['--report', 'Track']);
    expect(seen.gmat_sweep_version).toBe('0.6.0');
    expect(seen.header).toMatchObject({ postprocess: null, run_count: 3, backend: 'temporal', schema_version: 1 });
    expect(seen.entries.map((e: any) => [e.run_id, e.status, e.overrides])).toEqual([
      [0, 'ok', { 'Sat.SMA': 7000 }],
      [1, 'ok', { 'Sat.SMA': 7100 }],
      [2, 'failed', { 'Sat.SMA': 0 }],
    ]);
    for (const e of seen.entries) {
      expect(e).toMatchObject({ context: {}, extra_outputs: [], solver_paths: [], converged: {}, postprocess_status: 'none' });
    }
    const track = seen['report__Track'];
    expect(track.index_names).toEqual(['run_id', 'time']);
    expect(track.columns).toContain('Sat.Earth.SMA');
    // Two ok runs of 91 rows each, plus gmat-sweep's own NaN marker row for the failed run.
    expect(track.rows).toBe(2 * 91 + 1);
    expect(track.statuses.filter((s: string) => s === 'failed')).toHaveLength(1);
  });
});
