/** How a sweep cuts run ids into batches (sweep/batches.ts): pure sizing and the Web UI's batch summary. */
import { describe, expect, it } from 'vitest';
import { batchSummary, batchWindow, MAX_BATCH_RUNS, nextBatchSize, PROBE_BATCH_RUNS, PROBE_WINDOW, updateSecondsPerRun } from '../../sweep/batches';
import { DEFAULT_BATCH_SECONDS, type RunSet } from '../../sweep/types';

describe('nextBatchSize', () => {
  it('probes with small batches until a batch has been measured', () => {
    expect(nextBatchSize(undefined, { remaining: 1000, slots: 0 })).toBe(PROBE_BATCH_RUNS);
    expect(nextBatchSize(undefined, { remaining: 1, slots: 0 })).toBe(1);
    expect(nextBatchSize(undefined, { remaining: 0, slots: 4 })).toBe(0);
  });

  it('aims at the target engine time per batch', () => {
    // 40 ms runs: the default 20 s is 500 runs, when plenty remain for 2 slots.
    expect(nextBatchSize(undefined, { remaining: 100_000, secondsPerRun: 0.04, slots: 2 })).toBe(DEFAULT_BATCH_SECONDS / 0.04);
    expect(nextBatchSize({ seconds: 2 }, { remaining: 100_000, secondsPerRun: 0.04, slots: 2 })).toBe(50);
    // Runs longer than the target: one run per batch.
    expect(nextBatchSize(undefined, { remaining: 100, secondsPerRun: 60, slots: 2 })).toBe(1);
  });

  it('never takes more than 1/(2 × slots) of what is left, so the last batches are small and no slot idles', () => {
    expect(nextBatchSize(undefined, { remaining: 1000, secondsPerRun: 0.04, slots: 2 })).toBe(250);
    expect(nextBatchSize(undefined, { remaining: 300, secondsPerRun: 0.04, slots: 2 })).toBe(75);
    expect(nextBatchSize(undefined, { remaining: 3, secondsPerRun: 0.04, slots: 2 })).toBe(1);
    // A small sweep on a large fleet: one run per batch, never one slot for everything.
    expect(nextBatchSize(undefined, { remaining: 50, secondsPerRun: 0.04, slots: 64 })).toBe(1);
  });

  it('caps an instant engine at MAX_BATCH_RUNS', () => {
    expect(nextBatchSize(undefined, { remaining: 10_000_000, secondsPerRun: 0, slots: 2 })).toBe(MAX_BATCH_RUNS);
  });

  it('--batch-size pins the size (the last batch takes what is left)', () => {
    expect(nextBatchSize({ size: 32 }, { remaining: 1000, secondsPerRun: 0.04, slots: 2 })).toBe(32);
    expect(nextBatchSize({ size: 32 }, { remaining: 1000, slots: 0 })).toBe(32);
    expect(nextBatchSize({ size: 32 }, { remaining: 7, secondsPerRun: 0.04, slots: 2 })).toBe(7);
  });

  it('shrinks geometrically, so a 1 000-run sweep on 2 slots is a few dozen batches', () => {
    let remaining = 1000;
    const sizes: number[] = [];
    while (remaining > 0) {
      const n = nextBatchSize(undefined, { remaining, secondsPerRun: 0.04, slots: 2 });
      sizes.push(n);
      remaining -= n;
    }
    expect(sizes.slice(0, 3)).toEqual([250, 188, 141]);
    expect(sizes.every((n, i) => i === 0 || n <= sizes[i - 1]!)).toBe(true);
    expect(sizes.length).toBeLessThan(40);
    expect(sizes.at(-1)).toBe(1);
  });
});

describe('batchWindow', () => {
  it('keeps two batches per known slot plus two for workers not yet seen, within maxInFlight', () => {
    expect(batchWindow(200, 2, 250, false)).toBe(6);
    expect(batchWindow(200, 0, PROBE_BATCH_RUNS, false)).toBe(PROBE_WINDOW);
    expect(batchWindow(4, 2, 250, false)).toBe(4);
  });

  it('opens to maxInFlight for one-run batches and for pinned sizes', () => {
    expect(batchWindow(200, 2, 1, false)).toBe(200);
    expect(batchWindow(50, 2, 32, true)).toBe(50);
  });
});

describe('updateSecondsPerRun', () => {
  it('starts at the first sample and moves towards later ones', () => {
    expect(updateSecondsPerRun(undefined, 2000, 50)).toBe(0.04);
    expect(updateSecondsPerRun(0.04, 10_000, 50)).toBeCloseTo(0.7 * 0.04 + 0.3 * 0.2, 12);
    expect(updateSecondsPerRun(0.04, 100, 0)).toBe(0.04);
  });
});

describe('batchSummary', () => {
  it('names the runs and the grid values that change within the batch', () => {
    const grid: RunSet = { kind: 'grid', axes: { 'Sat.SMA': { linspace: [6800, 7400, 16] } } };
    expect(batchSummary(grid, 4, 4)).toBe('runs 4–7 · Sat.SMA 6960…7080');
    expect(batchSummary(grid, 15, 1)).toBe('run 15 · Sat.SMA=7400');
    const two: RunSet = { kind: 'grid', axes: { 'Sat.SMA': [7000, 7100], 'Sat.ECC': [0.001, 0.01, 0.1] } };
    // Keys sorted: Sat.ECC is the slow axis, Sat.SMA the fast one.
    expect(batchSummary(two, 0, 2)).toBe('runs 0–1 · Sat.ECC=0.001, Sat.SMA 7000…7100');
  });

  it('leaves out values that live in the output directory, and names other run sets by kind', () => {
    const table: RunSet = { kind: 'grid', axes: { 'Sat.SMA': { values: { table: 'grid-0', count: 5000, sha256: '0'.repeat(64) } } } };
    expect(batchSummary(table, 0, 10)).toBe('runs 0–9');
    const samples: RunSet = { kind: 'samples', columns: ['Sat.SMA'], rowCount: 100, rows: { table: 'samples', count: 100, sha256: '0'.repeat(64) } };
    expect(batchSummary(samples, 10, 5)).toBe('runs 10–14 · rows 10–14 of 100');
    expect(batchSummary({ kind: 'monteCarlo', n: 1000, perturb: {}, seed: 42 }, 0, 100)).toBe('runs 0–99 · Monte Carlo seed 42');
    expect(batchSummary({ kind: 'latinHypercube', n: 1000, perturb: {}, seed: 7 }, 0, 100)).toBe('runs 0–99 · Latin hypercube seed 7');
  });
});
