/**
 * STK `.e` ephemeris, TimePosVel form (GMAT EphemerisFile `STK-TimePosVel`) -> Table with
 * `Epoch, X, Y, Z, VX, VY, VZ` (as gmat-run's ephemeris reader).
 *
 * Layout: `stk.v.X.Y` banner, `BEGIN Ephemeris`, `Key Value` metadata, `EphemerisTimePosVel`,
 * rows of `offsetSeconds X Y Z VX VY VZ`, optional `END Ephemeris`. `#` lines are comments.
 *
 * Epoch = ScenarioEpoch + offset, always labelled UTC as gmat-run does (GMAT writes the
 * scenario epoch in UTC). Units are left as written: with `DistanceUnit Meters` the state is in
 * m and m/s, exactly like gmat-run, which only reports the unit.
 */
import type { Column, Table } from '../table';
import { decimalToNs, GmatOutputParseError, NS_PER_SECOND, parseGregorian, parseModJulian } from './epoch';
import { STATE_COLUMNS } from './oem';
import { parseNumberToken, toLines } from './reportfile';

const BANNER_RE = /^stk\.v\.\d+(?:\.\d+)*$/i;

type State = 'banner' | 'begin' | 'meta' | 'block' | 'data' | 'end';

export function parseStkEphemeris(text: string): Table {
  const lines = toLines(text);
  if (lines.every((l) => l.text.trim() === '')) throw new GmatOutputParseError('file is empty');

  let state: State = 'banner';
  let blockName = ''; // a nested BEGIN X … END X meta block (e.g. SegmentBoundaryTimes), skipped
  let scenarioEpoch: bigint | undefined;
  const epochs: bigint[] = [];
  const states: number[][] = STATE_COLUMNS.map(() => []);

  for (const { no, text: raw } of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fail = (msg: string): never => {
      throw new GmatOutputParseError(`${msg} on line ${no}`);
    };
    const [key, ...rest] = line.split(/\s+/);
    const lower = key.toLowerCase();
    const second = (rest[0] ?? '').toLowerCase();

    switch (state) {
      case 'banner':
        if (!BANNER_RE.test(line)) fail(`expected an 'stk.v.X.Y' banner, got '${line}'`);
        state = 'begin';
        break;
      case 'begin':
        if (!(lower === 'begin' && second === 'ephemeris' && rest.length === 1)) fail("expected 'BEGIN Ephemeris'");
        state = 'meta';
        break;
      case 'block':
        if (lower === 'end' && rest.join(' ').toLowerCase() === blockName) state = 'meta';
        break;
      case 'meta':
        if (lower === 'begin') {
          blockName = rest.join(' ').toLowerCase();
          state = 'block';
        } else if (lower === 'ephemeristimeposvel') {
          if (scenarioEpoch === undefined) fail('EphemerisTimePosVel before any ScenarioEpoch');
          state = 'data';
        } else if (lower.startsWith('ephemeris')) {
          fail(`unsupported STK data section '${key}' (only EphemerisTimePosVel)`);
        } else if (lower === 'end') {
          fail(`'${line}' before any EphemerisTimePosVel section`);
        } else if (lower === 'scenarioepoch') {
          scenarioEpoch = parseScenarioEpoch(rest.join(' '), no);
        }
        // Other keys (CentralBody, CoordinateSystem, InterpolationMethod, DistanceUnit, …) are
        // metadata with no column of their own.
        break;
      case 'data': {
        if (lower === 'end') {
          if (second !== 'ephemeris') fail(`unexpected '${line}'`);
          state = 'end';
          break;
        }
        const tokens = [key, ...rest];
        if (tokens.length !== 7) fail(`expected 7 tokens (offset + 6 state values), got ${tokens.length}`);
        let offset: bigint;
        try {
          offset = decimalToNs(key, NS_PER_SECOND);
        } catch {
          return fail(`invalid time offset '${key}'`);
        }
        epochs.push(scenarioEpoch! + offset);
        for (let j = 0; j < 6; j++) {
          const v = parseNumberToken(tokens[j + 1]);
          if (typeof v !== 'number' || !Number.isFinite(v)) fail(`non-numeric state value '${tokens[j + 1]}'`);
          states[j].push(v as number);
        }
        break;
      }
      case 'end':
        fail('content after END Ephemeris');
    }
  }

  if (state === 'banner') throw new GmatOutputParseError('no stk.v banner found');
  if (state !== 'data' && state !== 'end') throw new GmatOutputParseError('no EphemerisTimePosVel section found');

  const columns: Column[] = [
    { name: 'Epoch', type: 'timestamp', scale: 'UTC', values: epochs },
    ...STATE_COLUMNS.map((name, j): Column => ({ name, type: 'double', values: states[j] })),
  ];
  return { columns, rowCount: epochs.length };
}

/** Gregorian text (it has letters; STK sometimes quotes it) or a numeric GMAT ModJulian. */
function parseScenarioEpoch(value: string, no: number): bigint {
  const v = value.replace(/^"(.*)"$/, '$1').trim();
  try {
    return /[A-Za-z]/.test(v) ? parseGregorian(v) : parseModJulian(v);
  } catch (e) {
    throw new GmatOutputParseError(`invalid ScenarioEpoch on line ${no}: ${(e as Error).message}`);
  }
}
