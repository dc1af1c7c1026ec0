/**
 * GMAT ContactLocator report -> Table (as gmat-run's contact reader).
 *
 * Two families:
 *  - Legacy: per-observer blocks (`Observer: X`, a header, `Start  Stop  Duration` rows,
 *    `Number of events : N`) flattened to `Observer, Start, Stop, Duration`.
 *  - Tabular report formats: one header line, a dashes line, rows. Which of the five formats it
 *    is follows from the *set* of column names, so column order is taken from the file.
 * All times are UTC (ContactLocator has no other scale).
 */
import type { Column, Table } from '../table';
import { GmatOutputParseError, parseGregorian, parseIsoYearDay, parseModJulian } from './epoch';
import { type Line, parseNumberToken, splitWide, toLines } from './reportfile';

export type ContactReportFormat =
  | 'Legacy'
  | 'ContactRangeReport'
  | 'SiteViewMaxElevationReport'
  | 'SiteViewMaxElevationRangeReport'
  | 'AzimuthElevationRangeReport'
  | 'AzimuthElevationRangeRangeRateReport';

/** Which report format a file is, without building the table (e.g. for logging). */
export function contactReportFormat(text: string): ContactReportFormat {
  return parseContact(text).format;
}

export function parseContactReport(text: string): Table {
  return parseContact(text).table;
}

function parseContact(text: string): { format: ContactReportFormat; table: Table } {
  const lines = toLines(text).filter((l) => l.text.trim() !== '');
  if (lines.length === 0) throw new GmatOutputParseError('file is empty');
  const target = /^Target:\s*(.*)$/.exec(lines[0].text.trim());
  if (!target) throw new GmatOutputParseError(`expected 'Target: <name>' on line ${lines[0].no}`);
  if (target[1].trim() === '') throw new GmatOutputParseError(`empty Target name on line ${lines[0].no}`);
  const body = lines.slice(1);
  if (body.length > 0 && body[0].text.trim().startsWith('Observer:')) {
    return { format: 'Legacy', table: parseLegacy(body) };
  }
  return parseTabular(body);
}

// ---------------------------------------------------------------------------------------------
// Legacy

const OBSERVER_RE = /^Observer:\s*(.*)$/;
const COUNT_RE = /^Number of events\s*:\s*(\d+)$/;

function parseLegacy(body: Line[]): Table {
  const observer: string[] = [];
  const start: bigint[] = [];
  const stop: bigint[] = [];
  const duration: number[] = [];

  let i = 0;
  while (i < body.length) {
    const head = OBSERVER_RE.exec(body[i].text.trim());
    if (!head) throw new GmatOutputParseError(`expected 'Observer: <name>' on line ${body[i].no}`);
    const name = head[1].trim();
    // The line after `Observer:` is the column header, or GMAT's "no events" message when the
    // observer saw nothing; either way it carries no data (unless the block is already over).
    i += 1;
    const next = body[i]?.text.trim();
    if (next !== undefined && !COUNT_RE.test(next) && !OBSERVER_RE.test(next)) i += 1;
    let rows = 0;
    let counted = false;
    for (; i < body.length; i++) {
      const { no, text } = body[i];
      const t = text.trim();
      if (OBSERVER_RE.test(t)) break;
      const count = COUNT_RE.exec(t);
      if (count) {
        if (Number(count[1]) !== rows) {
          throw new GmatOutputParseError(
            `observer '${name}': 'Number of events : ${count[1]}' on line ${no} but ${rows} rows were read`,
          );
        }
        counted = true;
        i++;
        break;
      }
      const tokens = splitWide(t);
      if (tokens.length !== 3) throw new GmatOutputParseError(`expected 3 columns, got ${tokens.length} on line ${no}`);
      observer.push(name);
      start.push(timeCell(tokens[0], 'UTC', 'Start', no));
      stop.push(timeCell(tokens[1], 'UTC', 'Stop', no));
      duration.push(numberCell(tokens[2], 'Duration', no));
      rows++;
    }
    // A block may omit the count only when it has no events (the "no events" form).
    if (!counted && rows > 0) {
      throw new GmatOutputParseError(`observer '${name}': missing 'Number of events : N' line`);
    }
  }

  const columns: Column[] = [
    { name: 'Observer', type: 'string', values: observer },
    { name: 'Start', type: 'timestamp', scale: 'UTC', values: start },
    { name: 'Stop', type: 'timestamp', scale: 'UTC', values: stop },
    { name: 'Duration', type: 'double', values: duration },
  ];
  return { columns, rowCount: observer.length };
}

// ---------------------------------------------------------------------------------------------
// Tabular formats

type Kind = 'string' | 'pass' | 'double' | 'time';
interface HeaderCol {
  name: string;
  kind: Kind;
  timeFormat?: TimeFormat;
}
type TimeFormat = 'UTC' | 'UTC-MJD' | 'ISO-YD';

/** Header base name (without the `(unit)` suffix) -> output column name and kind. */
const BASE_NAMES: ReadonlyMap<string, { name: string; kind: Kind }> = new Map([
  ['Observer', { name: 'Observer', kind: 'string' }],
  ['Pass Number', { name: 'Pass', kind: 'pass' }],
  ['Duration', { name: 'Duration', kind: 'double' }],
  ['Start Time', { name: 'Start', kind: 'time' }],
  ['Stop Time', { name: 'Stop', kind: 'time' }],
  ['Time', { name: 'Time', kind: 'time' }],
  ['Max Elevation Time', { name: 'MaxElevationTime', kind: 'time' }],
  ['Start Range', { name: 'StartRange', kind: 'double' }],
  ['Stop Range', { name: 'StopRange', kind: 'double' }],
  ['Range', { name: 'Range', kind: 'double' }],
  ['Range Rate', { name: 'RangeRate', kind: 'double' }],
  ['Azimuth', { name: 'Azimuth', kind: 'double' }],
  ['Elevation', { name: 'Elevation', kind: 'double' }],
  ['Maximum Elevation', { name: 'MaxElevation', kind: 'double' }],
] as const);

const TIME_SUFFIX: ReadonlyMap<string, TimeFormat> = new Map([
  ['UTC', 'UTC'],
  ['UTCGregorian', 'UTC'],
  ['UTC-MJD', 'UTC-MJD'],
  ['ISO-YD', 'ISO-YD'],
]);

const FINGERPRINTS: readonly [Exclude<ContactReportFormat, 'Legacy'>, readonly string[]][] = [
  ['ContactRangeReport', ['Observer', 'Duration', 'Start', 'Stop', 'StartRange', 'StopRange']],
  ['SiteViewMaxElevationReport', ['Observer', 'Start', 'Stop', 'Duration', 'MaxElevation', 'MaxElevationTime']],
  [
    'SiteViewMaxElevationRangeReport',
    ['Observer', 'Start', 'Stop', 'Duration', 'MaxElevation', 'MaxElevationTime', 'StartRange', 'StopRange'],
  ],
  ['AzimuthElevationRangeReport', ['Pass', 'Observer', 'Time', 'Azimuth', 'Elevation', 'Range']],
  ['AzimuthElevationRangeRangeRateReport', ['Pass', 'Observer', 'Time', 'Azimuth', 'Elevation', 'Range', 'RangeRate']],
];

function parseHeaderToken(token: string, no: number): HeaderCol {
  const g = /^(.*?)\s*(?:\(([^)]*)\))?$/.exec(token)!;
  const base = BASE_NAMES.get(g[1]);
  if (!base) throw new GmatOutputParseError(`unknown column '${token}' in header on line ${no}`);
  if (base.kind !== 'time') return { ...base };
  if (g[2] === undefined) throw new GmatOutputParseError(`time column '${token}' has no (scale) suffix on line ${no}`);
  const timeFormat = TIME_SUFFIX.get(g[2]);
  if (!timeFormat) throw new GmatOutputParseError(`unknown time format '${g[2]}' in column '${token}' on line ${no}`);
  return { ...base, timeFormat };
}

function fingerprint(cols: HeaderCol[], no: number): Exclude<ContactReportFormat, 'Legacy'> {
  const names = new Set(cols.map((c) => c.name));
  for (const [format, expected] of FINGERPRINTS) {
    if (names.size === cols.length && names.size === expected.length && expected.every((n) => names.has(n))) {
      return format;
    }
  }
  throw new GmatOutputParseError(
    `unrecognised ContactLocator report columns (${cols.map((c) => c.name).join(', ')}) on line ${no}`,
  );
}

function parseTabular(body: Line[]): { format: ContactReportFormat; table: Table } {
  if (body.length === 0) throw new GmatOutputParseError('no report header after Target line');
  const headerLine = body[0];
  const cols = splitWide(headerLine.text).map((t) => parseHeaderToken(t, headerLine.no));
  const format = fingerprint(cols, headerLine.no);

  const dashes = body[1];
  if (!dashes) throw new GmatOutputParseError(`missing dashes line after header on line ${headerLine.no}`);
  const dashTokens = splitWide(dashes.text);
  if (!dashTokens.every((t) => /^-+$/.test(t))) {
    throw new GmatOutputParseError(`expected a line of dashes on line ${dashes.no}`);
  }
  if (dashTokens.length !== cols.length) {
    throw new GmatOutputParseError(`expected ${cols.length} dash groups, got ${dashTokens.length} on line ${dashes.no}`);
  }

  const values: (string | bigint | number)[][] = cols.map(() => []);
  for (const { no, text } of body.slice(2)) {
    const tokens = splitWide(text);
    if (tokens.length !== cols.length) {
      throw new GmatOutputParseError(`expected ${cols.length} columns, got ${tokens.length} on line ${no}`);
    }
    cols.forEach((c, j) => values[j].push(cell(c, tokens[j], no)));
  }

  const columns = cols.map((c, j): Column => {
    switch (c.kind) {
      case 'string': return { name: c.name, type: 'string', values: values[j] as string[] };
      case 'pass': return { name: c.name, type: 'int64', values: values[j] as bigint[] };
      case 'double': return { name: c.name, type: 'double', values: values[j] as number[] };
      case 'time': return { name: c.name, type: 'timestamp', scale: 'UTC', values: values[j] as bigint[] };
    }
  });
  const rowCount = body.length - 2;
  return { format, table: { columns, rowCount } };
}

function cell(c: HeaderCol, token: string, no: number): string | bigint | number {
  switch (c.kind) {
    case 'string': return token;
    case 'pass':
      if (!/^[+-]?\d+$/.test(token)) throw new GmatOutputParseError(`column '${c.name}': bad integer '${token}' on line ${no}`);
      return BigInt(token);
    case 'double': return numberCell(token, c.name, no);
    case 'time': return timeCell(token, c.timeFormat!, c.name, no);
  }
}

function numberCell(token: string, column: string, no: number): number {
  const v = parseNumberToken(token);
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new GmatOutputParseError(`column '${column}': bad number '${token}' on line ${no}`);
  }
  return v;
}

function timeCell(token: string, format: TimeFormat, column: string, no: number): bigint {
  try {
    switch (format) {
      case 'UTC': return parseGregorian(token);
      case 'UTC-MJD': return parseModJulian(token);
      case 'ISO-YD': return parseIsoYearDay(token);
    }
  } catch (e) {
    throw new GmatOutputParseError(`column '${column}', line ${no}: ${(e as Error).message}`);
  }
}

