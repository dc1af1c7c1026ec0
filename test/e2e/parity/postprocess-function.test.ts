// A postprocess function from code (gmat-sweep's import-path hook, as a worker-registered
// function): the runGmat activity calls it with the run's facts after a real GMAT run;
// what it writes to extra/ becomes extra tables; a throw fails the run; an unknown name is
// refused with the names the worker has.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GmatInstall } from '../../../gmat/install';
import { createActivities } from '../../../activities';
import type { PostprocessRun } from '../../../postprocess/hook';
import type { RunTask, SweepContext } from '../../../sweep/types';
import { canonicalScriptSha256 } from '../../../output/script-hash';
import { readOutcome } from '../../../output/outcome';
import { DirRunSource } from '../../../output/run-source';
import { DirStore } from '../../../output/store';
import { MISSIONS, tempDir } from '../../helpers/temporal';
import { realGmat } from './real-gmat';

const root = tempDir('gsweep-postfn-');
let install: GmatInstall;
beforeAll(async () => {
  install = await realGmat();
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const scriptText = fs.readFileSync(path.join(MISSIONS, 'leo_point_mass.script'), 'utf8');

function context(outDir: string, hook: string): SweepContext {
  fs.mkdirSync(path.join(outDir, 'script'), { recursive: true });
  fs.writeFileSync(path.join(outDir, 'script', 'leo_point_mass.script'), scriptText);
  fs.writeFileSync(path.join(outDir, 'context.json'), JSON.stringify({ shared: { reference: 7000 } }));
  return {
    sweepId: 'fn-test',
    outDir,
    scriptPath: path.join(MISSIONS, 'leo_point_mass.script'),
    scriptName: 'leo_point_mass.script',
    scriptSha256: canonicalScriptSha256(scriptText),
    engine: { kind: 'gmat', gmatRoot: install.root },
    runTimeoutMs: 120_000,
    postprocess: { hook },
    hasContext: true,
  };
}

describe('postprocess function registered on the worker', () => {
  const seen: PostprocessRun[] = [];
  const activities = createActivities(
    {},
    {
      postprocessHooks: {
        delta: (run) => {
          seen.push(run);
          fs.writeFileSync(path.join(run.extraDir, 'delta.csv'), `delta\n${(run.overrides['Sat.SMA'] as number) - (run.context.reference as number)}\n`);
        },
        broken: () => {
          throw new Error('no reference state');
        },
      },
    },
  );
  const env = new MockActivityEnvironment();

  it('is called with the run facts and its extra/ files become extra tables', async () => {
    const out = path.join(root, 'ok');
    const task: RunTask = { context: context(out, 'delta'), runId: 3, overrides: { 'Sat.SMA': 7100 } };
    const report = await env.run(activities.runGmat, task);
    expect(report).toMatchObject({ runId: 3, status: 'ok' });
    expect(seen[0]).toMatchObject({
      runId: 3,
      runDirectory: path.join(out, 'runs', 'run-3'),
      overrides: { 'Sat.SMA': 7100 },
      context: { reference: 7000 },
      outputs: { report__Track: path.join(out, 'runs', 'run-3', 'report__Track.parquet') },
      extraDir: path.join(out, 'runs', 'run-3', 'extra'),
      sweepId: 'fn-test',
    });
    const outcome = JSON.parse(fs.readFileSync(path.join(out, 'runs', 'run-3', 'outcome.json'), 'utf8'));
    expect(outcome).toMatchObject({ status: 'ok', postprocess_status: 'ok', context: { reference: 7000 } });
    // On disk relative to the run directory (relocatable outputs, docs/security.md); readers rebuild the path.
    expect(outcome.extra_outputs).toEqual({ delta: 'extra__delta.parquet' });
    expect((await readOutcome(new DirRunSource(new DirStore(out)), 3))?.extra_outputs).toEqual({ delta: path.join(out, 'runs', 'run-3', 'extra__delta.parquet') });
    expect(outcome.tables.extra__delta).toEqual({ rows: 1, columns: [{ name: 'delta', type: 'double' }] });
  });

  it('a throwing function fails the run (final, PostprocessFailed) with its error; GMAT outputs stay', async () => {
    const out = path.join(root, 'broken');
    const task: RunTask = { context: context(out, 'broken'), runId: 0, overrides: {} };
    const err = await env.run(activities.runGmat, task).then(
      () => undefined,
      (e: unknown) => e as { type?: string; message: string; nonRetryable?: boolean },
    );
    expect(err).toMatchObject({ type: 'PostprocessFailed', nonRetryable: true });
    expect(err!.message).toContain('postprocess function "broken" failed (run 0): Error: no reference state');
    const outcome = JSON.parse(fs.readFileSync(path.join(out, 'runs', 'run-0', 'outcome.json'), 'utf8'));
    expect(outcome).toMatchObject({ status: 'failed', postprocess_status: 'failed' });
    expect(fs.existsSync(path.join(out, 'runs', 'run-0', 'report__Track.parquet'))).toBe(true);
  });

  it('an unknown function name is refused, naming the registered ones', async () => {
    const out = path.join(root, 'unknown');
    const err = await env.run(activities.runGmat, { context: context(out, 'nope'), runId: 0, overrides: {} }).then(
      () => undefined,
      (e: unknown) => e as { type?: string; message: string },
    );
    expect(err).toMatchObject({ type: 'InvalidRunInput' });
    expect(err!.message).toBe(
      'run 0: this worker has no postprocess function "nope" (registered: delta, broken); register it on every GMAT worker: new GsweepPlugin({ postprocess: { name: fn } }) (or createWorker/createSweepWorker options)',
    );
  });
});
