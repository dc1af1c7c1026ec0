/**
 * Programmatic starts from another language: Temporal's Python SDK (temporalio from PyPI, in a
 * cached venv) starts `sweepWorkflow` by its name on the TypeScript workers' task queue with a
 * plain JSON request, waits for it and reads the aggregate with pandas. A real Temporal dev
 * server, an in-process TypeScript worker (createSweepWorker) and real GMAT R2026a.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GmatInstall } from '../../../gmat/install';
import { manifestPath } from '../../helpers/out-paths';
import { parseManifest } from '../../../output/manifest';
import { readOutLock } from '../../helpers/out-lock';
import { prepareRequest } from '../../../request/request';
import { REQUEST_FAILURE_TYPE } from '../../../sweep/types';
import { createSweepWorker, type SweepWorker } from '../../../workers/worker';
import { temporalPython } from '../../helpers/temporal-python-venv';
import { MISSIONS, startLocalTemporal, tempDir } from '../../helpers/temporal';
import { useRealGmat } from '../../helpers/use-real-gmat';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const SCRIPT = path.join(__dirname, 'start_sweep.py');
const TASK_QUEUE = 'gsweep-from-python';

interface Printed {
  status: 'completed' | 'failed';
  [key: string]: unknown;
}

describe('a sweep started from Python by workflow name (temporalio + pandas) on TypeScript workers', () => {
  const root = tempDir('gsweep-python-');
  const gmat = useRealGmat();
  let python: string;
  let install: GmatInstall;
  let env: TestWorkflowEnvironment | undefined;
  let sweepWorker: SweepWorker | undefined;
  let running: Promise<void> | undefined;
  // A throwing beforeAll would report the tests as skipped: keep its failure for them to throw.
  let failure: unknown;
  const ready = () => {
    if (failure !== undefined) throw failure;
  };

  beforeAll(async () => {
    try {
      python = temporalPython();
      install = gmat();
      env = await startLocalTemporal();
      sweepWorker = await createSweepWorker(
        { address: env.address, namespace: env.namespace ?? 'default', taskQueue: TASK_QUEUE },
        { connection: env.nativeConnection, concurrency: 2, engine: { gmatRoot: install.root } },
      );
      running = sweepWorker.worker.run();
    } catch (e) {
      failure = e;
    }
  }, 600_000);

  afterAll(async () => {
    if (sweepWorker && sweepWorker.worker.getState() === 'RUNNING') sweepWorker.worker.shutdown();
    await running;
    await env?.teardown();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Runs test/e2e/python/start_sweep.py (asynchronously: the worker runs in this process). */
  function startFromPython(workflowId: string, request: Record<string, unknown>): Promise<{ code: number; printed: Printed; stderr: string }> {
    const file = path.join(root, `${workflowId}.request.json`);
    fs.writeFileSync(file, JSON.stringify(request));
    return new Promise((resolve, reject) => {
      execFile(python, [SCRIPT, env!.address, TASK_QUEUE, workflowId, file], { timeout: 300_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        // A non-zero exit is err.code (a number); anything else (a signal, a timeout) is -1.
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        if (code === -1) stderr += `\n${String(err)}`;
        const last = stdout.trim().split('\n').pop() ?? '';
        try {
          const printed = JSON.parse(last) as Printed;
          console.log(`start_sweep.py ${workflowId} (exit ${code}): ${last}`);
          resolve({ code, printed, stderr });
        } catch {
          reject(new Error(`start_sweep.py printed no JSON (exit ${code}):\n${stdout}\n${stderr}`));
        }
      });
    });
  }

  it('20-run grid of leo_point_mass on real GMAT: started by name, waited for, report__Track.parquet read with pandas; counts agree with the manifest', async () => {
    ready();
    const out = path.join(root, 'leo');
    const { code, printed, stderr } = await startFromPython('py-leo', {
      script: LEO,
      grid: { 'Sat.SMA': { lo: 6800, hi: 7400, count: 20 } },
      out,
      engine: 'gmat',
    });
    expect(code, stderr).toBe(0);

    const { header, entries } = parseManifest(fs.readFileSync(manifestPath(out), 'utf8'));
    const runs = [...entries.values()];
    const ok = runs.filter((e) => e.status === 'ok');
    expect(header).toMatchObject({ run_count: 20 });
    expect(ok).toHaveLength(20);
    // What pandas read is the aggregate of exactly the runs the manifest lists, row for row.
    let rows = 0;
    for (const run of ok) {
      const file = Object.entries(run.output_paths).find(([name]) => name.includes('Track'))?.[1];
      expect(file, `run ${run.run_id} output_paths`).toBeDefined();
      // Manifest paths are relative to the out.
      const buffer = fs.readFileSync(path.join(out, file!));
      rows += Number(parquetMetadata(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)).num_rows);
    }
    expect(rows).toBeGreaterThan(20);
    expect(printed).toMatchObject({ status: 'completed', sweep_id: 'py-leo', ok: ok.length, failed: 0, rows, runs: ok.length });
    expect(printed.run_ids).toEqual(ok.map((e) => e.run_id).sort((a, b) => a - b));
    expect(printed.columns).toEqual(expect.arrayContaining(['run_id', 'Sat.Earth.SMA']));

    // The worker prepared it as startSweep would have: memo for `gsweep list`, the request
    // archived for resume, and the lock on `out` held by the workflow.
    const description = await env!.client.workflow.getHandle('py-leo').describe();
    expect(description.memo).toEqual({ script: 'leo_point_mass.script', runCount: 20, outDir: out, runSet: 'grid' });
    expect(await readOutLock(out)).toMatchObject({ sweepId: 'py-leo', workflowId: 'py-leo', workflowRunId: description.runId, embedded: false });
    const archived = JSON.parse(fs.readFileSync(path.join(out, 'request.json'), 'utf8'));
    expect(archived.context).toMatchObject({ sweepId: 'py-leo', outDir: out, scriptName: 'leo_point_mass.script', engine: { kind: 'gmat' } });
  }, 600_000);

  it('a bad request (unknown override key): the sweep fails with gsweep’s one-sentence message, which Python prints; nothing is created', async () => {
    ready();
    const out = path.join(root, 'bad');
    const request = { script: LEO, grid: { 'Bogus.SMA': [7000, 7100] }, out, engine: 'gmat' };
    const refused = await prepareRequest({ ...request, sweepId: 'py-bad' }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(refused).toMatch(/^grid\.Bogus\.SMA: override "Bogus\.SMA" = 7000: the script creates no resource named "Bogus"; resources in the script: /);

    const { code, printed, stderr } = await startFromPython('py-bad', request);
    expect(code, stderr).toBe(1);
    expect(printed).toEqual({ status: 'failed', type: REQUEST_FAILURE_TYPE, message: refused });
    expect(fs.existsSync(out)).toBe(false);
    // Refused once, not retried: one prepareRequest attempt, no sweep activity after it.
    const history = await env!.client.workflow.getHandle('py-bad').fetchHistory();
    const scheduled = history.events!.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name] : []));
    expect(scheduled).toEqual(['gsweep.prepareRequest']);
    const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes);
    expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
  }, 300_000);
});
