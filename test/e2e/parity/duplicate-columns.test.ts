// Duplicate report columns are renamed <col>.1, <col>.2 (gmat-sweep 0.6 worker._dedupe_columns)
// instead of failing the run: unit rules, then a real GmatConsole Report command that lists
// a parameter three times.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dedupeColumnNames } from '../../../tables/parse/dedupe';
import { parseReportFile } from '../../../tables/parse';
import { runMission } from '../../../gmat/run-mission';
import { duckDbQuery } from '../../helpers/duckdb';
import { REPO_ROOT, tempDir } from '../../helpers/temporal';
import { realGmat } from './real-gmat';

const root = tempDir('gsweep-dup-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('dedupeColumnNames', () => {
  it('keeps the first, suffixes repeats .1, .2 in order, leaves other columns alone', () => {
    const t = parseReportFile('A   B   A   C   A   B\n1   2   3   4   5   6\n');
    const { table, duplicates } = dedupeColumnNames(t);
    expect(table.columns.map((c) => c.name)).toEqual(['A', 'B', 'A.1', 'C', 'A.2', 'B.1']);
    expect(table.columns.map((c) => c.values[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(duplicates).toEqual(['A', 'B']);
  });

  it('returns the same table when nothing repeats', () => {
    const t = parseReportFile('A   B\n1   2\n');
    expect(dedupeColumnNames(t)).toEqual({ table: t, duplicates: [] });
  });
});

describe('duplicate columns on real GMAT', () => {
  it('a Report command repeating a parameter gives Scale, Scale.1, Scale.2 and an ok run with a warning', async () => {
    const script = fs
      .readFileSync(path.join(REPO_ROOT, 'test', 'missions', 'nested_fields.script'), 'utf8')
      .replace('Report Values Gains(1,1) Gains(2,1) Gains(3,1) Row(1,2) Scale;', 'Report Values Scale Gains(2,1) Scale Scale;');
    const runDirectory = path.join(root, 'run-0');
    const { outcome, tables } = await runMission({ scriptText: script, overrides: { 'Scale.Value': 4 }, runId: 0, runDirectory, install: await realGmat(), timeoutMs: 120_000 });
    expect(outcome.status).toBe('ok');
    expect(outcome.warnings).toEqual(['report__Values: duplicate column names Scale; repeats renamed <col>.1, <col>.2, ...']);
    const rows = await duckDbQuery(`SELECT * FROM '${tables['report__Values']!.path}'`);
    expect(rows).toEqual([{ Scale: 4, 'Gains(2,1)': 5, 'Scale.1': 4, 'Scale.2': 4 }]);
    expect(JSON.parse(fs.readFileSync(path.join(runDirectory, 'outcome.json'), 'utf8')).warnings).toEqual(outcome.warnings);
  });
});
