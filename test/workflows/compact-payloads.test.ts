/**
 * payloads stay small whatever the sweep. A `LO:HI:COUNT` axis travels as three
 * numbers and expands exactly as the list it replaced; long lists and sample rows travel as
 * hashed tables in the output directory, paged by activities. Every payload that crosses
 * Temporal for a 10^6-point axis or a 10^6-row samples file is measured here: < 64 KiB.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { encodeBitsTable, InputTableError, InputTables, ValueTableReader, writeInputTable } from '../../output/input-tables';
import { prepareRequest, RequestError, type PreparedSweep } from '../../request/request';
import { planResume } from '../../api/resume';
import { parseGridArgs } from '../../request/grid-args';
import { gridOverrides, gridSize } from '../../sweep/grid';
import type { OverrideValue, Overrides } from '../../sweep/overrides';
import { expandRun, inputTables, tableCells } from '../../sweep/runset';
import type { CarriedState, InputTableRef, RunSet, SweepInput, SweepProgress } from '../../sweep/types';
import { MISSIONS, tempDir } from '../helpers/temporal';

const SCRIPT = path.join(MISSIONS, 'leo_point_mass.script');
const LIMIT = 64 * 1024;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** The expansion as it was before axes became compact (commit 750af81): the reference. */
function oldLinspace(lo: number, hi: number, count: number): number[] {
  const step = (hi - lo) / (count - 1);
  const values = Array.from({ length: count }, (_, i) => lo + i * step);
  values[count - 1] = hi;
  return values;
}
function oldGridOverrides(axes: Record<string, OverrideValue[]>, runId: number): Overrides {
  const keys = Object.keys(axes).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const digits: Overrides = {};
  let rest = runId;
  for (let k = keys.length - 1; k >= 0; k--) {
    const values = axes[keys[k]];
    digits[keys[k]] = values[rest % values.length];
    rest = Math.floor(rest / values.length);
  }
  const ordered: Overrides = {};
  for (const key of keys) ordered[key] = digits[key];
  return ordered;
}

const roots: string[] = [];
const work = () => {
  const d = tempDir('gsweep-compact-');
  roots.push(d);
  return d;
};
afterAll(() => {
  for (const d of roots) fs.rmSync(d, { recursive: true, force: true });
});

/** What `startSweep` does before the workflow exists: write the input tables. */
function materialise(prepared: PreparedSweep): SweepInput {
  for (const table of prepared.inputTables ?? []) writeInputTable(prepared.input.context.outDir, table);
  return prepared.input;
}

/** Reads every input value of a run the way activities do (positioned reads of the tables). */
function expandFromDisk(input: SweepInput, runId: number, tables: InputTables): Overrides {
  return expandRun(input.runSet, runId, tables.valueAt);
}

describe('LO:HI:COUNT travels as three numbers and expands exactly as before', () => {
  it('gives the same values, both ends exact, for a 10^6-point axis', () => {
    const axis = parseGridArgs(['Sat.SMA=6800.5:7400.25:1000000'])['Sat.SMA'];
    expect(axis).toEqual({ lo: 6800.5, hi: 7400.25, count: 1_000_000 });
    const compact = { 'Sat.SMA': { linspace: [6800.5, 7400.25, 1_000_000] as [number, number, number] } };
    const old = { 'Sat.SMA': oldLinspace(6800.5, 7400.25, 1_000_000) };
    expect(gridSize(compact)).toBe(1_000_000);
    for (let id = 0; id < 1_000_000; id++) {
      // Object.is: bit-identical doubles (the same run_id gets the same value).
      if (!Object.is(gridOverrides(compact, id)['Sat.SMA'], old['Sat.SMA'][id])) {
        throw new Error(`run ${id}: ${gridOverrides(compact, id)['Sat.SMA']} != ${old['Sat.SMA'][id]}`);
      }
    }
    expect(gridOverrides(compact, 0)['Sat.SMA']).toBe(6800.5);
    expect(gridOverrides(compact, 999_999)['Sat.SMA']).toBe(7400.25);
  });

  it('gives the same run_ids for mixed grids (linspace, inline list, list in the output directory)', async () => {
    const out = path.join(work(), 'mixed');
    const long = Array.from({ length: 300 }, (_, i) => 40 + i * 0.05);
    const prepared = await prepareRequest({
      script: SCRIPT,
      out,
      engine: 'stand-in',
      grid: { 'Sat.SMA': { lo: 6800, hi: 7400, count: 7 }, 'Sat.ECC': [0.001, 0.002, 0.01, 0.02, 0.1], 'Sat.INC': long },
    });
    const input = materialise(prepared);
    const axes = (input.runSet as Extract<RunSet, { kind: 'grid' }>).axes;
    expect(axes['Sat.SMA']).toEqual({ linspace: [6800, 7400, 7] });
    expect(axes['Sat.ECC']).toEqual([0.001, 0.002, 0.01, 0.02, 0.1]);
    expect(axes['Sat.INC']).toMatchObject({ values: { table: 'grid-1', count: 300 } });
    const old = { 'Sat.SMA': oldLinspace(6800, 7400, 7), 'Sat.ECC': [0.001, 0.002, 0.01, 0.02, 0.1], 'Sat.INC': long };
    const tables = new InputTables(out);
    try {
      expect(input.runCount).toBe(7 * 5 * 300);
      for (let id = 0; id < input.runCount; id++) expect(expandFromDisk(input, id, tables)).toEqual(oldGridOverrides(old, id));
    } finally {
      tables.close();
    }
    // Without the table's values, expansion says so instead of guessing.
    expect(() => expandRun(input.runSet, 0)).toThrow('input table grid-1 lives in the output directory; its values must be paged in');
  });

  it('refuses a linspace COUNT below 2 and non-finite ends in the programmatic request', async () => {
    await expect(prepareRequest({ script: SCRIPT, out: path.join(work(), 'x'), grid: { 'Sat.SMA': { lo: 1, hi: 2, count: 1 } } })).rejects.toThrow(
      'grid.Sat.SMA.count: 1 is not an integer >= 2; both ends are included, so give at least 2',
    );
    await expect(prepareRequest({ script: SCRIPT, out: path.join(work(), 'x'), grid: { 'Sat.SMA': { lo: 1, hi: 2, count: 20_000_000 } } })).rejects.toThrow(
      RequestError,
    );
  });
});

describe('every payload stays under 64 KiB', () => {
  let activities: ReturnType<typeof createActivities>;
  beforeAll(() => {
    activities = createActivities();
  });

  /** What crosses Temporal for a sweep: workflow input, continue-as-new input, activity inputs and results, the query answer. */
  async function payloadSizes(input: SweepInput): Promise<Record<string, number>> {
    const { context, runSet, runCount } = input;
    const carried: CarriedState = { cursor: runCount - 1, ok: runCount - 2, failed: 1, executions: 999, startedAtMs: Date.now() };
    const progress: SweepProgress = {
      sweepId: context.sweepId, total: runCount, ok: runCount, failed: runCount, running: 500, pending: runCount,
      cancelled: runCount, maxInFlight: 500, executions: 999, startedAtMs: Date.now(), phase: 'aggregating',
    };
    const sizes: Record<string, number> = {
      workflowInput: bytes(input),
      continueAsNewInput: bytes({ ...input, carried }),
      prepareSweepInput: bytes({ input }),
      aggregateInput: bytes({ context, runSet, runCount }),
      progressQuery: bytes(progress),
    };
    const tables = new InputTables(context.outDir);
    try {
      for (const id of [0, 1, Math.floor(runCount / 2), runCount - 1]) {
        sizes[`runGmatInput(${id})`] = bytes({ context, runId: id, overrides: expandFromDisk(input, id, tables) });
        for (const [ref, index] of tableCells(runSet, id)) {
          sizes[`loadInputPageInput(${ref.table}, ${index})`] = bytes({ context, ref, offset: index });
          sizes[`loadInputPageResult(${ref.table}, ${index})`] = bytes(await activities.loadInputPage({ context, ref, offset: index }));
        }
      }
    } finally {
      tables.close();
    }
    return sizes;
  }

  it('a 10^6-point LO:HI:COUNT axis and a 10^7-run grid travel as numbers', async () => {
    for (const count of [1_000_000, 10_000_000]) {
      const input = materialise(await prepareRequest({ script: SCRIPT, out: path.join(work(), `lin-${count}`), engine: 'stand-in', grid: { 'Sat.SMA': { lo: 6800, hi: 7400, count } } }));
      expect(input.runCount).toBe(count);
      const sizes = await payloadSizes(input);
      for (const [what, size] of Object.entries(sizes)) expect(size, what).toBeLessThan(LIMIT);
      expect(sizes.workflowInput).toBeLessThan(2048);
    }
  });

  it('a 10^6-value explicit list lives in the output directory and is paged', async () => {
    const values = Array.from({ length: 1_000_000 }, (_, i) => 6800 + i * 0.0006);
    const out = path.join(work(), 'list');
    const input = materialise(await prepareRequest({ script: SCRIPT, out, engine: 'stand-in', grid: { 'Sat.SMA': values, 'Sat.ECC': [0.001, 0.002] } }));
    expect(input.runCount).toBe(2_000_000);
    const sizes = await payloadSizes(input);
    for (const [what, size] of Object.entries(sizes)) expect(size, what).toBeLessThan(LIMIT);
    // Pages really are pages: the result of one call holds a bounded slice of the list.
    const ref = inputTables(input.runSet)[0];
    const page = await activities.loadInputPage({ context: input.context, ref, offset: 500_000 });
    expect(page[0]).toBe(values[500_000]);
    expect(page.length).toBeGreaterThan(100);
    expect(page.length).toBeLessThan(5000);
    expect(page).toEqual(values.slice(500_000, 500_000 + page.length));
  });

  it('a 10^6-row samples file lives in the output directory and is paged', async () => {
    const dir = work();
    const csv = path.join(dir, 'runs.csv');
    const lines = ['Sat.SMA,Sat.INC,Sat.TA'];
    for (let r = 0; r < 1_000_000; r++) lines.push(`${6800 + r * 0.0005},${(r % 900) / 10},${r % 360}`);
    fs.writeFileSync(csv, `${lines.join('\n')}\n`);
    const out = path.join(dir, 'samples-out');
    const input = materialise(await prepareRequest({ script: SCRIPT, out, engine: 'stand-in', samples: csv }));
    expect(input.runCount).toBe(1_000_000);
    expect(input.runSet).toMatchObject({ kind: 'samples', columns: ['Sat.SMA', 'Sat.INC', 'Sat.TA'], rowCount: 1_000_000, rows: { table: 'samples', count: 1_000_000 } });
    const sizes = await payloadSizes(input);
    for (const [what, size] of Object.entries(sizes)) expect(size, what).toBeLessThan(LIMIT);
    const tables = new InputTables(out);
    try {
      expect(expandFromDisk(input, 999_999, tables)).toEqual({ 'Sat.SMA': 6800 + 999_999 * 0.0005, 'Sat.INC': 9.9, 'Sat.TA': 279 });
      expect(expandFromDisk(input, 0, tables)).toEqual({ 'Sat.SMA': 6800, 'Sat.INC': 0, 'Sat.TA': 0 });
    } finally {
      tables.close();
    }
  }, 120_000);

  it("a resume's already-ok set is paged from a bitset file (2·10^5 runs through planResume, 10^7 bits)", async () => {
    const out = path.join(work(), 'resume');
    const input = materialise(await prepareRequest({ script: SCRIPT, out, engine: 'stand-in', grid: { 'Sat.SMA': { lo: 6800, hi: 7400, count: 200_000 } } }));
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'request.json'), JSON.stringify(input));
    // resume reads the archived script back and checks its hash (docs/security.md).
    fs.mkdirSync(path.join(out, 'script'), { recursive: true });
    fs.copyFileSync(SCRIPT, path.join(out, 'script', input.context.scriptName));
    const plan = await planResume(out, { engine: 'stand-in' });
    const resumed = materialise({ ...plan, engine: 'stand-in' });
    expect(resumed.alreadyOk).toMatchObject({ table: 'already-ok', count: 200_000 });
    expect(bytes(resumed)).toBeLessThan(2048);
    const ref = resumed.alreadyOk as InputTableRef;
    const last = await activities.loadOkPage({ context: resumed.context, ref, offset: 199_992 });
    expect(Buffer.from(last.bits, 'base64')).toEqual(Buffer.from([0]));

    const ten = encodeBitsTable('already-ok', 10_000_000, new Uint8Array(1_250_000).fill(0xa5));
    writeInputTable(out, ten);
    const context = { ...resumed.context };
    for (const offset of [0, 65_536, 9_999_992]) {
      const page = await activities.loadOkPage({ context, ref: ten.ref, offset });
      expect(bytes(page)).toBeLessThan(LIMIT);
      expect(Buffer.from(page.bits, 'base64').every((b) => b === 0xa5)).toBe(true);
    }
    expect(Buffer.from((await activities.loadOkPage({ context, ref: ten.ref, offset: 65_536 })).bits, 'base64').length).toBe(8192);
  }, 120_000);
});

describe('input tables are checked by hash', () => {
  it('refuses a table changed after the sweep started, naming the file and the fix', async () => {
    const out = path.join(work(), 'changed');
    const values = Array.from({ length: 1000 }, (_, i) => 7000 + i);
    const input = materialise(await prepareRequest({ script: SCRIPT, out, engine: 'stand-in', grid: { 'Sat.SMA': values } }));
    const ref = inputTables(input.runSet)[0];
    expect(new ValueTableReader(out, ref).page(10, 64)).toEqual(values.slice(10, 10 + new ValueTableReader(out, ref).page(10, 64).length));
    const file = path.join(out, 'inputs', `${ref.table}.jsonl`);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('7010', '7011'));
    const err = (() => {
      try {
        new ValueTableReader(out, ref).page(0);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    })();
    expect(err).toBeInstanceOf(InputTableError);
    expect(err.message).toContain(`${file} changed after the sweep started`);
    expect(err.message).toContain('start a new sweep');
    // The activity reports it as a final (non-retryable) bad input.
    await expect(createActivities().loadInputPage({ context: input.context, ref, offset: 0 })).rejects.toMatchObject({ type: 'InvalidRunInput', nonRetryable: true });
  });

  it('refuses table names that are not gsweep’s', () => {
    expect(() => new ValueTableReader(work(), { table: '../../etc/passwd', count: 1, sha256: '0' })).toThrow('is not one gsweep writes');
  });
});
