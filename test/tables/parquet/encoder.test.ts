/**
 * gsweep's own column-chunk encoder and the reader's fast path: whatever layout the writer
 * chooses (page and row-group boundaries, dictionary strings, raw pages Snappy could not
 * shrink, typed input), DuckDB and hyparquet read the same values back, and the fast reader
 * agrees with hyparquet's general one.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { readParquetBytes } from '../../../tables/parquet/reader';
import { ParquetStreamWriter, type ColumnSpec } from '../../../tables/parquet/writer';
import { readParquetWithDuckDb } from '../../helpers/duckdb';

const SCHEMA: ColumnSpec[] = [
  { name: 'run_id', type: 'int64', nullable: false },
  { name: 'time', type: 'timestamp' },
  { name: 'x', type: 'double' },
  { name: 'noise', type: 'double' },
  { name: '__status', type: 'string' },
  { name: 'label', type: 'string' },
];

const T0 = 1_773_986_400_000_000_000n;

/** Deterministic pseudo-random doubles: full-precision values Snappy cannot shrink. */
function noise(i: number): number {
  const s = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return s - Math.floor(s);
}

function expectedRow(i: number) {
  const nullRow = i % 97 === 0;
  return {
    run_id: BigInt(Math.floor(i / 91)),
    time: nullRow ? null : T0 + BigInt(i) * 60_000_000_000n,
    x: nullRow ? null : i * 0.5 - 1000,
    noise: noise(i),
    __status: i % 50 === 0 ? 'failed' : 'ok',
    label: i % 7 === 0 ? null : `row-${i}-é`,
  };
}

function writeFile(rows: number, rowGroupRows: number, typed: boolean): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-enc-')), 't.parquet');
  const writer = new ParquetStreamWriter(file, SCHEMA, { rowGroupRows });
  const chunk = 1000;
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    const r = Array.from({ length: n }, (_, k) => expectedRow(start + k));
    if (typed) {
      const valid = Uint8Array.from(r, (row) => (row.x === null ? 0 : 1));
      writer.appendVectors(n, [
        { values: BigInt64Array.from(r, (row) => row.run_id) },
        { values: BigInt64Array.from(r, (row) => row.time ?? 0n), valid },
        { values: Float64Array.from(r, (row) => row.x ?? 0), valid },
        { values: Float64Array.from(r, (row) => row.noise) },
        { values: r.map((row) => row.__status) },
        { values: r.map((row) => row.label) },
      ]);
    } else {
      writer.append({
        rowCount: n,
        columns: [
          { name: 'run_id', type: 'int64', values: r.map((row) => row.run_id) },
          { name: 'time', type: 'timestamp', scale: 'UTC', values: r.map((row) => row.time) },
          { name: 'x', type: 'double', values: r.map((row) => row.x) },
          { name: 'noise', type: 'double', values: r.map((row) => row.noise) },
          { name: '__status', type: 'string', values: r.map((row) => row.__status) },
          { name: 'label', type: 'string', values: r.map((row) => row.label) },
        ],
      });
    }
  }
  writer.close();
  return file;
}

describe('column-chunk encoder', () => {
  for (const typed of [false, true]) {
    it(`round-trips 200 003 rows over several row groups and pages (${typed ? 'typed vectors' : 'boxed tables'})`, async () => {
      const rows = 200_003;
      const file = writeFile(rows, 70_000, typed);
      const bytes = fs.readFileSync(file);
      const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      expect(meta.row_groups.length).toBe(3);
      expect(Number(meta.num_rows)).toBe(rows);

      const back = await readParquetWithDuckDb(file);
      expect(back.types).toEqual({ run_id: 'BIGINT', time: 'TIMESTAMP_NS', x: 'DOUBLE', noise: 'DOUBLE', __status: 'VARCHAR', label: 'VARCHAR' });
      expect(back.rows.length).toBe(rows);
      for (const i of [0, 1, 96, 97, 65_535, 65_536, 69_999, 70_000, 131_071, 131_072, 199_999, 200_002]) {
        const want = expectedRow(i);
        const got = back.rows[i];
        expect({ ...got, time: got.time === null ? null : (got.time as { nanos: bigint }).nanos }, `row ${i}`).toEqual(want);
      }

      // The fast reader and hyparquet's general reader agree value for value.
      const fast = await readParquetBytes(fs.readFileSync(file), SCHEMA);
      const general = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), parsers: { timestampFromNanoseconds: (n: bigint) => n } });
      expect(fast.rowCount).toBe(rows);
      const column = (name: string) => fast.columns.find((c) => c.spec.name === name)!;
      for (const i of [0, 97, 65_536, 140_000, 200_002]) {
        for (const spec of SCHEMA) {
          const c = column(spec.name);
          const value = c.valid && c.valid[i] === 0 ? null : c.values[i];
          expect(value, `${spec.name}[${i}]`).toEqual(general[i][spec.name] ?? null);
        }
      }
    }, 60_000);
  }

  it('reads a column absent from the file as nulls', async () => {
    const file = writeFile(10, 1000, false);
    const table = await readParquetBytes(fs.readFileSync(file), [...SCHEMA, { name: 'missing', type: 'double' }]);
    expect(table.columns.at(-1)).toMatchObject({ spec: { name: 'missing' }, valid: new Uint8Array(10) });
  });
});
