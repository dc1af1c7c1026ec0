/**
 * CCSDS-OEM (text) -> Table with `Epoch, X, Y, Z, VX, VY, VZ` (as gmat-run's ephemeris reader).
 *
 * Segments (META_START…META_STOP + data lines) are concatenated in file order. The epoch column
 * carries the segments' TIME_SYSTEM; one Table column has one scale, so segments that disagree
 * are rejected rather than silently mixed.
 */
import type { Column, Table, TimeScale } from '../table';
import { GmatOutputParseError, parseIsoAny } from './epoch';
import { parseNumberToken, toLines } from './reportfile';

export const STATE_COLUMNS = ['X', 'Y', 'Z', 'VX', 'VY', 'VZ'] as const;
const SCALES: readonly TimeScale[] = ['UTC', 'A1', 'TAI', 'TT', 'TDB'];
const KEY_VALUE_RE = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/;

type State = 'header' | 'meta' | 'data' | 'covariance';

export function parseOem(text: string): Table {
  const lines = toLines(text);
  if (lines.every((l) => l.text.trim() === '')) throw new GmatOutputParseError('file is empty');

  let state: State = 'header';
  let openedAt = 0; // line of the META_START / COVARIANCE_START still open
  let meta = new Map<string, string>();
  let scale: TimeScale | undefined;
  let segments = 0;
  const epochs: bigint[] = [];
  const states: number[][] = STATE_COLUMNS.map(() => []);

  for (const { no, text: raw } of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('COMMENT')) continue;
    const fail = (msg: string): never => {
      throw new GmatOutputParseError(`${msg} on line ${no}`);
    };

    if (state === 'covariance') {
      if (line === 'COVARIANCE_STOP') state = 'data';
      continue;
    }
    if (line === 'META_START') {
      if (state === 'meta') fail('META_START inside an open META block');
      state = 'meta';
      openedAt = no;
      meta = new Map();
      segments += 1;
      continue;
    }
    if (line === 'META_STOP') {
      if (state !== 'meta') fail('META_STOP without META_START');
      scale = segmentScale(meta, scale, no);
      state = 'data';
      continue;
    }
    if (state === 'header' || state === 'meta') {
      const kv = KEY_VALUE_RE.exec(line);
      if (!kv) fail(state === 'header' ? 'expected KEY = VALUE or META_START' : 'bad KEY = VALUE line');
      if (state === 'meta') meta.set(kv![1], kv![2].trim());
      continue;
    }
    // state === 'data'
    if (line === 'COVARIANCE_START') {
      state = 'covariance';
      openedAt = no;
      continue;
    }
    if (line === 'COVARIANCE_STOP') fail('COVARIANCE_STOP without COVARIANCE_START');
    const tokens = line.split(/\s+/);
    if (tokens.length === 10) fail('acceleration columns are not supported (expected 7 tokens, got 10)');
    if (tokens.length !== 7) fail(`expected 7 tokens (epoch + 6 state values), got ${tokens.length}`);
    let epoch: bigint;
    try {
      epoch = parseIsoAny(tokens[0]);
    } catch (e) {
      return fail((e as Error).message);
    }
    epochs.push(epoch);
    for (let j = 0; j < 6; j++) {
      const v = parseNumberToken(tokens[j + 1]);
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`non-numeric state value '${tokens[j + 1]}'`);
      states[j].push(v as number);
    }
  }

  if (state === 'meta') throw new GmatOutputParseError(`unterminated META block (META_START on line ${openedAt})`);
  if (state === 'covariance') {
    throw new GmatOutputParseError(`unterminated COVARIANCE block (COVARIANCE_START on line ${openedAt})`);
  }
  if (segments === 0 || scale === undefined) throw new GmatOutputParseError('no META_START found');

  const columns: Column[] = [
    { name: 'Epoch', type: 'timestamp', scale, values: epochs },
    ...STATE_COLUMNS.map((name, j): Column => ({ name, type: 'double', values: states[j] })),
  ];
  return { columns, rowCount: epochs.length };
}

function segmentScale(meta: Map<string, string>, previous: TimeScale | undefined, no: number): TimeScale {
  const ts = meta.get('TIME_SYSTEM');
  if (ts === undefined) throw new GmatOutputParseError(`META block without TIME_SYSTEM ending on line ${no}`);
  const scale = SCALES.find((s) => s === ts.toUpperCase());
  if (!scale) throw new GmatOutputParseError(`unsupported TIME_SYSTEM '${ts}' on line ${no}`);
  if (previous !== undefined && previous !== scale) {
    throw new GmatOutputParseError(
      `segments use different TIME_SYSTEMs (${previous} then ${scale}, line ${no}); one Epoch column cannot hold both`,
    );
  }
  return scale;
}
