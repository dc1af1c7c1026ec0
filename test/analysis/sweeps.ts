/**
 * Small real sweeps for the analysis and report tests, made by gsweep itself (stand-in
 * engine, one local Temporal dev server, one worker process), each made once per file.
 */
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MISSIONS, runCli, spawnWorker, startLocalTemporal, tempDir, type WorkerProcess } from '../helpers/temporal';

export const LEO = path.join(MISSIONS, 'leo_point_mass.script');

export interface SweepLab {
  address: string;
  dir: string;
  /** Runs `gsweep <args> --engine stand-in --out <dir>/<name> --address …`; returns the out dir. */
  sweep: (name: string, args: string[], expectCode?: number) => Promise<string>;
  close: () => Promise<void>;
}

export async function openSweepLab(): Promise<SweepLab> {
  const env: TestWorkflowEnvironment = await startLocalTemporal();
  const worker: WorkerProcess = spawnWorker(env.address, ['--concurrency', '2']);
  const dir = tempDir('gsweep-analysis-');
  return {
    address: env.address,
    dir,
    sweep: async (name, args, expectCode = 0) => {
      const out = path.join(dir, name);
      const r = await runCli([...args, '--engine', 'stand-in', '--out', out, '--address', env.address]);
      if (r.code !== expectCode) throw new Error(`gsweep ${args.join(' ')} exited ${r.code} (expected ${expectCode})\n${r.stdout}\n${r.stderr}`);
      return out;
    },
    close: async () => {
      await worker.stop('SIGKILL');
      await env.teardown();
    },
  };
}
