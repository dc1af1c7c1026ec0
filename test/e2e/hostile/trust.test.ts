/**
 * Class 2 of docs/security.md: nothing read back from an output directory chooses a program to run
 * or a path outside it. resume/extend take the engine from their own command line, check
 * request.json like a new request, verify the archived script by hash; outcome.json holds
 * relative paths, so a moved directory resumes without re-running anything and a copy
 * aggregates its own tables. Stand-in engine, embedded Temporal (no --address).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeValueTable } from '../../../output/input-tables';
import { writeInputTable } from '../../helpers/input-tables';
import { readParquetWithDuckDb } from '../../helpers/duckdb';
import { MISSIONS, runCli, tempDir } from '../../helpers/temporal';
import { realGmat } from '../../helpers/real-gmat';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const ENV = { GMAT_ROOT: '' };
let root: string;
let original: string;

/** A fresh copy of the finished sweep, as `cp -a` makes it. */
function copyOfSweep(name: string): string {
  const dir = path.join(root, name);
  fs.cpSync(original, dir, { recursive: true, preserveTimestamps: true });
  return dir;
}
function editJson(file: string, edit: (j: Record<string, any>) => void): void {
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

beforeAll(async () => {
  root = fs.realpathSync(tempDir('gsweep-trust-'));
  original = path.join(root, 'original');
  const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100,7200', '--engine', 'stand-in', '--out', original], { env: ENV, timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
}, 150_000);
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('request.json does not choose the program', () => {
  it('an edited engine.gmatRoot is ignored: its bin/GmatConsole never runs, --gmat-root does', async () => {
    const dir = copyOfSweep('evil-root');
    const evil = path.join(root, 'evil');
    const marker = path.join(root, 'evil-ran');
    fs.mkdirSync(path.join(evil, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(evil, 'bin', 'GmatConsole'), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(evil, 'bin', 'gmat_startup_file.txt'), 'ROOT_PATH = ../\n');
    editJson(path.join(dir, 'request.json'), (j) => {
      j.context.engine = { kind: 'gmat', gmatRoot: evil };
    });
    fs.rmSync(path.join(dir, 'runs', 'run-1', 'outcome.json'));
    // The command line's --gmat-root (here the real GMAT the real-GMAT tests use) is what runs.
    const install = await realGmat();
    const r = await runCli(['resume', dir, '--gmat-root', install.root], { env: ENV, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain(path.join(evil, 'bin'));
    expect(fs.existsSync(marker)).toBe(false);
    const outcome = JSON.parse(fs.readFileSync(path.join(dir, 'runs', 'run-1', 'outcome.json'), 'utf8'));
    expect(outcome.engine).toMatchObject({ kind: 'gmat', root: install.root });
  }, 150_000);

  it('the engine kind must be given on the command line: a stand-in sweep is not resumed with GMAT silently', async () => {
    const dir = copyOfSweep('kind');
    fs.rmSync(path.join(dir, 'runs', 'run-1', 'outcome.json'));
    const r = await runCli(['resume', dir], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gsweep: error: engine: this sweep ran with --engine stand-in; pass --engine stand-in');
  });

  it('a postprocess command planted in request.json never runs: resume asks for one on the command line', async () => {
    const dir = copyOfSweep('planted-hook');
    const marker = path.join(root, 'planted-hook-ran');
    editJson(path.join(dir, 'request.json'), (j) => {
      j.context.postprocess = { command: `touch ${marker}` };
    });
    fs.rmSync(path.join(dir, 'runs', 'run-1', 'outcome.json'));
    const r = await runCli(['resume', dir, '--engine', 'stand-in'], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`gsweep: error: postprocess: the sweep in ${dir} ran with a postprocess hook; give it again`);
    expect(r.stderr).toContain('gsweep never runs a command read back from the output directory');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('request.json no longer records a pinned install root', () => {
    const j = JSON.parse(fs.readFileSync(path.join(original, 'request.json'), 'utf8'));
    expect(j.context.engine).toEqual({ kind: 'stand-in', mode: 'warm' });
  });
});

describe('request.json does not choose a path', () => {
  it.each([
    ['a scriptName with ../', (j: any) => (j.context.scriptName = '../../x.script'), 'is malformed at context.scriptName: must be a plain file name'],
    ['an absolute scriptName', (j: any) => (j.context.scriptName = '/etc/passwd'), 'is malformed at context.scriptName: must be a plain file name'],
    ['a run count over the limit', (j: any) => (j.runCount = 3e9), "gsweep's limit of 10 000 000 runs"],
    ['a run count that disagrees with the run set', (j: any) => (j.runCount = 7), 'says runCount 7 but its run set has 3 runs'],
    ['a timeout no timer holds', (j: any) => (j.context.runTimeoutMs = 3e12), 'is malformed at context.runTimeoutMs'],
    ['an output-path override in the grid', (j: any) => (j.runSet.axes['Track.Filename'] = ['/tmp/x.txt']), '"Filename" of a ReportFile chooses where GMAT writes a file'],
    ['a LO:HI:COUNT axis over the run limit', (j: any) => (j.runSet.axes['Sat.SMA'] = { linspace: [7000, 7100, 1e9] }), "gsweep's limit of 10 000 000 runs"],
    ['an input table name that is a path', (j: any) => (j.runSet.axes['Sat.SMA'] = { values: { table: '../../etc/passwd', count: 3, sha256: '0'.repeat(64) } }), 'is malformed at runSet.axes.Sat.SMA'],
    ['an input table that is missing', (j: any) => (j.runSet.axes['Sat.SMA'] = { values: { table: 'grid-0', count: 3, sha256: '0'.repeat(64) } }), 'grid-0.jsonl is missing'],
  ])('refuses %s', async (_name, edit, message) => {
    const dir = copyOfSweep(`edit-${Math.random().toString(36).slice(2)}`);
    editJson(path.join(dir, 'request.json'), edit);
    const r = await runCli(['resume', dir, '--engine', 'stand-in'], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an input table changed after the sweep started (hash)', async () => {
    const dir = copyOfSweep('table-edited');
    const table = encodeValueTable('grid-0', [7000, 7100, 7200]);
    await writeInputTable(dir, table);
    editJson(path.join(dir, 'request.json'), (j) => (j.runSet.axes['Sat.SMA'] = { values: table.ref }));
    fs.appendFileSync(path.join(dir, 'inputs', 'grid-0.jsonl'), '"7000;Stop"\n');
    const r = await runCli(['resume', dir, '--engine', 'stand-in'], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gsweep: error: out: .*grid-0\.jsonl changed after the sweep started \(SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}\); resume needs the exact inputs the sweep ran, so start a new sweep/);
  });

  it('refuses an output-path override kept in an input table', async () => {
    const dir = copyOfSweep('table-output-path');
    const table = encodeValueTable('grid-1', ['/tmp/x.txt']);
    await writeInputTable(dir, table);
    editJson(path.join(dir, 'request.json'), (j) => (j.runSet.axes['Track.Filename'] = { values: table.ref }));
    const r = await runCli(['resume', dir, '--engine', 'stand-in'], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"Track.Filename": "Filename" of a ReportFile chooses where GMAT writes a file');
  });

  it('refuses request.json that is not JSON, in one sentence', async () => {
    const dir = copyOfSweep('not-json');
    fs.writeFileSync(path.join(dir, 'request.json'), '{"context": ');
    const r = await runCli(['resume', dir, '--engine', 'stand-in'], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gsweep: error: out: .*request\.json is not valid JSON \(.*\); gsweep only resumes a request\.json it wrote itself/);
  });

  it('refuses an archived script changed after the sweep started (hash)', async () => {
    const dir = copyOfSweep('script-edited');
    const script = path.join(dir, 'script', 'leo_point_mass.script');
    fs.appendFileSync(script, "GMAT Track.Filename = '/tmp/elsewhere.txt';\n");
    const r = await runCli(['resume', dir, '--engine', 'stand-in'], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the archived script .* has SHA-256 [0-9a-f]{64}, but the sweep ran [0-9a-f]{64}; it was changed after the sweep started/);
  });
});

describe('outcome.json: relative paths, rebuilt from the directory', () => {
  it('stores paths relative to the run directory', () => {
    const o = JSON.parse(fs.readFileSync(path.join(original, 'runs', 'run-0', 'outcome.json'), 'utf8'));
    expect(o.output_paths).toEqual({ report__Track: 'report__Track.parquet' });
    expect(o.log_path).toBe('GmatLog.txt');
  });

  it('after mv, resume re-runs nothing', async () => {
    const moved = path.join(root, 'moved');
    fs.renameSync(copyOfSweep('to-move'), moved);
    const r = await runCli(['resume', moved, '--engine', 'stand-in'], { env: ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`gsweep: all 3 runs of ${moved} are ok; nothing to resume`);
  });

  it('an edited output_paths cannot send the aggregate elsewhere; a cp -a copy aggregates its own tables', async () => {
    const copy = copyOfSweep('copy');
    // The copy must not read the original's files: remove them.
    for (const id of [0, 2]) fs.rmSync(path.join(original, 'runs', `run-${id}`, 'report__Track.parquet'));
    editJson(path.join(copy, 'runs', 'run-0', 'outcome.json'), (j) => {
      j.output_paths.report__Track = '/etc/passwd';
      j.log_path = '../../../../etc/passwd';
    });
    fs.rmSync(path.join(copy, 'runs', 'run-1', 'outcome.json'));
    const r = await runCli(['resume', copy, '--engine', 'stand-in'], { env: ENV, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1 runs to run (2 ok kept, 0 failed before)');
    const table = await readParquetWithDuckDb(path.join(copy, 'report__Track.parquet'));
    expect(new Set(table.rows.map((row) => Number(row.run_id)))).toEqual(new Set([0, 1, 2]));
    expect(table.rows.every((row) => row.__status === 'ok')).toBe(true);
    const manifest = fs.readFileSync(path.join(copy, 'manifest.jsonl'), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
    // Relative to the copy's own directory (the manifest's), as gmat-sweep resolves them.
    expect(manifest[0].output_paths.report__Track).toBe('runs/run-0/report__Track.parquet');
    expect(manifest[0].log_path).toBe('runs/run-0/passwd');
  }, 150_000);
});
