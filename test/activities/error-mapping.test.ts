/**
 * What the workflow sees when an activity fails: gsweep's activities run in Temporal's
 * MockActivityEnvironment (no server) and each failure kind must come out as the
 * ApplicationFailure type the workflow treats as final, or as a plain retryable error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { SUCCESS_LINE } from '../../gmat/console';
import { canonicalScriptSha256 } from '../../output/script-hash';
import type { Overrides } from '../../sweep/overrides';
import { RUN_FAILURE_TYPES, type EngineRequest, type RunReport, type RunSet, type SweepContext, type SweepInput } from '../../sweep/types';
import { fakeInstall } from '../helpers/fake-gmat';
import { MISSIONS, tempDir } from '../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const root = fs.realpathSync(tempDir('gsweep-activities-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

/** The SDK logs every failed activity as a warning; these failures are the point of the test. */
const mockEnv = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

function context(engine: EngineRequest, scriptPath = LEO): SweepContext {
  return {
    sweepId: `mock-${n}`,
    outDir: path.join(root, `out-${n++}`),
    scriptPath,
    scriptName: path.basename(scriptPath),
    scriptSha256: canonicalScriptSha256(fs.readFileSync(scriptPath, 'utf8')),
    engine,
    runTimeoutMs: 60_000,
  };
}

function input(ctx: SweepContext, runSet: RunSet = { kind: 'grid', axes: { 'Sat.SMA': [7000] } }): SweepInput {
  return {
    context: ctx,
    runSet,
    runCount: 1,
    maxInFlight: 1,
    retry: { maximumAttempts: 1, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 1000 },
    heartbeatTimeoutMs: 10_000,
    searchAttributes: false,
  };
}

/** Prepares the sweep's directory, then runs runGmat for run 0 with `overrides`. */
async function runGmat(ctx: SweepContext, overrides: Overrides, env = mockEnv()): Promise<RunReport> {
  const activities = createActivities();
  await mockEnv().run(activities.prepareSweep, { input: input(ctx) });
  return env.run(activities.runGmat, { context: ctx, runId: 0, overrides });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

function expectFinal(err: unknown, type: string, message: string | RegExp) {
  expect(err).toBeInstanceOf(ApplicationFailure);
  const f = err as ApplicationFailure;
  expect(f.type).toBe(type);
  expect(f.nonRetryable).toBe(true);
  if (typeof message === 'string') expect(f.message).toBe(message);
  else expect(f.message).toMatch(message);
  return f;
}

describe('runGmat error mapping (MockActivityEnvironment)', () => {
  it('a run GMAT accepts reports ok and heartbeats while it runs', async () => {
    const env = mockEnv();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    // Heartbeats start after 1 s (a shorter run needs none), so the stand-in is made to take 2.5 s.
    process.env.GSWEEP_STANDIN_DELAY_MS = '2500';
    try {
      const report = await runGmat(context({ kind: 'stand-in' }), { 'Sat.SMA': 7100 }, env);
      expect(report).toMatchObject({ runId: 0, status: 'ok' });
      expect(report.rows).toBeGreaterThan(0);
    } finally {
      delete process.env.GSWEEP_STANDIN_DELAY_MS;
    }
    expect(beats.length).toBeGreaterThanOrEqual(1);
  });

  it('GMAT rejecting a value: final GmatRejected with the engine message, run id and log path', async () => {
    const ctx = context({ kind: 'stand-in' });
    const err = await failure(runGmat(ctx, { 'Sat.SMA': 0 }));
    const f = expectFinal(err, RUN_FAILURE_TYPES.rejected, /The value of "0" for field "SMA" on object "Sat" is not an allowed value/);
    expect(f.details?.[0]).toMatchObject({ runId: 0, kind: 'rejected', logPath: path.join(ctx.outDir, 'runs', 'run-0', 'GmatLog.txt') });
  });

  it('an override the script cannot take: final InvalidRunInput naming the run', async () => {
    const err = await failure(runGmat(context({ kind: 'stand-in' }), { 'Nope.SMA': 7000 }));
    expectFinal(err, RUN_FAILURE_TYPES.badInput, /^run 0: .*Nope/);
  });

  it('output GMAT wrote but gsweep cannot parse: final GmatOutputUnparseable', async () => {
    const install = fakeInstall(root, `printf 'Sat.UTCGregorian          Sat.X\\nnot a date   1\\n' > "$track"\necho '${SUCCESS_LINE}'\nexit 0`);
    const err = await failure(runGmat(context({ kind: 'gmat', gmatRoot: install.root }), {}));
    expectFinal(err, RUN_FAILURE_TYPES.unparseable, /^could not parse ReportFile Track .*invalid Gregorian epoch 'not a date'/);
  });

  it('no GMAT where the sweep says: final GmatNotFound that names the path', async () => {
    const missing = path.join(root, 'no-gmat-here');
    const err = await failure(runGmat(context({ kind: 'gmat', gmatRoot: missing }), {}));
    expectFinal(err, RUN_FAILURE_TYPES.notFound, new RegExp(missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  });

  it('a crash is final GmatRejected of kind crashed', async () => {
    const install = fakeInstall(root, `echo 'segfault ahead' >&2\nkill -9 $$`);
    const err = await failure(runGmat(context({ kind: 'gmat', gmatRoot: install.root }), {}));
    const f = expectFinal(err, RUN_FAILURE_TYPES.rejected, /GMAT crashed \(signal SIGKILL\): segfault ahead/);
    expect(f.details?.[0]).toMatchObject({ kind: 'crashed' });
  });

  it('an unwritable run directory is infrastructure: a plain error Temporal retries', async () => {
    const ctx = context({ kind: 'stand-in' });
    const activities = createActivities();
    await mockEnv().run(activities.prepareSweep, { input: input(ctx) });
    // A file where the run directory must go.
    fs.writeFileSync(path.join(ctx.outDir, 'runs', 'run-0'), 'not a directory');
    const err = await failure(mockEnv().run(activities.runGmat, { context: ctx, runId: 0, overrides: {} }));
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    expect((err as NodeJS.ErrnoException).code).toMatch(/^(EEXIST|ENOTDIR)$/);
  });

  it('cancelled while GMAT runs: CancelledFailure, and the engine is killed', async () => {
    const ctx = context({ kind: 'stand-in' });
    const activities = createActivities();
    await mockEnv().run(activities.prepareSweep, { input: input(ctx) });
    const env = mockEnv();
    process.env.GSWEEP_STANDIN_DELAY_MS = '30000';
    try {
      const running = env.run(activities.runGmat, { context: ctx, runId: 0, overrides: {} });
      // Cancel once the run has written its patched script (GMAT has been started).
      const patched = path.join(ctx.outDir, 'runs', 'run-0', 'patched.script');
      for (let i = 0; i < 600 && !fs.existsSync(patched); i++) await new Promise((r) => setTimeout(r, 50));
      env.cancel();
      const err = await failure(running);
      expect(err).toBeInstanceOf(CancelledFailure);
      expect((err as Error).message).toBe('run 0 cancelled; GMAT process tree killed');
    } finally {
      delete process.env.GSWEEP_STANDIN_DELAY_MS;
    }
  });
});

describe('prepareSweep error mapping', () => {
  it('a script changed since the client hashed it: final InvalidRunInput', async () => {
    const script = path.join(root, 'changing.script');
    fs.copyFileSync(LEO, script);
    const ctx = context({ kind: 'stand-in' }, script);
    fs.appendFileSync(script, '% edited after the sweep was started\n');
    const err = await failure(mockEnv().run(createActivities().prepareSweep, { input: input(ctx) }));
    expectFinal(err, RUN_FAILURE_TYPES.badInput, new RegExp(`^${script.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} changed since the sweep was started`));
  });

  it('a samples sweep whose rows file is missing: final InvalidRunInput', async () => {
    const ctx = context({ kind: 'stand-in' });
    const rows = { table: 'samples', count: 1, sha256: '0'.repeat(64) };
    const err = await failure(
      mockEnv().run(createActivities().prepareSweep, { input: input(ctx, { kind: 'samples', columns: ['Sat.SMA'], rowCount: 1, rows }) }),
    );
    expectFinal(
      err,
      RUN_FAILURE_TYPES.badInput,
      `${path.join(ctx.outDir, 'inputs', 'samples.jsonl')} is missing; the sweep's inputs were removed after it started (start the sweep again)`,
    );
  });
});
