// The directory store of the run cache: checked look-ups, atomic stores, stats and LRU prune.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryRunCache, parseSize } from '../../cache/store';
import { tempDir } from '../helpers/temporal';

const root = tempDir('gsweep-cache-store-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const K = (c: string) => c.repeat(64).slice(0, 64);

/** A finished "run directory" with two files. */
function runDir(content = 'rows'): string {
  const dir = path.join(root, `run-${n++}`);
  fs.mkdirSync(path.join(dir, 'extra'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'report__Track.parquet'), `PAR1 ${content} PAR1`);
  fs.writeFileSync(path.join(dir, 'GmatLog.txt'), 'log\n');
  fs.writeFileSync(path.join(dir, 'extra', 'summary.csv'), 'a,b\n1,2\n');
  return dir;
}
const FILES = ['GmatLog.txt', 'extra/summary.csv', 'report__Track.parquet'];

function filled(key = K('a')): { cache: DirectoryRunCache; reports: string[]; dir: string } {
  const reports: string[] = [];
  const cache = new DirectoryRunCache(path.join(root, `cache-${n++}`), (k, reason) => reports.push(`${k}: ${reason}`));
  expect(cache.store(key, runDir(), FILES, { status: 'ok' }, { sweep: 's', run_id: 1 })).toBe(true);
  return { cache, reports, dir: cache.entryDir(key) };
}

describe('DirectoryRunCache', () => {
  it('is a miss before a store and a hit after, with the result and where it came from', () => {
    const cache = new DirectoryRunCache(path.join(root, 'fresh'));
    expect(cache.lookup(K('a'))).toEqual({ kind: 'miss' });
    cache.store(K('a'), runDir(), FILES, { status: 'ok', n: 1 }, { sweep: 's', run_id: 1 });
    const found = cache.lookup(K('a'));
    expect(found.kind).toBe('hit');
    if (found.kind !== 'hit') return;
    expect(found.entry.record.result).toEqual({ status: 'ok', n: 1 });
    expect(found.entry.record.from).toEqual({ sweep: 's', run_id: 1 });
    expect(Object.keys(found.entry.record.files).sort()).toEqual(FILES);
    const target = path.join(root, `target-${n++}`);
    fs.mkdirSync(target);
    cache.copyInto(found.entry, target);
    expect(fs.readFileSync(path.join(target, 'extra', 'summary.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(fs.statSync(path.join(target, 'report__Track.parquet')).ino).toBe(fs.statSync(path.join(found.entry.dir, 'report__Track.parquet')).ino);
  });

  it('a second store of a whole entry keeps the first (same result) and says so', () => {
    const { cache } = filled();
    expect(cache.store(K('a'), runDir('other'), FILES, { status: 'ok' }, { sweep: 't', run_id: 2 })).toBe(false);
    const found = cache.lookup(K('a'));
    expect(found.kind === 'hit' && found.entry.record.from).toEqual({ sweep: 's', run_id: 1 });
    expect(fs.readdirSync(path.join(cache.root, 'v1', 'incoming'))).toEqual([]);
  });

  const damages: [string, (dir: string) => void, string | RegExp][] = [
    ['a truncated table', (d) => fs.truncateSync(path.join(d, 'report__Track.parquet'), 3), 'report__Track.parquet has 3 bytes, expected 14'],
    ['a changed table of the same size', (d) => fs.writeFileSync(path.join(d, 'report__Track.parquet'), 'PAR1 rowz PAR1'), 'report__Track.parquet does not match its SHA-256'],
    ['a missing file', (d) => fs.rmSync(path.join(d, 'GmatLog.txt')), 'GmatLog.txt is missing'],
    ['a symbolic link for a file', (d) => {
      fs.rmSync(path.join(d, 'GmatLog.txt'));
      fs.symlinkSync('/etc/hostname', path.join(d, 'GmatLog.txt'));
    }, 'GmatLog.txt is not a regular file'],
    ['a truncated entry.json', (d) => fs.truncateSync(path.join(d, 'entry.json'), 40), /^entry\.json is not JSON \(Unterminated string in JSON at position 40/],
    ['an edited result', (d) => {
      const e = JSON.parse(fs.readFileSync(path.join(d, 'entry.json'), 'utf8'));
      e.result.status = 'failed';
      fs.writeFileSync(path.join(d, 'entry.json'), JSON.stringify(e));
    }, 'entry.json does not match its checksum'],
    ['a file name that is a path', (d) => {
      const e = JSON.parse(fs.readFileSync(path.join(d, 'entry.json'), 'utf8'));
      e.files['../../../../outside'] = e.files['GmatLog.txt'];
      fs.writeFileSync(path.join(d, 'entry.json'), JSON.stringify(e));
    }, 'entry.json: files.../../../../outside: Invalid key in record'],
  ];
  for (const [what, damage, reason] of damages) {
    it(`${what}: a miss, reported once, replaced by the next store`, () => {
      const { cache, reports, dir } = filled();
      damage(dir);
      const first = cache.lookup(K('a'));
      expect(first.kind).toBe('damaged');
      const said = first.kind === 'damaged' ? first.reason : '';
      if (typeof reason === 'string') expect(said).toBe(reason);
      else expect(said).toMatch(reason);
      expect(cache.lookup(K('a'))).toEqual({ kind: 'damaged', reason: said });
      expect(reports).toEqual([`${K('a')}: ${said}`]);
      expect(cache.store(K('a'), runDir('new'), FILES, { status: 'ok', again: true }, { sweep: 'u', run_id: 3 })).toBe(true);
      const found = cache.lookup(K('a'));
      expect(found.kind === 'hit' && found.entry.record.result).toEqual({ status: 'ok', again: true });
      expect(fs.existsSync(path.join(cache.root, 'v1', 'discarded')) ? fs.readdirSync(path.join(cache.root, 'v1', 'discarded')) : []).toEqual([]);
    });
  }

  it('refuses to store a file name that is a path', () => {
    const cache = new DirectoryRunCache(path.join(root, 'names'));
    expect(() => cache.store(K('b'), runDir(), ['../x'], {}, {})).toThrow('run cache: "../x" is not a file name an entry can hold');
    expect(cache.lookup(K('b'))).toEqual({ kind: 'miss' });
  });

  it('refuses an object store URL and a relative path', () => {
    expect(() => new DirectoryRunCache('s3://bucket/cache')).toThrow('run cache "s3://bucket/cache": only a directory can hold a run cache in this version of gsweep; give a path');
    expect(() => new DirectoryRunCache('rel/cache')).toThrow('run cache "rel/cache" must be an absolute path');
  });

  it('stats counts entries and bytes; prune removes the least recently used first, down to --max-size', () => {
    const cache = new DirectoryRunCache(path.join(root, 'lru'));
    const keys = [K('1'), K('2'), K('3')];
    keys.forEach((k) => cache.store(k, runDir(), FILES, {}, {}));
    const s = cache.stats();
    expect(s.entries).toBe(3);
    const entryBytes = s.bytes / 3;
    expect(entryBytes).toBeGreaterThan(0);
    // Uses: key 2 long ago, key 1 a while ago, key 3 now (a lookup records its use).
    fs.utimesSync(cache.entryDir(keys[1]), new Date(1e12), new Date(1e12));
    fs.utimesSync(cache.entryDir(keys[0]), new Date(1.5e12), new Date(1.5e12));
    expect(cache.lookup(keys[2]).kind).toBe('hit');
    const r = cache.prune(Math.ceil(entryBytes * 1.5));
    expect(r).toMatchObject({ removed: 2, kept: 1, staleIncoming: 0 });
    expect(keys.map((k) => cache.lookup(k).kind)).toEqual(['miss', 'miss', 'hit']);
  });

  it('prune removes unfinished stores of killed writers once stale, never a fresh one', () => {
    const cache = new DirectoryRunCache(path.join(root, 'stale'));
    const incoming = path.join(cache.root, 'v1', 'incoming');
    fs.mkdirSync(path.join(incoming, `${K('e')}.1.old`), { recursive: true });
    fs.mkdirSync(path.join(incoming, `${K('e')}.2.new`), { recursive: true });
    fs.utimesSync(path.join(incoming, `${K('e')}.1.old`), new Date(1e12), new Date(1e12));
    expect(cache.stats().incoming).toBe(2);
    expect(cache.prune(1e12).staleIncoming).toBe(1);
    expect(fs.readdirSync(incoming)).toEqual([`${K('e')}.2.new`]);
  });
});

describe('parseSize', () => {
  it('reads bytes and K/M/G/T (powers of 1024)', () => {
    expect([parseSize('4096'), parseSize('500M'), parseSize('10G'), parseSize('1.5k'), parseSize('2TiB')]).toEqual([4096, 500 * 2 ** 20, 10 * 2 ** 30, 1536, 2 * 2 ** 40]);
  });
  it('refuses anything else with the fix', () => {
    expect(() => parseSize('ten gigs')).toThrow('"ten gigs" is not a size; give bytes or a number with K, M, G or T (e.g. 10G)');
  });
});
