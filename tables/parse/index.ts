/** GMAT output text -> Table parsers (pure functions; no I/O). */
import type { OutputKind, Table } from '../table';
import { parseContactReport } from './contact';
import { parseOem } from './oem';
import { parseReportFile } from './reportfile';
import { parseStkEphemeris } from './stk';

export * from './epoch';
export { parseReportFile, parseNumberToken, splitWide, toLines } from './reportfile';
export type { Line } from './reportfile';
export { parseOem } from './oem';
export { parseStkEphemeris } from './stk';
export { parseContactReport, contactReportFormat } from './contact';
export type { ContactReportFormat } from './contact';

/** True when ephemeris text is STK `.e` (its first non-comment line is the `stk.v.` banner). */
function isStkEphemeris(text: string): boolean {
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    return /^stk\.v\./i.test(line);
  }
  return false;
}

/** Parse one GMAT output file's text by kind; ephemeris format is told apart by content. */
export function parseOutputFile(kind: OutputKind, text: string): Table {
  switch (kind) {
    case 'report':
      return parseReportFile(text);
    case 'contact':
      return parseContactReport(text);
    case 'ephemeris':
      return isStkEphemeris(text) ? parseStkEphemeris(text) : parseOem(text);
  }
}
