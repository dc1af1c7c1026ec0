/**
 * Determinism: the workflow code the worker bundles replays every recorded history without
 * error, so a change that breaks running sweeps fails CI. Two sets: sweeps in batches
 * (test/histories/*.json, written by test/histories/record.ts) and the same kinds of sweep
 * recorded before batches, one activity per run (test/histories/per-run/, never re-recorded:
 * a sweep started by older workers must finish on newer ones). Each set has a grid, failures
 * of every kind, a resume, a continue-as-new chain, a cancel, explicit rows and Monte Carlo.
 * And the check has teeth: a workflow that merely schedules differently fails the replay
 * with a DeterminismViolationError.
 */
import * as path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, DefaultLogger, Worker, type ReplayResult } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundlePath } from '../../../workers/bundle';
import { GsweepPlugin } from '../../../workers/plugin';
import { HISTORIES_DIR, loadRecordedHistories, PER_RUN_HISTORIES_DIR } from '../../histories/format';

async function replayAll(workflowBundle: { codePath: string } | { code: string }, histories = loadRecordedHistories()): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) results.push(result);
  return results;
}

const SETS = [
  { name: 'in batches', dir: HISTORIES_DIR, runActivity: 'gsweep.runBatch' },
  { name: 'one activity per run (recorded before batches)', dir: PER_RUN_HISTORIES_DIR, runActivity: 'gsweep.runGmat' },
];

function scheduledTypes(h: ReturnType<typeof loadRecordedHistories>[number]): Set<string> {
  return new Set((h.history.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [])));
}

describe.each(SETS)('replay of recorded sweep histories: $name', ({ dir, runActivity }) => {
  it('has a representative set of histories', () => {
    const histories = loadRecordedHistories(dir);
    const files = histories.map((h) => h.file);
    for (const name of ['grid', 'failures', 'resume', 'cancelled', 'samples', 'monte-carlo']) expect(files).toContain(`${name}.json`);
    // The set is what it says: its runs were scheduled as this activity type.
    for (const h of histories) expect(scheduledTypes(h), h.file).toContain(runActivity);
    // A continue-as-new chain: every execution's history, the last one completing the sweep.
    const chain = histories.filter((h) => h.file.startsWith('continue-as-new-'));
    expect(chain.length).toBeGreaterThanOrEqual(2);
    const lastEvent = (h: (typeof chain)[number]) => h.history.events![h.history.events!.length - 1]!;
    for (const h of chain.slice(0, -1)) expect(lastEvent(h).workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(lastEvent(chain[chain.length - 1]!).workflowExecutionCompletedEventAttributes).toBeTruthy();
    const cancelled = histories.find((h) => h.file === 'cancelled.json')!;
    expect(lastEvent(cancelled).workflowExecutionCanceledEventAttributes).toBeTruthy();
  });

  it('replays every recorded history against the workflow bundle the worker runs', async () => {
    const histories = loadRecordedHistories(dir);
    const results = await replayAll({ codePath: await workflowBundlePath() }, histories);
    expect(results.map((r) => r.workflowId)).toEqual(histories.map((h) => h.workflowId));
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  }, 120_000);
});

describe('replay of a sweep started by workflow name with a plain request', () => {
  it('is recorded: the request as the only argument, prepared by gsweep.prepareRequest before the sweep runs in batches', () => {
    const h = loadRecordedHistories(HISTORIES_DIR).find((x) => x.file === 'request.json');
    expect(h, 'test/histories/request.json (npx tsx test/histories/record.ts request)').toBeDefined();
    const events = h!.history.events!;
    const payload = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const arg = JSON.parse(Buffer.from(payload.data as Uint8Array).toString('utf8')) as Record<string, unknown>;
    expect(arg.script).toMatch(/leo_point_mass\.script$/);
    expect(arg).not.toHaveProperty('runSet');
    const scheduled = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : []));
    expect(scheduled.slice(0, 2)).toEqual(['gsweep.prepareRequest', 'gsweep.prepareSweep']);
    expect(scheduled).toContain('gsweep.runBatch');
    expect(events[events.length - 1]!.workflowExecutionCompletedEventAttributes).toBeTruthy();
  });
});

describe('replay through GsweepPlugin', () => {
  it('a replay worker given only the plugin replays every recorded history', async () => {
    const histories = [...loadRecordedHistories(HISTORIES_DIR), ...loadRecordedHistories(PER_RUN_HISTORIES_DIR)];
    const results: ReplayResult[] = [];
    for await (const r of Worker.runReplayHistories({ plugins: [new GsweepPlugin()] }, histories)) results.push(r);
    expect(results).toHaveLength(histories.length);
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  }, 120_000);

  it("keeps a fleet's own workflows: a bundle that schedules differently still fails the replay", async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'fixtures', 'altered-workflow.ts'),
      logger: new DefaultLogger('WARN'),
    });
    const histories = loadRecordedHistories(HISTORIES_DIR).filter((h) => h.file === 'grid.json');
    const results: ReplayResult[] = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { code }, plugins: [new GsweepPlugin()] }, histories)) results.push(r);
    expect(results[0]!.error).toBeInstanceOf(DeterminismViolationError);
  }, 120_000);
});

describe('replay with a workflow that schedules differently', () => {

  it('fails with a DeterminismViolationError when the workflow schedules differently', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'fixtures', 'altered-workflow.ts'),
      logger: new DefaultLogger('WARN'),
    });
    const pick = (dir: string) => loadRecordedHistories(dir).filter((h) => ['grid.json', 'continue-as-new-1.json'].includes(h.file));
    const histories = [...pick(HISTORIES_DIR), ...pick(PER_RUN_HISTORIES_DIR)];
    expect(histories).toHaveLength(4);
    const results = await replayAll({ code }, histories);
    expect(results).toHaveLength(4);
    for (const r of results) {
      expect(r.error, r.workflowId).toBeInstanceOf(DeterminismViolationError);
      expect(String((r.error as Error).message)).toMatch(/[Nn]ondetermin/);
    }
  }, 120_000);
});
