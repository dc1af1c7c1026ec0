/**
 * A finished sweep moved (`mv`) or copied (`cp -a`) elsewhere is still a whole sweep: its
 * manifest names files relative to the directory it sits in, and every command that reads a
 * finished sweep (archive, report, summary, show, diff, and gmat-sweep 0.6's own readers)
 * works on the new place with the original gone. An older manifest with absolute paths of the
 * old place archives too, since a stored path is read for its shape only; paths of any other
 * shape are refused. A context given once for every run is written once, in the header.
 * Stand-in engine, embedded Temporal.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWithGmatSweep } from '../../helpers/gmat-sweep-venv';
import { MISSIONS, runCli, tempDir } from '../../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const ENV = { GMAT_ROOT: '' };
const STACK = /\n\s+at [^\n]+\(/;
let root: string;
/** Where the sweep ran; deleted once moved, so nothing can still read it. */
let original: string;
let moved: string;
let copied: string;
const SHARED = { reference: 7000, label: 'shared by every run', nested: { k: [1, 2, 3] } };

function manifestLines(dir: string): Record<string, any>[] {
  return fs.readFileSync(path.join(dir, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}
function zipNames(zip: string): string[] {
  return execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n').sort();
}

beforeAll(async () => {
  root = fs.realpathSync(tempDir('gsweep-moved-'));
  original = path.join(root, 'original');
  fs.writeFileSync(path.join(root, 'ctx.json'), JSON.stringify(SHARED));
  const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100,0', '--engine', 'stand-in', '--out', original, '--context', path.join(root, 'ctx.json')], {
    env: ENV,
    timeoutMs: 120_000,
  });
  expect(r.stderr).toContain('2/3 runs ok, 1 failed');
  copied = path.join(root, 'copied');
  fs.cpSync(original, copied, { recursive: true, preserveTimestamps: true });
  moved = path.join(root, 'elsewhere', 'moved');
  fs.mkdirSync(path.dirname(moved));
  fs.renameSync(original, moved);
}, 150_000);
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('the manifest names files relative to the sweep directory', () => {
  it('output_paths and log_path are relative to out; no path field names the directory it ran in', () => {
    const [, run0, , run2] = manifestLines(moved);
    for (const e of manifestLines(moved).slice(1)) {
      const paths = [...Object.values(e.output_paths), ...Object.values(e.extra_outputs), ...Object.values(e.solver_paths), e.log_path] as string[];
      for (const p of paths) expect(p.startsWith(`runs/run-${e.run_id}/`), p).toBe(true);
    }
    expect(run0.output_paths).toEqual({ report__Track: 'runs/run-0/report__Track.parquet' });
    expect(run0.log_path).toBe('runs/run-0/GmatLog.txt');
    expect(run2.status).toBe('failed');
    expect(run2.output_paths).toEqual({});
  });

  it("gmat-sweep 0.6 reads the moved sweep's tables through the relative paths", () => {
    const seen = readWithGmatSweep(moved, ['--report', 'Track']);
    expect(seen.entries.map((e: any) => [e.run_id, e.status])).toEqual([
      [0, 'ok'],
      [1, 'ok'],
      [2, 'failed'],
    ]);
    expect(seen['report__Track'].index_names).toEqual(['run_id', 'time']);
    expect(new Set(seen['report__Track'].index.map((i: unknown[]) => i[0]))).toEqual(new Set([0, 1, 2]));
  }, 120_000);
});

describe('every command that reads a finished sweep works on a moved or copied one', () => {
  it.each([
    ['moved', () => moved],
    ['copied', () => copied],
  ])('archive of the %s sweep bundles its own files', async (name, dir) => {
    const zip = path.join(root, `${name}.zip`);
    const r = await runCli(['archive', dir(), '--output', zip, '--include-logs']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('gsweep: 3 runs (2 ok, 1 failed, 0 cancelled)');
    expect(zipNames(zip)).toEqual(
      [
        'MANIFEST.hash',
        'README.md',
        'manifest.jsonl',
        'runs/run-0/GmatLog.txt',
        'runs/run-0/report__Track.parquet',
        'runs/run-1/GmatLog.txt',
        'runs/run-1/report__Track.parquet',
        'runs/run-2/GmatLog.txt',
        'script/leo_point_mass.script',
      ].sort(),
    );
  });

  it('report, summary and show read the moved sweep', async () => {
    const report = await runCli(['report', moved, '--json']);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout).file).toBe(path.join(moved, 'report.html'));
    const summary = await runCli(['summary', moved, '--json']);
    expect(summary.code, summary.stderr).toBe(0);
    expect(JSON.parse(summary.stdout).table).toBe('report__Track');
    const show = await runCli(['show', moved]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('3 runs (2 ok, 1 failed)');
    expect(show.stdout).toContain(path.join(moved, 'report__Track.parquet'));
  });

  it('diff of the moved sweep and its copy: the same (exit 0)', async () => {
    const r = await runCli(['diff', moved, copied]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('same within tolerance');
  });

  it('an older manifest with absolute paths of the old place still archives, from the new place', async () => {
    const old = path.join(root, 'old-manifest');
    fs.cpSync(moved, old, { recursive: true });
    const manifest = path.join(old, 'manifest.jsonl');
    // As gsweep wrote it before: absolute paths of a directory that no longer exists.
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace(/"runs\/run-/g, `"${original}/runs/run-`));
    expect(fs.readFileSync(manifest, 'utf8')).toContain(`${original}/runs/run-0/report__Track.parquet`);
    const zip = path.join(root, 'old-manifest.zip');
    const r = await runCli(['archive', old, '--output', zip]);
    expect(r.code, r.stderr).toBe(0);
    expect(zipNames(zip)).toContain('runs/run-1/report__Track.parquet');
    const bundled = execFileSync('unzip', ['-p', zip, 'manifest.jsonl'], { encoding: 'utf8' }).trim().split('\n').slice(1).map((l) => JSON.parse(l));
    expect(bundled.map((e) => e.output_paths)).toEqual([{ report__Track: 'runs/run-0/report__Track.parquet' }, { report__Track: 'runs/run-1/report__Track.parquet' }, {}]);
  });
});

describe('a manifest path of any other shape is refused by archive, writing nothing', () => {
  it.each([
    ['an absolute path elsewhere', '/etc/passwd'],
    ['a path climbing out of out', 'runs/run-0/../../../etc/passwd'],
    ["another run's file", 'runs/run-1/report__Track.parquet'],
    ['a file beside the runs', 'report__Track.parquet'],
  ])('%s', async (name, stored) => {
    const dir = path.join(root, `tampered-${name.replace(/\W+/g, '-')}`);
    fs.cpSync(moved, dir, { recursive: true });
    const manifest = path.join(dir, 'manifest.jsonl');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('"runs/run-0/report__Track.parquet"', JSON.stringify(stored)));
    const zip = path.join(root, `${path.basename(dir)}.zip`);
    const r = await runCli(['archive', dir, '--output', zip]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`gsweep: error: manifest names ${JSON.stringify(stored)}, outside ${path.join(dir, 'runs', 'run-0')}; gsweep archive only bundles files of the sweep directory`);
    expect(r.stderr).not.toMatch(STACK);
    expect(fs.existsSync(zip)).toBe(false);
  });

  it('a run directory replaced by a link out of the sweep is refused', async () => {
    const dir = path.join(root, 'tampered-link');
    fs.cpSync(moved, dir, { recursive: true });
    const outside = path.join(root, 'outside-run-0');
    fs.renameSync(path.join(dir, 'runs', 'run-0'), outside);
    fs.symlinkSync(outside, path.join(dir, 'runs', 'run-0'));
    const r = await runCli(['archive', dir, '--output', path.join(root, 'tampered-link.zip')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`gsweep: error: ${path.join(dir, 'runs', 'run-0', 'report__Track.parquet')} leads outside ${dir}`);
    expect(fs.existsSync(path.join(root, 'tampered-link.zip'))).toBe(false);
  });
});

describe('a context given once for every run is written once', () => {
  it('the header holds it as shared_context; each run line says {}', () => {
    const [header, ...runs] = manifestLines(moved);
    expect(header.shared_context).toEqual(SHARED);
    expect(runs.map((e) => e.context)).toEqual([{}, {}, {}]);
    const text = fs.readFileSync(path.join(moved, 'manifest.jsonl'), 'utf8');
    expect(text.split('shared by every run').length - 1).toBe(1);
  });

  it('the hook and outcome of each run still see the whole context', () => {
    const outcome = JSON.parse(fs.readFileSync(path.join(moved, 'runs', 'run-1', 'outcome.json'), 'utf8'));
    expect(outcome.context).toEqual(SHARED);
  });

  it('archive keeps the shared context in the bundled header', async () => {
    const zip = path.join(root, 'context.zip');
    expect((await runCli(['archive', moved, '--output', zip])).code).toBe(0);
    const [header] = execFileSync('unzip', ['-p', zip, 'manifest.jsonl'], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
    expect(header.shared_context).toEqual(SHARED);
  });

  it('per-run contexts stay on their own lines, and the header has no shared_context', async () => {
    const dir = path.join(root, 'per-run');
    fs.writeFileSync(path.join(root, 'per-run.json'), JSON.stringify([{ label: 'a' }, { label: 'b' }]));
    const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', dir, '--context', path.join(root, 'per-run.json')], {
      env: ENV,
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const [header, ...runs] = manifestLines(dir);
    expect(header).not.toHaveProperty('shared_context');
    expect(runs.map((e) => e.context)).toEqual([{ label: 'a' }, { label: 'b' }]);
    const seen = readWithGmatSweep(dir);
    expect(seen.entries.map((e: any) => e.context)).toEqual([{ label: 'a' }, { label: 'b' }]);
  }, 150_000);
});
