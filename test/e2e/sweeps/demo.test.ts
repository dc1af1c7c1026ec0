/**
 * `npm run demo` (examples/demo.ts): the README's 16-run sweep on real GMAT, twice in a row
 * into the same directory, and its refusal to delete a directory that is not a gsweep output.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readParquetWithDuckDb } from '../../helpers/duckdb';
import { REPO_ROOT, tempDir } from '../../helpers/temporal';
import { useRealGmat } from '../../helpers/use-real-gmat';

const gmat = useRealGmat();
const dir = tempDir('gsweep-demo-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function demo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'examples/demo.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  it('sweeps real GMAT, says which, and runs again into the same directory', async () => {
    const install = gmat();
    const env = { GSWEEP_DEMO_DIR: dir, GMAT_ROOT: install.root };
    const table = path.join(dir, 'leo-sma', 'report__Track.parquet');
    const sweepIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await demo(env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`gsweep demo: using GMAT R2026a at ${install.root} (from GMAT_ROOT)`);
      expect(r.stderr).toContain('16/16 runs ok, 0 failed');
      sweepIds.push(/sweep (gsweep-leo_point_mass-\w+)/.exec(r.stderr)![1]!);
      const { rows } = await readParquetWithDuckDb(table);
      expect(rows).toHaveLength(16 * 91);
      const outcome = JSON.parse(fs.readFileSync(path.join(dir, 'leo-sma', 'runs', 'run-0', 'outcome.json'), 'utf8'));
      expect(outcome.engine).toEqual({ kind: 'gmat', root: install.root, version: 'R2026a' });
    }
    // The second run replaced the first one's output rather than refusing a non-empty --out.
    expect(sweepIds[0]).not.toBe(sweepIds[1]);
    expect(fs.readFileSync(path.join(dir, 'leo-sma', 'manifest.jsonl'), 'utf8')).toContain(sweepIds[1]);
  }, 180_000);

  it('leaves a directory that is not a gsweep output alone', async () => {
    const foreign = tempDir('gsweep-demo-foreign-');
    fs.mkdirSync(path.join(foreign, 'leo-sma'));
    fs.writeFileSync(path.join(foreign, 'leo-sma', 'notes.txt'), 'mine');
    const r = await demo({ GSWEEP_DEMO_DIR: foreign, GMAT_ROOT: gmat().root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`gsweep demo: error: ${path.join(foreign, 'leo-sma')} exists and is not a gsweep output directory; move it away to run the demo`);
    expect(fs.readFileSync(path.join(foreign, 'leo-sma', 'notes.txt'), 'utf8')).toBe('mine');
    fs.rmSync(foreign, { recursive: true, force: true });
  });
});
