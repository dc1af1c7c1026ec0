/**
 * Every real GMAT output fixture parses to its golden CSV: same column names, same row count,
 * same values (numbers to 1e-12 relative, epochs to the nanosecond).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Column, OutputKind, Table } from '../../../tables/table';
import { parseGregorian, parseIsoAny, parseOutputFile } from '../../../tables/parse';

const ROOT = '/work/shared/fixtures/gmat-output';

/** The golden files are plain comma-separated text with no quoting (asserted below). */
function readCsv(path: string): { header: string[]; rows: string[][] } {
  const text = readFileSync(path, 'utf8');
  expect(text.includes('"')).toBe(false);
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  for (const r of rows) expect(r.length).toBe(header.length);
  return { header, rows };
}

/** Golden epochs are GMAT text: Gregorian (`09 Jan 2010 16:00:00.000`) or ISO (OEM). */
const goldenEpoch = (text: string): bigint => (/[A-Za-z]{3} /.test(text) ? parseGregorian(text) : parseIsoAny(text));

/**
 * Independent of the parser under test: Date.UTC on the fields, to the millisecond (all golden
 * epochs have exactly 3 fraction digits), as ns.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function dateUtcNs(text: string): bigint {
  let g = /^(\d{1,2}) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{3})$/.exec(text);
  if (g) {
    const ms = Date.UTC(+g[3], MONTHS.indexOf(g[2]), +g[1], +g[4], +g[5], +g[6], +g[7]);
    return BigInt(ms) * 1_000_000n;
  }
  g = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})$/.exec(text);
  if (!g) throw new Error(`test cannot read golden epoch ${text}`);
  return BigInt(Date.UTC(+g[1], +g[2] - 1, +g[3], +g[4], +g[5], +g[6], +g[7])) * 1_000_000n;
}

function expectCellsEqual(col: Column, golden: string[], rowCount: number): void {
  for (let i = 0; i < rowCount; i++) {
    const g = golden[i];
    const ctx = `${col.name} row ${i}`;
    switch (col.type) {
      case 'double': {
        const actual = col.values[i];
        const expected = Number(g);
        expect(actual, ctx).not.toBeNull();
        const tol = 1e-12 * Math.max(Math.abs(expected), Number.MIN_VALUE);
        expect(Math.abs((actual as number) - expected), ctx).toBeLessThanOrEqual(tol);
        break;
      }
      case 'int64':
        expect(col.values[i], ctx).toBe(BigInt(g));
        break;
      case 'string':
        expect(col.values[i], ctx).toBe(g);
        break;
      case 'timestamp':
        expect(col.values[i], ctx).toBe(goldenEpoch(g));
        break;
    }
  }
}

interface Case {
  file: string;
  golden: string;
  kind: OutputKind;
  types: Column['type'][];
  scale: string;
  /** The AzElRange fixture is a trimmed prefix of the real output the golden CSV was made from. */
  prefix?: boolean;
}

const CASES: Case[] = [
  {
    file: 'reportfile/Ex_TLE_Propagation.txt', golden: 'Ex_TLE_Propagation__RF.csv', kind: 'report',
    types: ['timestamp', ...Array<'double'>(6).fill('double')], scale: 'UTC',
  },
  {
    file: 'reportfile/Ex_AnalyticMassProperties.txt', golden: 'Ex_AnalyticMassProperties__RF.csv', kind: 'report',
    types: ['timestamp', ...Array<'double'>(9).fill('double')], scale: 'UTC',
  },
  {
    file: 'ephemeris/Ex_LEOEphemeris.oem', golden: 'Ex_LEOEphemeris__EF.csv', kind: 'ephemeris',
    types: ['timestamp', ...Array<'double'>(6).fill('double')], scale: 'UTC',
  },
  {
    file: 'contact/Ex_ContactLocatorAllFormats__Legacy.txt', golden: 'Ex_ContactLocatorAllFormats__Legacy.csv',
    kind: 'contact', types: ['string', 'timestamp', 'timestamp', 'double'], scale: 'UTC',
  },
  {
    file: 'contact/Ex_ContactLocatorAllFormats__ContactRange.txt', golden: 'Ex_ContactLocatorAllFormats__ContactRange.csv',
    kind: 'contact', types: ['string', 'double', 'timestamp', 'timestamp', 'double', 'double'], scale: 'UTC',
  },
  {
    file: 'contact/Ex_ContactLocatorAllFormats__MaxElev.txt', golden: 'Ex_ContactLocatorAllFormats__MaxElev.csv',
    kind: 'contact', types: ['string', 'timestamp', 'timestamp', 'double', 'double', 'timestamp'], scale: 'UTC',
  },
  {
    file: 'contact/Ex_ContactLocatorAllFormats__MaxElevRange.txt',
    golden: 'Ex_ContactLocatorAllFormats__MaxElevRange.csv', kind: 'contact',
    types: ['string', 'timestamp', 'timestamp', 'double', 'double', 'timestamp', 'double', 'double'], scale: 'UTC',
  },
  {
    file: 'contact/Ex_ContactLocatorAllFormats__AzElRange.txt', golden: 'Ex_ContactLocatorAllFormats__AzElRange.csv',
    kind: 'contact', types: ['int64', 'string', 'timestamp', 'double', 'double', 'double'], scale: 'UTC', prefix: true,
  },
];

describe('GMAT output fixtures parse to their golden CSVs', () => {
  for (const c of CASES) {
    describe(c.file, () => {
      const table: Table = parseOutputFile(c.kind, readFileSync(join(ROOT, c.file), 'utf8'));
      const golden = readCsv(join(ROOT, 'golden', c.golden));

      it('has the golden column names, in order, with the expected types', () => {
        expect(table.columns.map((col) => col.name)).toEqual(golden.header);
        expect(table.columns.map((col) => col.type)).toEqual(c.types);
        for (const col of table.columns) {
          expect(col.values.length).toBe(table.rowCount);
          if (col.type === 'timestamp') expect(col.scale).toBe(c.scale);
        }
      });

      it('has the golden row count', () => {
        if (c.prefix) {
          // Fixture README: this text file is a trimmed prefix of the output the CSV came from.
          expect(table.rowCount).toBe(346);
          expect(golden.rows.length).toBeGreaterThan(table.rowCount);
        } else {
          expect(table.rowCount).toBe(golden.rows.length);
        }
        expect(table.rowCount).toBeGreaterThan(0);
      });

      it('has the golden values', () => {
        table.columns.forEach((col, j) => {
          expectCellsEqual(col, golden.rows.map((r) => r[j]), table.rowCount);
        });
      });

      it('epochs agree with an independent Date.UTC computation', () => {
        const rows = [0, Math.floor(table.rowCount / 2), table.rowCount - 1];
        table.columns.forEach((col, j) => {
          if (col.type !== 'timestamp') return;
          for (const i of rows) expect(col.values[i], `${col.name} row ${i}`).toBe(dateUtcNs(golden.rows[i][j]));
        });
      });
    });
  }

  it('spot values are what the text files say (guards against a golden/parser shared mistake)', () => {
    const tle = parseOutputFile('report', readFileSync(join(ROOT, 'reportfile/Ex_TLE_Propagation.txt'), 'utf8'));
    expect(tle.columns[0].values[0]).toBe(BigInt(Date.UTC(2002, 4, 4, 11, 45, 15, 695)) * 1_000_000n);
    expect(tle.columns[1].values[0]).toBe(-6775.105759552147);
    const azel = parseOutputFile('contact', readFileSync(join(ROOT, 'contact/Ex_ContactLocatorAllFormats__AzElRange.txt'), 'utf8'));
    // File says 2010-009T16:00:00.000 (ISO year/day): day 9 of 2010 is 9 January.
    expect(azel.columns[2].values[0]).toBe(BigInt(Date.UTC(2010, 0, 9, 16)) * 1_000_000n);
    expect(azel.columns[0].values[345]).toBe(3n);
  });
});
