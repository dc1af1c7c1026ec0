/**
 * `gsweep archive` reads the out through its Store: the same sweep in a directory and in an
 * S3 prefix (SeaweedFS, started here) with a batch's runs stored as a pack gives the same
 * bundle, byte for byte; a pack replaces what a run stored before it, as `gsweep pull` reads it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeArchive } from '../../output/archive';
import { pythonJsonDumps } from '../../output/manifest';
import { encodePack, packKey } from '../../output/run-pack';
import { S3Store } from '../../output/s3-store';
import { canonicalScriptSha256 } from '../../output/script-hash';
import { DirStore, type Store } from '../../output/store';
import { useSeaweedBucket } from '../helpers/use-seaweed';
import { MISSIONS, tempDir } from '../helpers/temporal';

const seaweed = useSeaweedBucket('gsweep-archive');
const root = tempDir('gsweep-archive-store-');

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const script = fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'));
const table = (id: number) => Buffer.from(`PAR1 table of run ${id} PAR1`);
const log = (id: number) => Buffer.from(`GMAT log of run ${id}\n`);

/** A finished three-run sweep (run 2 failed) whose manifest names its files at `base`. */
function manifest(base: string): string {
  const entry = (id: number, ok: boolean) => ({
    run_id: id,
    status: ok ? 'ok' : 'failed',
    overrides: { 'Sat.SMA': 7000 + id },
    output_paths: ok ? { report__Track: `${base}runs/run-${id}/report__Track.parquet` } : {},
    log_path: `${base}runs/run-${id}/GmatLog.txt`,
    duration_s: 1.5,
  });
  const header = { script_sha256: canonicalScriptSha256(script.toString('utf8')), gmat_sweep_version: 'gsweep test' };
  return [header, entry(0, true), entry(1, true), entry(2, false)].map((l) => pythonJsonDumps(l)).join('\n') + '\n';
}

async function archive(out: string, name: string): Promise<Buffer> {
  const zipPath = path.join(root, `${name}.zip`);
  const summary = await writeArchive({ outDir: out, zipPath, includeLogs: true, packagerVersion: 'gsweep test' });
  expect(summary).toMatchObject({ runs: 3, ok: 2, failed: 1, members: 9 });
  return fs.readFileSync(zipPath);
}

describe('archive over a Store', () => {
  it('bundles the same bytes from a directory and from an S3 prefix whose runs are in a pack', async () => {
    await seaweed.ready;
    const dir = path.join(root, 'dir-out');
    const local = new DirStore(dir);
    await local.put('script/leo_point_mass.script', script);
    await local.put('manifest.jsonl', manifest(''));
    for (const id of [0, 1, 2]) {
      if (id < 2) await local.put(`runs/run-${id}/report__Track.parquet`, table(id));
      await local.put(`runs/run-${id}/GmatLog.txt`, log(id));
    }
    const fromDir = await archive(dir, 'dir');

    const url = `s3://gsweep-archive/t-${Math.random().toString(36).slice(2)}/out`;
    const s3: Store = new S3Store(url, { client: seaweed.client });
    await s3.put('script/leo_point_mass.script', script);
    await s3.put('manifest.jsonl', manifest(`${url}/`));
    // Run 0 stored on its own; runs 1 and 2 by a batch, whose pack replaces an earlier attempt's files.
    await s3.put('runs/run-0/report__Track.parquet', table(0));
    await s3.put('runs/run-0/GmatLog.txt', log(0));
    await s3.put('runs/run-1/report__Track.parquet', Buffer.from('an earlier attempt'));
    await s3.put('runs/run-1/stale.txt', Buffer.from('not in the bundle'));
    await s3.put(
      packKey(1, 2),
      await encodePack([
        { runId: 1, name: 'report__Track.parquet', data: table(1) },
        { runId: 1, name: 'GmatLog.txt', data: log(1) },
        { runId: 2, name: 'GmatLog.txt', data: log(2) },
      ]),
    );
    expect((await archive(url, 's3')).equals(fromDir)).toBe(true);
  });

  it('names a missing run file by its address in the store', async () => {
    await seaweed.ready;
    const url = `s3://gsweep-archive/t-${Math.random().toString(36).slice(2)}/out`;
    const s3: Store = new S3Store(url, { client: seaweed.client });
    await s3.put('script/leo_point_mass.script', script);
    await s3.put('manifest.jsonl', manifest(`${url}/`));
    await s3.put('runs/run-0/report__Track.parquet', table(0));
    await expect(writeArchive({ outDir: url, zipPath: path.join(root, 'missing.zip'), packagerVersion: 'gsweep test' })).rejects.toThrow(
      `manifest entry for run_id=1 references missing output file: ${url}/runs/run-1/report__Track.parquet`,
    );
    expect(fs.existsSync(path.join(root, 'missing.zip'))).toBe(false);
  });
});
