// Processes sharing one run cache on real GMAT: two sweeps at once over overlapping runs, and
// a worker killed while storing.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryRunCache } from '../../cache/store';
import { runKey } from '../../gmat/run-cache';
import { runMission } from '../../gmat/run-mission';
import { canonicalScriptSha256 } from '../../output/script-hash';
import { MISSIONS, REPO_ROOT, tempDir } from '../helpers/temporal';
import { useRealGmat } from '../helpers/use-real-gmat';

const gmat = useRealGmat();
const root = tempDir('gsweep-cache-shared-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const CHILD = path.join(__dirname, 'cache-child.ts');
const LEO = fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8');

interface ChildRun {
  sma: number;
  status: string;
  cached: boolean;
}

function child(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; runs: ChildRun[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['-r', 'tsx/cjs', CHILD, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stderr, runs: stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as ChildRun) }));
  });
}

describe('one run cache, several processes', () => {
  it('two sweeps at once over overlapping runs: every run ok, every entry whole, one entry per distinct run', async () => {
    const install = gmat();
    const cache = path.join(root, 'cache-two');
    // Same runs in opposite orders, so the two meet on every run while both are storing.
    const smas = Array.from({ length: 12 }, (_, i) => 6900 + 25 * i);
    const [a, b] = await Promise.all([
      child([install.root, cache, path.join(root, 'sweep-a'), smas.join(',')]),
      child([install.root, cache, path.join(root, 'sweep-b'), [...smas].reverse().join(',')]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect([...a.runs, ...b.runs].every((r) => r.status === 'ok')).toBe(true);
    expect(a.runs.map((r) => r.sma)).toEqual(smas);
    // Each SMA was served from the cache at most once of the two (the other sweep made it).
    for (const sma of smas) {
      const served = [...a.runs, ...b.runs].filter((r) => r.sma === sma && r.cached).length;
      expect(served, `SMA ${sma}`).toBeLessThanOrEqual(1);
    }
    const store = new DirectoryRunCache(cache);
    expect(store.stats()).toMatchObject({ entries: smas.length, incoming: 0 });
    const runCache = { store, scriptSha256: canonicalScriptSha256(LEO), postprocess: null };
    for (const sma of smas) expect(store.lookup(await runKey(runCache, install, { 'Sat.SMA': sma }, undefined)).kind, `SMA ${sma}`).toBe('hit');
  });

  it('a worker killed while storing leaves no entry, only an unfinished store; the run is stored by the next worker and prune clears the leftover', async () => {
    const install = gmat();
    const cache = path.join(root, 'cache-kill');
    const killed = await child([install.root, cache, path.join(root, 'sweep-k'), '7050', '--kill-when-publishing']);
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.runs).toEqual([]);
    const store = new DirectoryRunCache(cache);
    const runCache = { store, scriptSha256: canonicalScriptSha256(LEO), postprocess: null };
    const key = await runKey(runCache, install, { 'Sat.SMA': 7050 }, undefined);
    expect(store.lookup(key)).toEqual({ kind: 'miss' });
    expect(store.stats()).toMatchObject({ entries: 0, incoming: 1 });

    // The retried run (another worker) runs GMAT, stores, and the next one is a hit.
    const dir = path.join(root, 'sweep-k2', 'runs', 'run-0');
    const retried = await runMission({ scriptText: LEO, overrides: { 'Sat.SMA': 7050 }, runId: 0, runDirectory: dir, install, timeoutMs: 120_000, cache: runCache });
    expect(retried.outcome.cached).toBeUndefined();
    expect(store.lookup(key).kind).toBe('hit');
    // The killed writer's directory is removed once stale (here: at once).
    expect(store.prune(Number.MAX_SAFE_INTEGER, Date.now(), 0)).toMatchObject({ removed: 0, kept: 1, staleIncoming: 1 });
    expect(store.stats()).toMatchObject({ entries: 1, incoming: 0 });
  });
});
