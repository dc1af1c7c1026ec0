import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifestSummary } from '../../api/manifest-summary';
import { tempDir } from '../helpers/temporal';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function out(): string {
  const d = tempDir('gsweep-manifest-summary-');
  dirs.push(d);
  return d;
}

const MANIFEST = [
  JSON.stringify({ schema_version: 1, run_count: 3, script_sha256: 'ab' }),
  JSON.stringify({ run_id: 0, status: 'ok' }),
  JSON.stringify({ run_id: 1, status: 'failed' }),
  JSON.stringify({ run_id: 2, status: 'failed' }),
  // A re-run of run 2 wins over its first line, as a reader of gmat-sweep's manifest folds it.
  JSON.stringify({ run_id: 2, status: 'ok' }),
  '',
].join('\n');

describe('readManifestSummary', () => {
  it('counts each run once, by its last line, through the out as given', async () => {
    const dir = out();
    fs.writeFileSync(path.join(dir, 'manifest.jsonl'), MANIFEST);
    const summary = await readManifestSummary(dir);
    expect(summary.header).toEqual({ schema_version: 1, run_count: 3, script_sha256: 'ab' });
    expect(summary.counts).toEqual({ ok: 2, failed: 1 });
  });

  it('says which manifest is missing', async () => {
    const dir = out();
    await expect(readManifestSummary(dir)).rejects.toThrow(
      `${path.join(dir, 'manifest.jsonl')} does not exist: the sweep has not finished its aggregate (or ${dir} is not a sweep's out)`,
    );
  });

  it('refuses a manifest that is a link, naming its role', async () => {
    const dir = out();
    const elsewhere = path.join(out(), 'manifest.jsonl');
    fs.writeFileSync(elsewhere, MANIFEST);
    fs.symlinkSync(elsewhere, path.join(dir, 'manifest.jsonl'));
    await expect(readManifestSummary(dir)).rejects.toThrow(`manifest ${path.join(dir, 'manifest.jsonl')} is a symbolic link`);
  });
});
