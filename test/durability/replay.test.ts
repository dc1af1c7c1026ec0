/**
 * SPEC §4 "Determinism": the workflow code the worker bundles replays every recorded history
 * (test/histories/*.json, written by test/histories/record.ts: a grid, failures of every kind,
 * a resume, continue-as-new chains, a cancel, explicit rows, Monte Carlo) without error, so
 * a change that breaks running sweeps fails CI. And the check has teeth: a workflow that
 * merely schedules differently fails the replay with a DeterminismViolationError.
 */
import * as path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, DefaultLogger, Worker, type ReplayResult } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundlePath } from '../../workers/bundle';
import { loadRecordedHistories } from '../histories/format';

async function replayAll(workflowBundle: { codePath: string } | { code: string }, histories = loadRecordedHistories()): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) results.push(result);
  return results;
}

describe('replay of recorded sweep histories', () => {
  it('has a representative set of histories', () => {
    const files = loadRecordedHistories().map((h) => h.file);
    for (const name of ['grid', 'failures', 'resume', 'cancelled', 'samples', 'monte-carlo']) expect(files).toContain(`${name}.json`);
    // A continue-as-new chain: every execution's history, the last one completing the sweep.
    const chain = loadRecordedHistories().filter((h) => h.file.startsWith('continue-as-new-'));
    expect(chain.length).toBeGreaterThanOrEqual(2);
    const lastEvent = (h: (typeof chain)[number]) => h.history.events![h.history.events!.length - 1]!;
    for (const h of chain.slice(0, -1)) expect(lastEvent(h).workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(lastEvent(chain[chain.length - 1]!).workflowExecutionCompletedEventAttributes).toBeTruthy();
    const cancelled = loadRecordedHistories().find((h) => h.file === 'cancelled.json')!;
    expect(lastEvent(cancelled).workflowExecutionCanceledEventAttributes).toBeTruthy();
  });

  it('replays every recorded history against the workflow bundle the worker runs', async () => {
    const histories = loadRecordedHistories();
    const results = await replayAll({ codePath: await workflowBundlePath() }, histories);
    expect(results.map((r) => r.workflowId)).toEqual(histories.map((h) => h.workflowId));
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  }, 120_000);

  it('fails with a DeterminismViolationError when the workflow schedules differently', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'fixtures', 'altered-workflow.ts'),
      logger: new DefaultLogger('WARN'),
    });
    const histories = loadRecordedHistories().filter((h) => ['grid.json', 'continue-as-new-1.json'].includes(h.file));
    expect(histories).toHaveLength(2);
    const results = await replayAll({ code }, histories);
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.error, r.workflowId).toBeInstanceOf(DeterminismViolationError);
      expect(String((r.error as Error).message)).toMatch(/[Nn]ondetermin/);
    }
  }, 120_000);
});
