import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Column } from '../../../tables/table';
import { GmatOutputParseError, parseGregorian, parseReportFile } from '../../../tables/parse';

const RUNS = '/work/shared/fixtures/gmat-runs';
const read = (rel: string): string => readFileSync(join(RUNS, rel), 'utf8');
const utcNs = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): bigint =>
  BigInt(Date.UTC(y, mo - 1, d, h, mi, s, ms)) * 1_000_000n;
const col = (cols: Column[], name: string): Column => {
  const c = cols.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
};

/** Layout exactly as GMAT pads it: header 27/26/…, trailing pad on every line. */
const pad = (cells: string[], widths: number[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('');

describe('parseReportFile on real GmatConsole runs', () => {
  it('leo_point_mass nominal track.txt: 91 rows x 10 columns', () => {
    const t = parseReportFile(read('leo_point_mass/nominal/track.txt'));
    expect(t.rowCount).toBe(91);
    expect(t.columns.map((c) => c.name)).toEqual([
      'Sat.UTCGregorian', 'Sat.ElapsedSecs', 'Sat.EarthMJ2000Eq.X', 'Sat.EarthMJ2000Eq.Y', 'Sat.EarthMJ2000Eq.Z',
      'Sat.EarthMJ2000Eq.VX', 'Sat.EarthMJ2000Eq.VY', 'Sat.EarthMJ2000Eq.VZ', 'Sat.Earth.SMA', 'Sat.Earth.ECC',
    ]);
    const epoch = t.columns[0];
    expect(epoch).toMatchObject({ type: 'timestamp', scale: 'UTC' });
    expect(epoch.values[0]).toBe(utcNs(2026, 3, 20, 6));
    expect(epoch.values[1]).toBe(utcNs(2026, 3, 20, 6, 1));
    expect(epoch.values[90]).toBe(utcNs(2026, 3, 20, 7, 30));
    // ElapsedSecs starts as the integer literal `0` and is still a double column.
    const elapsed = col(t.columns, 'Sat.ElapsedSecs');
    expect(elapsed.type).toBe('double');
    expect(elapsed.values[0]).toBe(0);
    expect(elapsed.values[1]).toBe(59.99999988125637);
    expect(col(t.columns, 'Sat.Earth.SMA').values[0]).toBe(6878.136999999997);
    for (const c of t.columns.slice(1)) expect(c.type).toBe('double');
  });

  it('coast_and_burn nominal final.txt (Report command, header narrower than data): one row', () => {
    const t = parseReportFile(read('coast_and_burn/nominal/final.txt'));
    expect(t.rowCount).toBe(1);
    expect(t.columns.map((c) => c.name)).toEqual([
      'Probe.UTCGregorian', 'Probe.Earth.SMA', 'Probe.Earth.ECC', 'Probe.Earth.RadApo', 'Probe.Earth.RMAG',
    ]);
    expect(t.columns[0].values[0]).toBe(utcNs(2026, 2, 2, 14, 30));
    expect(t.columns[1].values[0]).toBe(8384.691744762975);
    expect(t.columns[4].values[0]).toBe(6848.854912457341);
  });

  it('every ReportFile any real run wrote parses, all columns filled', () => {
    const reports: string[] = [];
    for (const mission of readdirSync(RUNS)) {
      for (const run of readdirSync(join(RUNS, mission), { withFileTypes: true })) {
        if (!run.isDirectory()) continue;
        for (const f of readdirSync(join(RUNS, mission, run.name))) {
          if (f.endsWith('.txt') && !['stdout.txt', 'GmatLog.txt', 'exit_code.txt', 'stdin.txt', 'transcript.txt'].includes(f)) {
            reports.push(join(mission, run.name, f));
          }
        }
      }
    }
    expect(reports.length).toBeGreaterThanOrEqual(8);
    for (const r of reports) {
      const t = parseReportFile(read(r));
      expect(t.rowCount, r).toBeGreaterThan(0);
      expect(t.columns[0].type, r).toBe('timestamp');
      for (const c of t.columns) {
        expect(c.values.length, r).toBe(t.rowCount);
        expect(c.values.every((v) => v !== null), `${r} ${c.name}`).toBe(true);
      }
    }
    expect(parseReportFile(read('geo_drift/nominal/drift.txt')).rowCount).toBe(577);
  });
});

describe('parseReportFile layout rules', () => {
  const W = [27, 26, 26];
  const header = pad(['Sat.UTCGregorian', 'Sat.ElapsedSecs', 'Sat.Earth.SMA'], W);
  const row = (e: string, s: string, a: string): string => pad([e, s, a], W);

  it('splits on two or more spaces so Gregorian epochs stay one token', () => {
    const t = parseReportFile([header, row('01 Jan 2000 11:59:28.000', '0', '7191.938817629013')].join('\n') + '\n');
    expect(t.rowCount).toBe(1);
    expect(t.columns[0].values[0]).toBe(parseGregorian('01 Jan 2000 11:59:28.000'));
    expect(t.columns[0].values[0]).toBe(utcNs(2000, 1, 1, 11, 59, 28));
    expect(t.columns[2].values[0]).toBe(7191.938817629013);
  });

  it('skips repeated header lines but keeps duplicate data rows', () => {
    const r1 = row('01 Jan 2000 12:00:00.000', '0', '7000');
    const r2 = row('01 Jan 2000 12:01:00.000', '60', '7000.5');
    const t = parseReportFile([header, r1, r2, header, r2, '   ' + header.trim() + '   ', r2].join('\n'));
    expect(t.rowCount).toBe(4);
    expect(t.columns[1].values).toEqual([0, 60, 60, 60]);
  });

  it('throws on a short row, naming the line and the counts', () => {
    const text = [header, row('01 Jan 2000 12:00:00.000', '0', '7000'), '', pad(['01 Jan 2000 12:01:00.000', '60'], W)].join('\n');
    expect(() => parseReportFile(text)).toThrow(GmatOutputParseError);
    expect(() => parseReportFile(text)).toThrow('expected 3 columns, got 2 on line 4');
  });

  it('throws on a long row too', () => {
    const text = [header, row('01 Jan 2000 12:00:00.000', '0', '7000') + '  99'].join('\r\n');
    expect(() => parseReportFile(text)).toThrow('expected 3 columns, got 4 on line 2');
  });

  it('reads NaN tokens as nulls in a double column', () => {
    const t = parseReportFile(
      [header, row('01 Jan 2000 12:00:00.000', '0', 'NaN'), row('01 Jan 2000 12:01:00.000', 'nan', '7000'),
        row('01 Jan 2000 12:02:00.000', '-nan', '-inf')].join('\n'),
    );
    expect(t.columns[1]).toEqual({ name: 'Sat.ElapsedSecs', type: 'double', values: [0, null, null] });
    expect(t.columns[2]).toEqual({ name: 'Sat.Earth.SMA', type: 'double', values: [null, 7000, -Infinity] });
  });

  it('keeps non-numeric columns as strings, verbatim', () => {
    const h = pad(['Sat.UTCGregorian', 'MyString', 'Mixed'], W);
    const t = parseReportFile([h, pad(['01 Jan 2000 12:00:00.000', 'hello world', '1'], W), pad(['01 Jan 2000 12:00:00.000', 'x', 'abc'], W)].join('\n'));
    expect(t.columns[1]).toEqual({ name: 'MyString', type: 'string', values: ['hello world', 'x'] });
    expect(t.columns[2]).toEqual({ name: 'Mixed', type: 'string', values: ['1', 'abc'] });
  });

  it('parses scientific notation and signs as doubles', () => {
    const h = pad(['A', 'B'], [26, 26]);
    const t = parseReportFile([h, pad(['1e-05', '-2.5E+03'], [26, 26]), pad(['+7', '.5'], [26, 26])].join('\n'));
    expect(t.columns[0].values).toEqual([1e-5, 7]);
    expect(t.columns[1].values).toEqual([-2500, 0.5]);
  });

  it('promotes ModJulian epoch columns with their scale', () => {
    const h = pad(['Sat.A1ModJulian', 'Sat.TAIGregorian', 'Sat.ElapsedDays'], [26, 27, 26]);
    const t = parseReportFile([h, pad(['21545', '01 Jan 2000 12:00:32.000', '0.5'], [26, 27, 26])].join('\n'));
    expect(t.columns[0]).toMatchObject({ type: 'timestamp', scale: 'A1', values: [utcNs(2000, 1, 1, 12)] });
    expect(t.columns[1]).toMatchObject({ type: 'timestamp', scale: 'TAI', values: [utcNs(2000, 1, 1, 12, 0, 32)] });
    expect(t.columns[2]).toMatchObject({ type: 'double', values: [0.5] });
  });

  it('throws on a malformed epoch, naming column and line', () => {
    const text = [header, row('01 Jan 2000 12:00:00.000', '0', '1'), row('32 Jan 2000 12:00:00.000', '0', '1')].join('\n');
    expect(() => parseReportFile(text)).toThrow(/column 'Sat.UTCGregorian', line 3/);
  });

  it('accepts CRLF, lone CR and a BOM', () => {
    const lines = [header, row('01 Jan 2000 12:00:00.000', '0', '7000'), row('01 Jan 2000 12:01:00.000', '60', '7001')];
    const lf = parseReportFile(lines.join('\n'));
    expect(parseReportFile(lines.join('\r\n') + '\r\n')).toEqual(lf);
    expect(parseReportFile(lines.join('\r'))).toEqual(lf);
    const bom = parseReportFile('\uFEFF' + lines.join('\r\n'));
    expect(bom).toEqual(lf);
    expect(bom.columns[0].name).toBe('Sat.UTCGregorian');
  });

  it('reports an empty file', () => {
    expect(() => parseReportFile('')).toThrow('file is empty');
    expect(() => parseReportFile('\uFEFF\r\n   \n\t\n')).toThrow('file is empty');
    expect(() => parseReportFile('')).toThrow(GmatOutputParseError);
  });

  it('a header-only file is a table with no rows', () => {
    const t = parseReportFile(header + '\n');
    expect(t.rowCount).toBe(0);
    expect(t.columns.map((c) => c.name)).toEqual(['Sat.UTCGregorian', 'Sat.ElapsedSecs', 'Sat.Earth.SMA']);
    expect(t.columns[0].type).toBe('timestamp');
  });
});
