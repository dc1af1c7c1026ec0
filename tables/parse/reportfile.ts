/**
 * GMAT ReportFile text -> Table (the columns and epochs gmat-run's reader produces).
 *
 * Layout: one header line, then rows; columns are separated by runs of >= 2 whitespace. Single
 * spaces cannot be separators because Gregorian epochs (`26 Nov 2026 12:00:00.000`) contain
 * them, and column positions cannot be trusted because Report-command files write the header
 * one character narrower than the data.
 */
import type { Column, Table } from '../table';
import { epochColumnKind, GmatOutputParseError, parseEpoch } from './epoch';

/** A physical line of the input with its 1-based line number (for error messages). */
export interface Line {
  no: number;
  text: string;
}

/** BOM stripped, universal newlines (CRLF, CR, LF) like Python's text mode, trailing ws kept off. */
export function toLines(text: string): Line[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.split(/\r\n|\r|\n/).map((t, i) => ({ no: i + 1, text: t.trimEnd() }));
}

/** Split on runs of two or more whitespace characters, after trimming. */
export function splitWide(text: string): string[] {
  const t = text.trim();
  return t === '' ? [] : t.split(/\s{2,}/);
}

const FINITE_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^[+-]?inf(?:inity)?$/i;
// glibc prints `nan`/`-nan`, MSVC `-nan(ind)`; GMAT's own formatter prints `NaN`.
const NAN_RE = /^[+-]?nan(?:\([^)]*\))?$/i;

/**
 * A numeric token -> number; NaN spellings -> null; anything else -> undefined (not numeric).
 * Number() is used only after the regex check because on its own it accepts '', '0x1f', ' 1'.
 */
export function parseNumberToken(token: string): number | null | undefined {
  if (FINITE_RE.test(token)) return Number(token);
  if (INF_RE.test(token)) return token.startsWith('-') ? -Infinity : Infinity;
  if (NAN_RE.test(token)) return null;
  return undefined;
}

export function parseReportFile(text: string): Table {
  const lines = toLines(text).filter((l) => l.text.trim() !== '');
  if (lines.length === 0) throw new GmatOutputParseError('file is empty');

  const header = lines[0].text.trim();
  const names = splitWide(header);
  const cells: { no: number; tokens: string[] }[] = [];
  for (const line of lines.slice(1)) {
    // GMAT rewrites the header at segment boundaries; such lines are not data.
    if (line.text.trim() === header) continue;
    const tokens = splitWide(line.text);
    if (tokens.length !== names.length) {
      throw new GmatOutputParseError(
        `expected ${names.length} columns, got ${tokens.length} on line ${line.no}`,
      );
    }
    cells.push({ no: line.no, tokens });
  }

  const columns = names.map((name, j) => buildColumn(name, cells.map((r) => ({ no: r.no, token: r.tokens[j] }))));
  return { columns, rowCount: cells.length };
}

function buildColumn(name: string, cells: { no: number; token: string }[]): Column {
  const epoch = epochColumnKind(name);
  if (epoch) {
    const values = cells.map(({ no, token }) => {
      try {
        return parseEpoch(token, epoch.format);
      } catch (e) {
        throw new GmatOutputParseError(`column '${name}', line ${no}: ${(e as Error).message}`);
      }
    });
    return { name, type: 'timestamp', scale: epoch.scale, values };
  }

  const numbers = cells.map(({ token }) => parseNumberToken(token));
  if (numbers.every((v) => v !== undefined)) {
    // Every numeric column is 'double', integers included: gsweep's table spec types ReportFile
    // numbers as DOUBLE, so a column's type cannot flip between runs (e.g. ElapsedSecs is `0`
    // on one row and `59.99999988` on the next; a sweep whose rows all happen to be integral
    // must not produce an int64 column that fails to union with its siblings).
    //
    // NaN tokens become null rather than turning the whole column into text (which is what
    // gmat-run/pandas does): GMAT writes `NaN` for parameters that are undefined at that
    // instant (e.g. before a burn, or an orbit element of a degenerate orbit), so NaN is a
    // missing value of a numeric column, not evidence that the column is text.
    return { name, type: 'double', values: numbers as (number | null)[] };
  }
  return { name, type: 'string', values: cells.map((c) => c.token) };
}
