/**
 * A worker-like process for the run cache tests: runs leo_point_mass for each SMA given, in
 * order, into `<out>/runs/run-<i>`, with the run cache `<cache>`; prints one JSON line per run
 * (`{ sma, status, cached }`). With `--kill-when-publishing` it SIGKILLs itself at the moment
 * its first cache entry would be renamed into place: a worker killed while storing.
 *   node -r tsx/cjs cache-child.ts <gmat-root> <cache> <out> <sma,sma,...> [--kill-when-publishing]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const [gmatRoot, cacheDir, out, smas, flag] = process.argv.slice(2) as [string, string, string, string, string | undefined];
if (flag === '--kill-when-publishing') {
  // The module object itself (this file's namespace import is a read-only view of it): the
  // store's renames go through the patched function.
  const nodeFs = require('node:fs') as typeof fs;
  const rename = nodeFs.renameSync;
  nodeFs.renameSync = (from, to) => {
    if (String(to).includes(`${path.sep}v1${path.sep}entries${path.sep}`)) process.kill(process.pid, 'SIGKILL');
    return rename(from, to);
  };
}

async function main(): Promise<void> {
  const { DirectoryRunCache } = require('../../cache/store') as typeof import('../../cache/store');
  const { inspectInstall } = require('../../gmat/install') as typeof import('../../gmat/install');
  const { runMission } = require('../../gmat/run-mission') as typeof import('../../gmat/run-mission');
  const { canonicalScriptSha256 } = require('../../output/script-hash') as typeof import('../../output/script-hash');
  const { MISSIONS } = require('../helpers/temporal') as typeof import('../helpers/temporal');
  const install = inspectInstall(gmatRoot);
  if (typeof install === 'string') throw new Error(`${gmatRoot}: ${install}`);
  const scriptText = fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8');
  const cache = { store: new DirectoryRunCache(cacheDir), scriptSha256: canonicalScriptSha256(scriptText), postprocess: null };
  const values = smas.split(',').map(Number);
  for (const [i, sma] of values.entries()) {
    const r = await runMission({ scriptText, overrides: { 'Sat.SMA': sma }, runId: i, runDirectory: path.join(out, 'runs', `run-${i}`), install, timeoutMs: 120_000, cache, sweepId: path.basename(out) });
    process.stdout.write(`${JSON.stringify({ sma, status: r.outcome.status, cached: r.outcome.cached !== undefined })}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
