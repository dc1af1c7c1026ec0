/** `gsweep cache stats|prune`: how big the run cache is, and bounding it (least recently used first). */
import type { Command } from 'commander';
import { DirectoryRunCache, parseSize } from '../../cache/store';
import { checkCacheDir, RequestError } from '../../request/request';

function cacheAt(dir: string | undefined): DirectoryRunCache {
  const resolved = checkCacheDir(dir ?? (process.env.GSWEEP_CACHE || undefined));
  if (!resolved) throw new RequestError('cache', 'give the run cache directory (gsweep cache stats DIR) or set GSWEEP_CACHE');
  return new DirectoryRunCache(resolved);
}

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

export function register(program: Command): void {
  const cache = program.command('cache').description('the run cache (--cache): its size, and bounding it');
  cache
    .command('stats')
    .description('entries, bytes and last use of a run cache')
    .argument('[dir]', 'run cache directory (default GSWEEP_CACHE)')
    .option('--json', 'print JSON')
    .action((dir: string | undefined, o: { json?: boolean }) => {
      const s = cacheAt(dir).stats();
      if (o.json) {
        process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${s.root}: ${s.entries} entries, ${human(s.bytes)}; least recently used ${iso(s.oldestUseMs)}, most recently ${iso(s.newestUseMs)}` +
          `${s.incoming > 0 ? `; ${s.incoming} unfinished stores (a writer at work, or killed: prune removes those over an hour old)` : ''}\n`,
      );
    });
  cache
    .command('prune')
    .description('remove least recently used entries until the cache fits --max-size, and what killed writers left')
    .argument('[dir]', 'run cache directory (default GSWEEP_CACHE)')
    .requiredOption('--max-size <size>', 'bytes the cache may keep: 500M, 10G, 1T (powers of 1024)')
    .option('--json', 'print JSON')
    .action((dir: string | undefined, o: { maxSize: string; json?: boolean }) => {
      let max: number;
      try {
        max = parseSize(o.maxSize);
      } catch (err) {
        throw new RequestError('max-size', (err as Error).message);
      }
      const store = cacheAt(dir);
      const r = store.prune(max);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `${store.root}: removed ${r.removed} entries (${human(r.freedBytes)}), kept ${r.kept} (${human(r.keptBytes)})` +
          `${r.staleIncoming > 0 ? `; removed ${r.staleIncoming} unfinished stores of killed writers` : ''}\n`,
      );
    });
}
