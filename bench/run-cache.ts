/**
 * The run cache on overlapping sweeps: analysts sweep a coarse grid, then a larger one that
 * contains it. Measures, on real GMAT (leo_point_mass.script, warm mode):
 *
 *   (a) the large grid without a cache;
 *   (b) the large grid with a cache that already holds the small grid (filled by running the
 *       small grid with the cache first, not timed);
 *
 * alternating a/b, b/a over `--repeat` pairs, each sweep on its own embedded Temporal dev
 * server with an in-process worker of `--slots` GMAT slots; figures are medians. The ratio
 * b/a is the headline. The grids are Sat.SMA (N values) × Sat.ECC: one ECC value for the
 * small grid, two for the large one, so the large grid holds the small one's runs exactly.
 *
 * Then the cost of a miss: for every run of an (a) sweep, in process, the time of the key
 * (runKey), the look-up that misses (findCached) and the store (storeRun) into an empty
 * cache, per run: the work a run does for the cache when the cache cannot help it.
 *
 *   npx tsx bench/run-cache.ts [--small 1000] [--repeat 3] [--slots 2] [--gmat-root DIR] [--keep]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withEmbeddedTemporal } from '../cli/local';
import { prepareRequest } from '../request/request';
import { startSweep } from '../api';
import { DirectoryRunCache } from '../cache/store';
import { describeInstall, locateGmat } from '../gmat/install';
import { findCached, runKey, storeRun, type RunCache } from '../gmat/run-cache';
import { readOutcome } from '../output/outcome';
import { DirRunSource } from '../output/run-source';
import { DirStore } from '../output/store';
import { canonicalScriptSha256 } from '../output/script-hash';
import { fmt, numberFlag, parseArgs, printMachine, SHARED_MISSIONS } from './lib/common';

const MISSION = path.join(SHARED_MISSIONS, 'leo_point_mass.script');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

function grid(n: number, eccs: number[]) {
  return { 'Sat.SMA': { lo: 6800, hi: 7400, count: n }, 'Sat.ECC': eccs };
}

/** One sweep on its own embedded server; returns its wall time (start to aggregate written). */
async function sweep(out: string, n: number, eccs: number[], slots: number, gmatRoot: string, cache?: string): Promise<{ wallS: number; ok: number; total: number }> {
  return withEmbeddedTemporal({ concurrency: slots, engine: { gmatRoot } }, async ({ client, settings }) => {
    const prepared = await prepareRequest({ script: MISSION, grid: grid(n, eccs), out, engineMode: 'warm', maxInFlight: Math.max(4, 4 * slots), ...(cache ? { cache } : {}) });
    const t0 = performance.now();
    const handle = await startSweep(client, prepared, { taskQueue: settings.taskQueue, namespace: settings.namespace });
    const summary = await handle.result();
    return { wallS: (performance.now() - t0) / 1000, ok: summary.ok, total: summary.total };
  });
}

/** Per-run time of key + missing look-up + store, over the runs of a finished sweep. */
async function missCost(out: string, runCount: number, cacheDir: string, gmatRoot: string): Promise<{ perRunMs: number[]; stored: number }> {
  const install = locateGmat({ gmatRoot });
  const cache: RunCache = { store: new DirectoryRunCache(cacheDir), scriptSha256: canonicalScriptSha256(fs.readFileSync(MISSION, 'utf8')), postprocess: null };
  await runKey(cache, install, {}, undefined); // the engine fingerprint: once per worker, not per run
  const perRunMs: number[] = [];
  const runs = new DirRunSource(new DirStore(out));
  for (let id = 0; id < runCount; id++) {
    const outcome = await readOutcome(runs, id);
    if (!outcome || outcome.status !== 'ok') continue;
    const dir = path.join(out, 'runs', `run-${id}`);
    const t0 = performance.now();
    const key = await runKey(cache, install, outcome.overrides, undefined);
    if (findCached(cache, key, () => {}) !== null) throw new Error(`run ${id}: expected a miss`);
    const problem = storeRun(cache, key, dir, outcome, { sweep: 'bench', run_dir: dir, run_id: id });
    perRunMs.push(performance.now() - t0);
    if (problem) throw new Error(problem);
  }
  return { perRunMs, stored: cache.store.stats().entries };
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const small = numberFlag(flags, 'small', 1000);
  const repeat = numberFlag(flags, 'repeat', 3);
  const slots = numberFlag(flags, 'slots', 2);
  const install = locateGmat({ gmatRoot: typeof flags['gmat-root'] === 'string' ? flags['gmat-root'] : undefined });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-bench-run-cache-'));
  printMachine();
  console.log(`# ${describeInstall(install)}; small grid ${small} runs, large grid ${2 * small} runs (contains it), ${slots} slots, ${repeat} pairs`);
  const without: number[] = [];
  const withCache: number[] = [];
  let lastWithout = '';
  try {
    for (let r = 0; r < repeat; r++) {
      const order = r % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const);
      for (const which of order) {
        const base = path.join(root, `pair-${r}-${which}`);
        if (which === 'without') {
          const s = await sweep(path.join(base, 'large'), small, [0.0012, 0.0024], slots, install.root);
          without.push(s.wallS);
          lastWithout = path.join(base, 'large');
          console.log(`pair ${r}: large grid without cache   ${fmt(s.wallS)} s (${s.ok}/${s.total} ok)`);
        } else {
          const cache = path.join(base, 'cache');
          const fill = await sweep(path.join(base, 'small'), small, [0.0012], slots, install.root, cache);
          const s = await sweep(path.join(base, 'large'), small, [0.0012, 0.0024], slots, install.root, cache);
          withCache.push(s.wallS);
          console.log(`pair ${r}: large grid with cache       ${fmt(s.wallS)} s (${s.ok}/${s.total} ok; the small grid filled it in ${fmt(fill.wallS)} s)`);
        }
        if (which === 'with' && !flags.keep) fs.rmSync(path.join(base, 'small'), { recursive: true, force: true });
      }
    }
    const ratio = median(withCache) / median(without);
    console.log(`\nlarge grid (${2 * small} runs), median wall: without cache ${fmt(median(without))} s, with the small grid cached ${fmt(median(withCache))} s`);
    console.log(`ratio with/without: ${fmt(ratio, 3)} (target <= 0.55)`);

    const miss = await missCost(lastWithout, 2 * small, path.join(root, 'miss-cache'), install.root);
    const total = miss.perRunMs.reduce((a, b) => a + b, 0);
    console.log(
      `miss cost (key + look-up + store) over ${miss.perRunMs.length} real runs: median ${fmt(median(miss.perRunMs), 3)} ms, ` +
        `mean ${fmt(total / miss.perRunMs.length, 3)} ms, max ${fmt(Math.max(...miss.perRunMs), 3)} ms per run (target <= 2 ms); ${miss.stored} entries stored`,
    );
  } finally {
    if (!flags.keep) fs.rmSync(root, { recursive: true, force: true });
    else console.log(`kept ${root}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
