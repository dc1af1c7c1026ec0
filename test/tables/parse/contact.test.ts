import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contactReportFormat, GmatOutputParseError, parseContactReport, parseOutputFile } from '../../../tables/parse';

const DIR = '/work/shared/fixtures/gmat-output/contact';
const utcNs = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): bigint =>
  BigInt(Date.UTC(y, mo - 1, d, h, mi, s, ms)) * 1_000_000n;

describe('contact report format detection on the real fixtures', () => {
  it.each([
    ['Legacy', 'Legacy'],
    ['ContactRange', 'ContactRangeReport'],
    ['MaxElev', 'SiteViewMaxElevationReport'],
    ['MaxElevRange', 'SiteViewMaxElevationRangeReport'],
    ['AzElRange', 'AzimuthElevationRangeReport'],
  ])('%s -> %s', (file, format) => {
    expect(contactReportFormat(readFileSync(`${DIR}/Ex_ContactLocatorAllFormats__${file}.txt`, 'utf8'))).toBe(format);
  });

  it('Legacy flattens observer blocks in file order', () => {
    const t = parseOutputFile('contact', readFileSync(`${DIR}/Ex_ContactLocatorAllFormats__Legacy.txt`, 'utf8'));
    expect(t.columns[0].values).toEqual(['AthGS', 'AthGS', 'AthGS', 'HreGS', 'HreGS', 'HreGS', 'HreGS', 'GSFC', 'GSFC', 'GSFC']);
    expect(t.columns[1].values[3]).toBe(utcNs(2010, 1, 9, 16));
    expect(t.columns[3].values[3]).toBe(3053.2220792);
  });
});

const LEGACY_BLOCK = (name: string, rows: string[], count = rows.length): string[] => [
  `Observer: ${name}`,
  'Start Time (UTC)            Stop Time (UTC)               Duration (s)         ',
  ...rows.map((r) => r + '    '),
  '',
  '',
  `Number of events : ${count}`,
  '',
  '',
];
const EV1 = '09 Jan 2010 20:36:24.626    09 Jan 2010 23:05:18.684      8934.0587546';

describe('Legacy contact reports', () => {
  it('an observer with no events contributes no rows', () => {
    const text = ['Target: Sat', '', 'Observer: Far', 'There are no contact events', '', 'Number of events : 0', '', ...LEGACY_BLOCK('AthGS', [EV1])].join('\n');
    const t = parseContactReport(text);
    expect(t.rowCount).toBe(1);
    expect(t.columns.map((c) => c.name)).toEqual(['Observer', 'Start', 'Stop', 'Duration']);
    expect(t.columns[0].values).toEqual(['AthGS']);
    expect(t.columns[2].values).toEqual([utcNs(2010, 1, 9, 23, 5, 18, 684)]);
    // …also when the count line is absent for the empty block.
    expect(parseContactReport(['Target: Sat', 'Observer: Far', 'no events', ...LEGACY_BLOCK('AthGS', [EV1])].join('\n')).rowCount).toBe(1);
    // …and when the block is just the Observer line and its zero count.
    expect(parseContactReport(['Target: Sat', 'Observer: Far', 'Number of events : 0', ...LEGACY_BLOCK('AthGS', [EV1])].join('\n')).rowCount).toBe(1);
  });

  it('checks Number of events against the rows read', () => {
    const text = ['Target: Sat', '', ...LEGACY_BLOCK('AthGS', [EV1, EV1], 3)].join('\n');
    expect(() => parseContactReport(text)).toThrow(/'AthGS': 'Number of events : 3' on line 9 but 2 rows were read/);
  });

  it('requires the count line when a block has events', () => {
    expect(() => parseContactReport(['Target: Sat', 'Observer: A', 'hdr', EV1].join('\n'))).toThrow(/missing 'Number of events/);
  });

  it('rejects a malformed row with its line number', () => {
    const text = ['Target: Sat', '', ...LEGACY_BLOCK('AthGS', ['09 Jan 2010 20:36:24.626    8934.0587546'])].join('\n');
    expect(() => parseContactReport(text)).toThrow('expected 3 columns, got 2 on line 5');
  });
});

const header = (cols: string[]): string[] => [
  cols.map((c) => c.padEnd(c.length + 5)).join(''),
  cols.map((c) => '-'.repeat(c.length).padEnd(c.length + 5)).join(''),
];

describe('tabular contact reports', () => {
  it('AzimuthElevationRangeRangeRateReport with UTC-MJD times, blank lines between passes', () => {
    const text = [
      'Target: Sat',
      '',
      ...header(['Pass Number', 'Observer', 'Time (UTC-MJD)', 'Azimuth (deg)', 'Elevation (deg)', 'Range (km)', 'Range Rate (km/s)']),
      '          1        HreGS     21545.5        173.586003           17.825309     13571.316577     -0.5     ',
      '',
      '          2        Two Words     21545.75     1     2     3     4',
    ].join('\n');
    expect(contactReportFormat(text)).toBe('AzimuthElevationRangeRangeRateReport');
    const t = parseContactReport(text);
    expect(t.rowCount).toBe(2);
    expect(t.columns.map((c) => [c.name, c.type])).toEqual([
      ['Pass', 'int64'], ['Observer', 'string'], ['Time', 'timestamp'], ['Azimuth', 'double'],
      ['Elevation', 'double'], ['Range', 'double'], ['RangeRate', 'double'],
    ]);
    expect(t.columns[0].values).toEqual([1n, 2n]);
    expect(t.columns[1].values).toEqual(['HreGS', 'Two Words']);
    expect(t.columns[2].values).toEqual([utcNs(2000, 1, 2), utcNs(2000, 1, 2, 6)]);
    expect(t.columns[6].values).toEqual([-0.5, 4]);
  });

  it('keeps the file column order (fingerprint is a set)', () => {
    const text = ['Target: Sat', ...header(['Duration (s)', 'Observer', 'Stop Time (UTC)', 'Start Time (ISO-YD)', 'Stop Range (km)', 'Start Range (km)']),
      '10     GS     01 Jan 2010 00:00:10.000     2010-001T00:00:00.000     2     1'].join('\n');
    const t = parseContactReport(text);
    expect(t.columns.map((c) => c.name)).toEqual(['Duration', 'Observer', 'Stop', 'Start', 'StopRange', 'StartRange']);
    expect(t.columns[3].values).toEqual([utcNs(2010, 1, 1)]);
  });

  const ok = ['Observer', 'Duration (s)', 'Start Time (UTCGregorian)', 'Stop Time (UTCGregorian)', 'Start Range (km)', 'Stop Range (km)'];
  const row = 'GS     1     01 Jan 2010 00:00:00.000     01 Jan 2010 00:00:01.000     1     2';
  it.each([
    ['empty', '', /file is empty/],
    ['missing Target', [...header(ok), row].join('\n'), /expected 'Target: <name>' on line 1/],
    ['empty Target', ['Target:   ', ...header(ok), row].join('\n'), /empty Target name/],
    ['unknown header token', ['Target: Sat', ...header([...ok.slice(0, 5), 'Speed (km/s)']), row].join('\n'), /unknown column 'Speed \(km\/s\)' in header on line 2/],
    ['time column without scale', ['Target: Sat', ...header(ok.map((c) => c.replace(' (UTCGregorian)', ''))), row].join('\n'), /time column 'Start Time' has no \(scale\) suffix/],
    ['unknown time scale', ['Target: Sat', ...header(ok.map((c) => c.replace('UTCGregorian', 'TAI'))), row].join('\n'), /unknown time format 'TAI'/],
    ['unknown fingerprint', ['Target: Sat', ...header(ok.slice(0, 5)), row].join('\n'), /unrecognised ContactLocator report columns/],
    ['missing dashes', ['Target: Sat', header(ok)[0], row].join('\n'), /expected a line of dashes on line 3/],
    ['wrong dash count', ['Target: Sat', header(ok)[0], '----     ----', row].join('\n'), /expected 6 dash groups, got 2 on line 3/],
    ['wrong column count', ['Target: Sat', ...header(ok), row, 'GS     1'].join('\n'), /expected 6 columns, got 2 on line 5/],
    ['bad number', ['Target: Sat', ...header(ok), row.replace('     1     ', '     x     ')].join('\n'), /column 'Duration': bad number 'x' on line 4/],
    ['bad time', ['Target: Sat', ...header(ok), row.replace('01 Jan', '41 Jan')].join('\n'), /column 'Start', line 4/],
    ['a stray line where an Observer block should start (Legacy)', ['Target: Sat', 'Observer: A', 'hdr', 'Number of events : 0', 'junk'].join('\n'), /expected 'Observer: <name>' on line 5/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseContactReport(text)).toThrow(GmatOutputParseError);
    expect(() => parseContactReport(text)).toThrow(message);
  });

  it('tolerates CRLF and a BOM', () => {
    const lf = ['Target: Sat', ...header(ok), row].join('\n');
    expect(parseContactReport('\uFEFF' + lf.replace(/\n/g, '\r\n'))).toEqual(parseContactReport(lf));
  });
});
