/**
 * A batch whose finished runs wait to be stored together (an object-store out's packs):
 * the heartbeat and the failure details count a run done only once it is stored, so a retry
 * or the workflow re-runs what a lost worker or a failed upload did not keep.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { runBatch, type BatchDeps } from '../../activities/batch';
import { DirStore } from '../../output/store';
import { BATCH_RUN_INFRASTRUCTURE, type BatchProgress, type BatchTask } from '../../sweep/types';

const task = { first: 10, count: 6 } as BatchTask;

/** A store of pending runs that flushes every `every` runs and records what each flush held. */
function pendingStore(every: number, failing: (flush: number) => boolean = () => false) {
  const flushed: number[][] = [];
  let pending: number[] = [];
  let flushes = 0;
  return {
    flushed,
    add: (runId: number) => void pending.push(runId),
    pending: {
      due: () => pending.length >= every,
      flush: async () => {
        if (pending.length === 0) return;
        if (failing(++flushes)) throw new Error('the store refused the pack');
        flushed.push(pending);
        pending = [];
      },
    },
  };
}

function deps(store: ReturnType<typeof pendingStore>, failRun?: number): BatchDeps {
  return {
    store: new DirStore('/nonexistent'),
    recordFailures: async (records) => {
      throw new Error(`no run here fails on its own, yet ${JSON.stringify(records)} were recorded`);
    },
    run: async (runId) => {
      if (runId === failRun) throw new Error(`lost the scratch disk at run ${runId}`);
      store.add(runId);
    },
    pending: store.pending,
  };
}

const env = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  return p.then(
    () => {
      throw new Error('expected the batch to fail');
    },
    (err: unknown) => err as ApplicationFailure,
  );
}

describe('runBatch with runs stored together', () => {
  it('stores the runs in groups and reports every run once they are all stored', async () => {
    const store = pendingStore(4);
    const report = await env().run(runBatch, task, deps(store));
    expect(store.flushed).toEqual([[10, 11, 12, 13], [14, 15]]);
    expect(report).toMatchObject({ next: 16, ok: 6, failed: 0 });
  });

  it('an infrastructure failure stores the runs before it and blames its own run', async () => {
    const store = pendingStore(4);
    const err = await failure(env().run(runBatch, task, deps(store, 12)));
    expect(err.type).toBe(BATCH_RUN_INFRASTRUCTURE);
    expect(err.message).toBe('run 12: lost the scratch disk at run 12');
    expect(store.flushed).toEqual([[10, 11]]);
    const details = err.details?.[0] as { runId: number; progress: BatchProgress };
    expect(details.runId).toBe(12);
    expect(details.progress).toMatchObject({ next: 12, ok: 2 });
  });

  it('a failed upload counts none of its runs: the first of them is blamed and the rest go back', async () => {
    const store = pendingStore(4, () => true);
    const e = env();
    const beats: BatchProgress[] = [];
    e.on('heartbeat', (d: unknown) => beats.push(d as BatchProgress));
    const err = await failure(e.run(runBatch, task, deps(store)));
    expect(err.type).toBe(BATCH_RUN_INFRASTRUCTURE);
    expect(err.message).toBe('run 10: the store refused the pack');
    const details = err.details?.[0] as { runId: number; progress: BatchProgress };
    expect(details).toMatchObject({ runId: 10, progress: { next: 10, ok: 0 } });
    expect(beats.length).toBeGreaterThan(0);
    expect(beats.every((b) => b.next === 10)).toBe(true);
  });

  it('an upload that fails once and then goes through counts its runs; the next run not run is blamed', async () => {
    const store = pendingStore(4, (n) => n === 1);
    const err = await failure(env().run(runBatch, task, deps(store)));
    expect(store.flushed).toEqual([[10, 11, 12, 13]]);
    expect(err.message).toBe('run 14: the store refused the pack');
    expect(err.details?.[0]).toMatchObject({ runId: 14, progress: { next: 14, ok: 4 } });
  });
});
