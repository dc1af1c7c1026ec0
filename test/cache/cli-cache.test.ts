// `--cache` through the CLI on real GMAT (embedded Temporal): a Monte Carlo extended with the
// cache, the same study re-run at the larger size served whole from it, a resume with it,
// and `gsweep cache stats|prune`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest, type ManifestEntry } from '../../output/manifest';
import { MISSIONS, runCli, tempDir } from '../helpers/temporal';
import { realGmatEnv } from '../helpers/real-gmat';
import { useRealGmat } from '../helpers/use-real-gmat';

const gmat = useRealGmat();
const root = tempDir('gsweep-cache-cli-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const cache = path.join(root, 'cache');
const MC = ['--perturb', 'Sat.SMA=normal:7000:20', '--seed', '7', '--concurrency', '2'];

const entries = (out: string): ManifestEntry[] => [...parseManifest(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8')).entries.values()];
const cachedIds = (out: string) => entries(out).filter((e) => e.cached).map((e) => e.run_id);

async function cli(args: string[]): Promise<string> {
  const r = await runCli(args, { env: realGmatEnv(gmat()), timeoutMs: 240_000 });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('gsweep --cache on real GMAT', () => {
  it('extend with the cache, a re-run at the larger size from it, resume with and without it, stats and prune', async () => {
    const a = path.join(root, 'a');
    await cli(['monte-carlo', LEO, '--n', '3', ...MC, '--out', a, '--cache', cache]);
    expect(cachedIds(a)).toEqual([]);
    // request.json never records the cache (resume and extend take it from their command line).
    expect(JSON.parse(fs.readFileSync(path.join(a, 'request.json'), 'utf8')).context.cache).toBeUndefined();

    await cli(['extend', a, '--n', '2', '--cache', cache]);
    expect(entries(a).map((e) => e.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(cachedIds(a)).toEqual([]);

    // The same study at n = 5 elsewhere: every run is one the cache holds.
    const b = path.join(root, 'b');
    await cli(['monte-carlo', LEO, '--n', '5', ...MC, '--out', b, '--cache', cache]);
    expect(cachedIds(b)).toEqual([0, 1, 2, 3, 4]);
    const line = entries(b)[3] as ManifestEntry;
    expect(line.cached?.from).toEqual({ sweep: expect.stringMatching(/^gsweep-leo_point_mass-/), run_dir: path.join(a, 'runs', 'run-3'), run_id: 3 });
    expect(line.cached?.key).toMatch(/^[0-9a-f]{64}$/);
    expect(line.overrides).toEqual(entries(a)[3]?.overrides);

    // Resume re-runs a lost run: from the cache when given one, by GMAT when not.
    fs.rmSync(path.join(b, 'runs', 'run-2'), { recursive: true });
    await cli(['resume', b]);
    expect(entries(b)[2]?.cached).toBeUndefined();
    fs.rmSync(path.join(b, 'runs', 'run-2'), { recursive: true });
    await cli(['resume', b, '--cache', cache]);
    expect(entries(b)[2]?.cached?.from).toMatchObject({ run_dir: path.join(a, 'runs', 'run-2') });

    const stats = JSON.parse(await cli(['cache', 'stats', cache, '--json']));
    expect(stats).toMatchObject({ root: cache, entries: 5, incoming: 0 });
    const pruned = JSON.parse(await cli(['cache', 'prune', cache, '--max-size', '0', '--json']));
    expect(pruned).toMatchObject({ removed: 5, kept: 0, keptBytes: 0 });
  });

  it('refuses an object store URL with the fix, before anything starts', async () => {
    const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--out', path.join(root, 'never'), '--cache', 's3://bucket/runs'], { env: realGmatEnv(gmat()) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gsweep: error: cache: "s3://bucket/runs": this gsweep keeps a run cache in a directory only; give a path every worker can reach');
    expect(fs.existsSync(path.join(root, 'never'))).toBe(false);
  });
});
