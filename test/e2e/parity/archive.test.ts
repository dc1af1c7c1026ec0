// gsweep archive: gmat-sweep 0.6's deterministic bundle. Two archives of one sweep are
// byte-identical (even under different time zones); Python's zipfile reads it, sha256sum
// verifies MANIFEST.hash, gmat-sweep 0.6 reads the unzipped bundle; drift and paths
// outside the sweep directory are refused.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gmatSweepPython, readWithGmatSweep } from '../../helpers/gmat-sweep-venv';
import { MISSIONS, runCli, tempDir } from '../../helpers/temporal';
import { realGmat } from './real-gmat';

// The gmat-sweep venv is made once per machine (pip from PyPI, a minute or two): not inside a test's time limit.
beforeAll(() => {
  gmatSweepPython();
}, 600_000);

const root = tempDir('gsweep-archive-');
const out = path.join(root, 'sweep');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  const r = await runCli(['run', path.join(MISSIONS, 'leo_point_mass.script'), '--grid', 'Sat.SMA=7000,0,7200', '--out', out], {
    env: { GMAT_ROOT: (await realGmat()).root },
    timeoutMs: 300_000,
  });
  expect(r.stderr).toContain('2/3 runs ok, 1 failed');
}, 320_000);

describe('gsweep archive', () => {
  it('two archives of the same sweep are byte-identical, whatever the time zone', async () => {
    const a = await runCli(['archive', out, '--output', path.join(root, 'a.zip')], { env: { TZ: 'UTC' } });
    const b = await runCli(['archive', out, '--output', path.join(root, 'b.zip'), '--json'], { env: { TZ: 'Asia/Tokyo' } });
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(`archive: ${path.join(root, 'a.zip')}\n`);
    expect(a.stderr).toContain('gsweep: 3 runs (2 ok, 1 failed, 0 cancelled), 6 files');
    expect(JSON.parse(b.stdout)).toMatchObject({ runs: 3, ok: 2, failed: 1, members: 6 });
    expect(fs.readFileSync(path.join(root, 'a.zip')).equals(fs.readFileSync(path.join(root, 'b.zip')))).toBe(true);
    // Default destination: <out>.zip beside the directory.
    const c = await runCli(['archive', out]);
    expect(c.stdout).toBe(`archive: ${out}.zip\n`);
    expect(fs.readFileSync(`${out}.zip`).equals(fs.readFileSync(path.join(root, 'a.zip')))).toBe(true);
  });

  it("has gmat-sweep's layout and determinism rules (read with Python's zipfile), and MANIFEST.hash verifies", () => {
    const py = `
import json, sys, zipfile

z = zipfile.ZipFile(sys.argv[1])
print(json.dumps([[i.filename, list(i.date_time), i.external_attr, i.compress_type, len(i.extra)] for i in z.infolist()]))
z.extractall(sys.argv[2])`;
    const dir = path.join(root, 'unzipped');
    const infos = JSON.parse(execFileSync(gmatSweepPython(), ['-c', py, path.join(root, 'a.zip'), dir], { encoding: 'utf8' })) as [string, number[], number, number, number][];
    expect(infos.map((i) => i[0])).toEqual([
      'MANIFEST.hash',
      'README.md',
      'manifest.jsonl',
      'runs/run-0/report__Track.parquet',
      'runs/run-2/report__Track.parquet',
      'script/leo_point_mass.script',
    ]);
    for (const [, date, attr, method, extra] of infos) {
      expect(date).toEqual([2026, 1, 1, 0, 0, 0]);
      expect(attr).toBe(0o644 * 65536);
      expect(method).toBe(8);
      expect(extra).toBe(0);
    }
    expect(execFileSync('sha256sum', ['-c', 'MANIFEST.hash'], { cwd: dir, encoding: 'utf8' })).toContain('manifest.jsonl: OK');
    const manifestLines = fs.readFileSync(path.join(dir, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(manifestLines[1].output_paths).toEqual({ report__Track: 'runs/run-0/report__Track.parquet' });
    expect(manifestLines[1].log_path).toBeNull();
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('- **Runs:** 3 (2 ok, 1 failed)');
  });

  it('gmat-sweep 0.6 reads the unzipped bundle (relative paths resolve against the unzip directory)', () => {
    const seen = readWithGmatSweep(path.join(root, 'unzipped'), ['--report', 'Track']);
    expect(seen.entries.map((e: any) => e.status)).toEqual(['ok', 'failed', 'ok']);
    expect(seen['report__Track'].rows).toBe(2 * 91 + 1);
  });

  it('--include-logs bundles GmatLog.txt and points log_path at it', async () => {
    const r = await runCli(['archive', out, '--output', path.join(root, 'logs.zip'), '--include-logs', '--json']);
    expect(JSON.parse(r.stdout).members).toBe(9);
    const names = execFileSync('unzip', ['-Z1', path.join(root, 'logs.zip')], { encoding: 'utf8' }).trim().split('\n');
    expect(names.filter((n) => n.endsWith('GmatLog.txt'))).toEqual(['runs/run-0/GmatLog.txt', 'runs/run-1/GmatLog.txt', 'runs/run-2/GmatLog.txt']);
  });

  it('refuses a script whose canonical SHA-256 differs from the manifest (unless --allow-script-drift)', async () => {
    const other = path.join(root, 'other.script');
    fs.writeFileSync(other, fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8') + '% changed\n');
    const r = await runCli(['archive', out, '--output', path.join(root, 'drift.zip'), '--script', other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gsweep: error: script hash mismatch for .*other\.script: manifest=[0-9a-f]{64}, current=[0-9a-f]{64}; give the script the sweep ran, or --allow-script-drift/);
    expect(fs.existsSync(path.join(root, 'drift.zip'))).toBe(false);
    const ok = await runCli(['archive', out, '--output', path.join(root, 'drift.zip'), '--script', other, '--allow-script-drift']);
    expect(ok.code).toBe(0);
  });

  it('refuses a manifest that names a file outside the sweep directory, writing nothing', async () => {
    const copy = path.join(root, 'tampered');
    fs.cpSync(out, copy, { recursive: true });
    const manifest = path.join(copy, 'manifest.jsonl');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('"runs/run-0/report__Track.parquet"', '"/etc/passwd"'));
    const r = await runCli(['archive', copy, '--output', path.join(root, 'tampered.zip')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gsweep: error: manifest names "/etc/passwd", outside');
    expect(fs.existsSync(path.join(root, 'tampered.zip'))).toBe(false);
  });
});
