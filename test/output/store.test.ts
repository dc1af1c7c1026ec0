/**
 * The Store contract, on both implementations: a directory and a real S3 gateway (SeaweedFS,
 * started here). Same calls, same answers; plus what only a store can get wrong (bad
 * credentials, a missing bucket, a prefix that is not empty, a second conditional create).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { S3Client } from '@aws-sdk/client-s3';
import { DirStore, checkKey, displayOf, parseS3Url, type ListOptions, type Store } from '../../output/store';
import { OutAccessError } from '../../output/out-access';
import { S3Store, s3ClientConfig } from '../../output/s3-store';
import { localizeManifest, pullOut } from '../../output/pull';
import { decodePack, encodePack, PackError, packKey, parsePackKey } from '../../output/run-pack';
import { openRunSource } from '../../output/run-source';
import { Workspace } from '../../output/workspace';
import { pythonJsonDumps } from '../../output/manifest';
import { useSeaweedBucket } from '../helpers/use-seaweed';
import { tempDir } from '../helpers/temporal';

const seaweed = useSeaweedBucket('gsweep-store');

const kinds: Array<[string, () => Store]> = [
  ['directory', () => new DirStore(tempDir('gsweep-store-'))],
  ['s3', () => new S3Store(`s3://gsweep-store/t-${Math.random().toString(36).slice(2)}/out`, { client: seaweed.client })],
];

describe.each(kinds)('Store (%s)', (_kind, make) => {
  it('writes, reads, lists and deletes by key', async () => {
    await seaweed.ready;
    const store = make();
    expect(await store.get('runs/run-0/outcome.json')).toBeUndefined();
    expect(await store.exists('manifest.jsonl')).toBe(false);
    await store.put('runs/run-0/outcome.json', '{"run_id":0}\n');
    await store.put('runs/run-1/outcome.json', new Uint8Array([1, 2, 3]));
    await store.put('manifest.jsonl', 'header\n');
    expect((await store.get('runs/run-0/outcome.json'))?.toString()).toBe('{"run_id":0}\n');
    expect(await store.exists('manifest.jsonl')).toBe(true);
    const listed: string[] = [];
    for await (const e of store.list('runs/')) listed.push(`${e.key}:${e.size}`);
    expect(listed.sort()).toEqual(['runs/run-0/outcome.json:13', 'runs/run-1/outcome.json:3']);
    await store.delete('runs/run-1/outcome.json');
    await store.delete('runs/run-9/never-there');
    expect(await store.get('runs/run-1/outcome.json')).toBeUndefined();
  });

  it('reads a byte range of an object, short at its end, and nothing for a missing one', async () => {
    await seaweed.ready;
    const store = make();
    await store.put('inputs/samples.jsonl', '0123456789');
    expect((await store.getRange('inputs/samples.jsonl', 2, 5))?.toString()).toBe('234');
    expect((await store.getRange('inputs/samples.jsonl', 8, 20))?.toString()).toBe('89');
    expect((await store.getRange('inputs/samples.jsonl', 10, 12))?.length).toBe(0);
    expect(await store.getRange('inputs/none.jsonl', 0, 4)).toBeUndefined();
  });

  it('moves large files both ways whole (multipart on a store)', async () => {
    await seaweed.ready;
    const store = make();
    const dir = tempDir('gsweep-store-files-');
    const big = path.join(dir, 'big.parquet');
    const bytes = Buffer.alloc(19 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) % 251;
    fs.writeFileSync(big, bytes);
    await store.putFile('report__Track.parquet', big);
    const back = path.join(dir, 'sub', 'back.parquet');
    expect(await store.getFile('report__Track.parquet', back)).toBe(true);
    expect(fs.readFileSync(back).equals(bytes)).toBe(true);
    expect(await store.getFile('missing.parquet', path.join(dir, 'nothing'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'nothing'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates exclusively once: the second create of a key is refused', async () => {
    await seaweed.ready;
    const store = make();
    expect(await store.createExclusive('.gsweep.lock', 'first')).toBe(true);
    expect(await store.createExclusive('.gsweep.lock', 'second')).toBe(false);
    expect((await store.get('.gsweep.lock'))?.toString()).toBe('first');
  });

  it('takes a new out for a sweep, and refuses it once it holds anything but the lock', async () => {
    await seaweed.ready;
    const store = make();
    const forNew = { emptyPrefix: true, ignore: ['.gsweep.lock'] };
    await store.checkAccess(forNew);
    await store.put('.gsweep.lock', '{}');
    await store.checkAccess(forNew);
    await store.put('manifest.jsonl', 'x');
    const refused = store.checkAccess(forNew);
    await expect(refused).rejects.toBeInstanceOf(OutAccessError);
    const resume = `(to finish an earlier sweep there, use \`gsweep resume ${store.url}\`)`;
    await expect(refused).rejects.toThrow(
      store.dir ? `${JSON.stringify(store.url)} is not empty; give a new directory ${resume}` : `${store.url} is not empty (it holds manifest.jsonl); give a new prefix ${resume}`,
    );
    await store.checkAccess();
  });

  it('lists only the keys directly under a prefix when asked for a shallow listing', async () => {
    await seaweed.ready;
    const store = make();
    for (const key of ['manifest.jsonl', 'report__Track.parquet', 'runs/run-0/outcome.json', 'script/leo.script', 'script/sub/deeper.script']) await store.put(key, 'x');
    const keys = async (prefix: string) => {
      const found: string[] = [];
      for await (const e of store.list(prefix, { shallow: true })) found.push(e.key);
      return found.sort();
    };
    expect(await keys('')).toEqual(['manifest.jsonl', 'report__Track.parquet']);
    expect(await keys('script/')).toEqual(['script/leo.script']);
    expect(await keys('runs/')).toEqual([]);
  });

  it('refuses keys that would leave the out', async () => {
    await seaweed.ready;
    const store = make();
    await expect(store.put('../escape', 'x')).rejects.toThrow('"../escape" is not a path gsweep writes inside an out');
    await expect(store.get('/etc/passwd')).rejects.toThrow('"/etc/passwd" is not a path gsweep writes inside an out');
  });
});

describe('a directory out: what only a directory can hold', () => {
  it('lists links, FIFOs and sub-directories only when asked, and refuses reading them, naming their role', async () => {
    const dir = tempDir('gsweep-store-special-');
    const store = new DirStore(dir);
    await store.put('manifest.jsonl', 'header\n');
    await store.put('runs/run-0/outcome.json', '{}');
    const elsewhere = path.join(tempDir('gsweep-store-elsewhere-'), 'report__Track.parquet');
    fs.writeFileSync(elsewhere, 'PAR1');
    fs.symlinkSync(elsewhere, path.join(dir, 'report__Track.parquet'));
    spawnSync('mkfifo', [path.join(dir, 'sobol.json')]);
    const keys = async (options: ListOptions) => {
      const found: string[] = [];
      for await (const e of store.list('', options)) found.push(e.key);
      return found;
    };
    expect(await keys({})).toEqual(['manifest.jsonl', 'runs/run-0/outcome.json']);
    expect(await keys({ shallow: true })).toEqual(['manifest.jsonl']);
    expect(await keys({ shallow: true, special: true })).toEqual(['manifest.jsonl', 'report__Track.parquet', 'runs', 'sobol.json']);
    expect(await keys({ special: true })).toEqual(['manifest.jsonl', 'report__Track.parquet', 'runs/run-0/outcome.json', 'sobol.json']);
    const table = path.join(dir, 'report__Track.parquet');
    await expect(store.get('report__Track.parquet', { what: 'table' })).rejects.toThrow(
      `table ${table} is a symbolic link; gsweep never makes links in an output directory and does not follow them, so replace it with the real file`,
    );
    await expect(store.get('sobol.json')).rejects.toThrow(`file ${path.join(dir, 'sobol.json')} is a FIFO (named pipe), not a regular file; gsweep reads only regular files, so replace it`);
    expect(displayOf(store, 'runs/run-0/outcome.json')).toBe(path.join(dir, 'runs', 'run-0', 'outcome.json'));
    expect(displayOf(new S3Store('s3://bucket/p', { client: new S3Client({}) }), 'report.html')).toBe('s3://bucket/p/report.html');
  });

  it('refuses, before any read, an out whose runs/ is a link', () => {
    const dir = tempDir('gsweep-store-tree-');
    const away = tempDir('gsweep-store-away-');
    fs.symlinkSync(away, path.join(dir, 'runs'));
    expect(() => new DirStore(dir).checkTree()).toThrow(
      `${path.join(dir, 'runs')} is a symbolic link; gsweep made it a directory and never writes or deletes through a link or other file it did not create: put the directory back, or use another output directory`,
    );
  });
});

describe('s3:// addresses and access checks', () => {
  it('parses s3://bucket/prefix and refuses malformed ones', () => {
    expect(parseS3Url('s3://gsweep-store/a/b/')).toEqual({ bucket: 'gsweep-store', prefix: 'a/b', url: 's3://gsweep-store/a/b' });
    expect(parseS3Url('s3://gsweep-store')).toEqual({ bucket: 'gsweep-store', prefix: '', url: 's3://gsweep-store' });
    expect(() => parseS3Url('s3://Bad_Bucket/x')).toThrow('"Bad_Bucket" is not an S3 bucket name');
    expect(() => parseS3Url('s3://gsweep-store/a/../b')).toThrow('the prefix "a/../b" may hold only');
    expect(checkKey('runs/run-3/outcome.json')).toBe('runs/run-3/outcome.json');
  });

  it('names the fix for a missing bucket, bad credentials and a prefix in use', async () => {
    await seaweed.ready;
    await expect(new S3Store('s3://no-such-bucket/x', { client: seaweed.client }).checkAccess()).rejects.toThrow(
      `s3://no-such-bucket/x: bucket no-such-bucket does not exist on ${seaweed.weed.endpoint}; create it first (aws s3 mb s3://no-such-bucket) or give another bucket`,
    );
    const wrong = new S3Client({ ...s3ClientConfig(process.env, 1), credentials: { accessKeyId: 'nobody', secretAccessKey: 'wrong-secret' } });
    await expect(new S3Store('s3://gsweep-store/x', { client: wrong }).checkAccess()).rejects.toThrow(
      's3://gsweep-store/x: the store refused these credentials',
    );
    wrong.destroy();
    const used = new S3Store('s3://gsweep-store/used', { client: seaweed.client });
    await used.put('manifest.jsonl', 'x');
    await expect(used.checkAccess({ emptyPrefix: true })).rejects.toThrow(
      's3://gsweep-store/used is not empty (it holds manifest.jsonl); give a new prefix (to finish an earlier sweep there, use `gsweep resume s3://gsweep-store/used`)',
    );
    await new S3Store('s3://gsweep-store/fresh', { client: seaweed.client }).checkAccess({ emptyPrefix: true });
  });
});

describe('gsweep pull: the manifest names the copy', () => {
  it('rewrites the store paths of a manifest to the copy, and nothing outside it', () => {
    const header = '{"run_count": 2}';
    const run0 = pythonJsonDumps({ run_id: 0, output_paths: { report__Track: 's3://b/p/runs/run-0/report__Track.parquet' }, extra_outputs: {}, solver_paths: {}, log_path: 's3://b/p/runs/run-0/GmatLog.txt' });
    const run1 = pythonJsonDumps({ run_id: 1, output_paths: { report__Track: 's3://b/p/../../etc/passwd', other: 's3://elsewhere/x.parquet', odd: 's3://b/p/runs/r un/x' }, extra_outputs: {}, solver_paths: {}, log_path: null });
    const [, a, b] = localizeManifest([header, run0, run1, ''].join('\n'), 's3://b/p', '/copy').split('\n').filter(Boolean).map((l, i) => (i === 0 ? {} : JSON.parse(l)));
    expect(a.output_paths.report__Track).toBe('/copy/runs/run-0/report__Track.parquet');
    expect(a.log_path).toBe('/copy/runs/run-0/GmatLog.txt');
    // `..` cannot climb out of the copy; another bucket and a path that is no key stay as they were.
    expect(b.output_paths.report__Track).toBe('/copy/etc/passwd');
    expect(b.output_paths.other).toBe('s3://elsewhere/x.parquet');
    expect(b.output_paths.odd).toBe('s3://b/p/runs/r un/x');
  });
});

describe('run packs: the runs of a batch in one object', () => {
  const outcome = (id: number, tag: string) => `${JSON.stringify({ run_id: id, status: 'ok', tag, tables: { report__Track: { rows: 1 } } })}\n`;

  /** Writes a run directory in the workspace's mirror as a finished run leaves it. */
  const finish = (ws: Workspace, id: number, tag: string) => {
    const dir = path.join(ws.local, 'runs', `run-${id}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'report__Track.parquet'), `PAR1 ${tag} ${id} PAR1`);
    fs.writeFileSync(path.join(dir, 'GmatLog.txt'), 'log');
    fs.writeFileSync(path.join(dir, 'outcome.json'), outcome(id, tag));
  };

  it('the latest pack holds a run; a pack beats a per-run object; pull and the aggregate agree', async () => {
    await seaweed.ready;
    const url = `s3://gsweep-store/packs-${Math.random().toString(36).slice(2)}/out`;
    const scratch = tempDir('gsweep-packs-');
    const ws = Workspace.open(url, scratch);
    try {
      // Run 2 as an older per-run object, run 3 only as one.
      const store = ws.store;
      await store.put('runs/run-2/outcome.json', outcome(2, 'single'));
      await store.put('runs/run-2/report__Track.parquet', 'PAR1 single 2 PAR1');
      await store.put('runs/run-3/outcome.json', outcome(3, 'single'));
      await store.put('runs/run-3/report__Track.parquet', 'PAR1 single 3 PAR1');
      const first = ws.packer();
      for (const id of [0, 1, 2]) {
        finish(ws, id, 'first');
        first.add(id);
        expect(fs.existsSync(path.join(ws.local, 'runs', `run-${id}`))).toBe(false);
      }
      await first.flush();
      await new Promise((r) => setTimeout(r, 5));
      const again = ws.packer();
      finish(ws, 1, 'again');
      again.add(1);
      await again.flush();
      await again.flush(); // nothing pending: no empty pack
      const keys: string[] = [];
      for await (const e of store.list('packs/')) keys.push(e.key);
      expect(keys).toHaveLength(2);

      const copy = path.join(scratch, 'copy');
      await pullOut(store, copy);
      const read = (id: number, name: string) => fs.readFileSync(path.join(copy, 'runs', `run-${id}`, name), 'utf8');
      expect([0, 1, 2, 3].map((id) => JSON.parse(read(id, 'outcome.json')).tag)).toEqual(['first', 'again', 'first', 'single']);
      expect(read(1, 'report__Track.parquet')).toBe('PAR1 again 1 PAR1');
      // The log stays in scratch unless --keep-logs; the outcome then names none.
      expect(fs.readdirSync(path.join(copy, 'runs', 'run-0')).sort()).toEqual(['outcome.json', 'report__Track.parquet']);

      const runs = await openRunSource(new S3Store(url));
      const text = async (bytes: Promise<Buffer | undefined>) => (await bytes)?.toString('utf8');
      expect(await Promise.all([0, 1, 2, 3].map(async (id) => JSON.parse((await text(runs.outcome(id)))!).tag))).toEqual(['first', 'again', 'first', 'single']);
      expect(runs.tableProblem?.(1, 'report__Track.parquet')).toBeNull();
      expect(runs.tableProblem?.(1, 'other.parquet')).toBe('missing');
      for (const id of [0, 1, 2, 3]) {
        expect(await text(runs.table(id, 'report__Track.parquet'))).toBe(`PAR1 ${['first', 'again', 'first', 'single'][id]} ${id} PAR1`);
        runs.release?.(id);
        expect(await runs.outcome(id)).toBeUndefined();
      }
    } finally {
      ws.close();
    }
  });

  it('refuses a pack whose entries are not the runs its name gives, or not a tar at all', async () => {
    const bytes = await encodePack([{ runId: 4, name: 'outcome.json', data: Buffer.from('{}') }]);
    const k = parsePackKey(packKey(4, 4))!;
    expect((await decodePack(bytes, k)).map((e) => [e.runId, e.name, e.size])).toEqual([[4, 'outcome.json', 2]]);
    const other = parsePackKey(packKey(5, 9))!;
    await expect(decodePack(bytes, other)).rejects.toThrow(new PackError(`${other.key}: the entry "run-4/outcome.json" is not a run's file of runs 5-9`));
    await expect(decodePack(Buffer.alloc(1024, 65), k)).rejects.toThrow(`${k.key} is not a readable pack:`);
    expect(parsePackKey('packs/../../etc-1-2.tar')).toBeUndefined();
    expect(parsePackKey('packs/000000000000001abcdef-9-2.tar')).toBeUndefined();
  });
});
