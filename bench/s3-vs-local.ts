/**
 * An `s3://` out against a directory out, on real GMAT (leo_point_mass.script, warm mode):
 * the same grid of N runs into a local directory and into a prefix of a local SeaweedFS S3
 * gateway (started here, the binary the tests use), alternating local/s3, s3/local over
 * `--repeat` pairs, each sweep on its own embedded Temporal dev server with an in-process
 * worker of `--slots` GMAT slots. Wall time is start to aggregate written (the s3 side
 * includes every upload and the aggregate streamed back from the store); figures are
 * medians and the headline is the ratio s3/local.
 *
 *   npx tsx bench/s3-vs-local.ts [--runs 1000] [--repeat 3] [--slots 2] [--gmat-root DIR] [--keep]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { withEmbeddedTemporal } from '../cli/local';
import { prepareRequest } from '../request/request';
import { startSweep } from '../api';
import { describeInstall, locateGmat } from '../gmat/install';
import { S3Store, s3ClientConfig } from '../output/s3-store';
import { startSeaweed } from '../test/helpers/seaweedfs';
import { fmt, numberFlag, parseArgs, printMachine, SHARED_MISSIONS } from './lib/common';

const MISSION = path.join(SHARED_MISSIONS, 'leo_point_mass.script');

/** CPU seconds of a process from /proc: itself, plus its children it has waited for when `withChildren`. */
function cpuSeconds(pid: number | 'self', withChildren: boolean): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  return ticks / 100;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function sweep(out: string, runs: number, slots: number, gmatRoot: string, scratch: string): Promise<{ wallS: number; ok: number; total: number }> {
  return withEmbeddedTemporal({ concurrency: slots, engine: { gmatRoot }, scratch }, async ({ client, settings }) => {
    const prepared = await prepareRequest({ script: MISSION, grid: { 'Sat.SMA': { lo: 6800, hi: 7400, count: runs } }, out, engineMode: 'warm', maxInFlight: Math.max(4, 4 * slots) });
    const t0 = performance.now();
    const handle = await startSweep(client, prepared, { taskQueue: settings.taskQueue, namespace: settings.namespace });
    const summary = await handle.result();
    return { wallS: (performance.now() - t0) / 1000, ok: summary.ok, total: summary.total };
  });
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const runs = numberFlag(flags, 'runs', 1000);
  const repeat = numberFlag(flags, 'repeat', 3);
  const slots = numberFlag(flags, 'slots', 2);
  const install = locateGmat({ gmatRoot: typeof flags['gmat-root'] === 'string' ? flags['gmat-root'] : undefined });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-bench-s3-'));
  const weed = await startSeaweed();
  Object.assign(process.env, weed.env);
  const s3 = new S3Client(s3ClientConfig());
  await s3.send(new CreateBucketCommand({ Bucket: 'gsweep-bench' }));
  // A new SeaweedFS allocates its volumes on the first write (seconds): not part of a sweep.
  const warm = new S3Store('s3://gsweep-bench/warm-up');
  await warm.put('x', 'x');
  await warm.delete('x');
  printMachine();
  console.log(`# ${describeInstall(install)}; ${runs} runs, ${slots} slots, ${repeat} pairs; SeaweedFS S3 at ${weed.endpoint}`);
  const local: number[] = [];
  const remote: number[] = [];
  const cpu = { local: [] as number[], s3: [] as number[] };
  const weedPid = weed.child().pid!;
  try {
    for (let r = 0; r < repeat; r++) {
      const order = r % 2 === 0 ? (['local', 's3'] as const) : (['s3', 'local'] as const);
      for (const which of order) {
        const out = which === 'local' ? path.join(root, `pair-${r}-local`) : `s3://gsweep-bench/pair-${r}`;
        // CPU of everything the sweep ran: this process, its dev server and GMAT consoles (reaped
        // when the sweep's worker stops), and the store. Less sensitive to load than wall time.
        const c0 = cpuSeconds('self', true) + cpuSeconds(weedPid, false);
        const s = await sweep(out, runs, slots, install.root, path.join(root, 'scratch'));
        const c = cpuSeconds('self', true) + cpuSeconds(weedPid, false) - c0;
        (which === 'local' ? local : remote).push(s.wallS);
        cpu[which].push(c);
        console.log(`pair ${r}: ${which.padEnd(5)} ${fmt(s.wallS)} s wall, ${fmt(c)} s CPU (${s.ok}/${s.total} ok)`);
        if (which === 'local' && !flags.keep) fs.rmSync(out, { recursive: true, force: true });
      }
    }
    console.log(`\n${runs} runs, median wall: local ${fmt(median(local))} s, s3 ${fmt(median(remote))} s`);
    console.log(`ratio s3/local: ${fmt(median(remote) / median(local), 3)} (target <= 1.10)`);
    console.log(`median CPU: local ${fmt(median(cpu.local))} s, s3 ${fmt(median(cpu.s3))} s (ratio ${fmt(median(cpu.s3) / median(cpu.local), 3)}), load(1m) after ${os.loadavg()[0]!.toFixed(2)}`);
  } finally {
    s3.destroy();
    await weed.stop();
    if (!flags.keep) fs.rmSync(root, { recursive: true, force: true });
    else console.log(`kept ${root}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
