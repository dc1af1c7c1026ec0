import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { ParquetStreamWriter, writeParquetTable } from '../../../tables/parquet/writer';
import type { Table } from '../../../tables/table';
import { readParquetWithDuckDb } from '../../helpers/duckdb';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-parquet-'));
}

const epoch2026 = BigInt(Date.UTC(2026, 2, 20, 6, 0, 0)) * 1_000_000n;

function sampleTable(): Table {
  return {
    rowCount: 3,
    columns: [
      { name: 'run_id', type: 'int64', values: [0n, 0n, 1n] },
      { name: 'time', type: 'timestamp', scale: 'UTC', values: [epoch2026, epoch2026 + 60_000_000_000n, null] },
      { name: 'Sat.EarthMJ2000Eq.X', type: 'double', values: [7100.25, -1e-17, null] },
      { name: 'label', type: 'string', values: ['a', 'é', null] },
    ],
  };
}

describe('Parquet writer', () => {
  it('writes logical types an independent reader (DuckDB) understands', async () => {
    const file = path.join(tmpDir(), 't.parquet');
    writeParquetTable(file, sampleTable());
    const back = await readParquetWithDuckDb(file, 'run_id, time NULLS LAST');
    expect(back.types).toEqual({
      run_id: 'BIGINT',
      time: 'TIMESTAMP_NS',
      'Sat.EarthMJ2000Eq.X': 'DOUBLE',
      label: 'VARCHAR',
    });
    expect(back.rows.map((r) => r['Sat.EarthMJ2000Eq.X'])).toEqual([7100.25, -1e-17, null]);
    expect(back.rows.map((r) => r.label)).toEqual(['a', 'é', null]);
    expect(String(back.rows[1].time)).toBe('2026-03-20 06:01:00');
    expect(back.rows[2].time).toBeNull();
  });

  it('reads back in hyparquet too, with the TIMESTAMP(NANOS) logical type in the footer', async () => {
    const file = path.join(tmpDir(), 't.parquet');
    writeParquetTable(file, sampleTable());
    const bytes = fs.readFileSync(file);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const meta = parquetMetadata(buffer);
    const time = meta.schema.find((s) => s.name === 'time');
    expect(time?.logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' });
    const rows = await parquetReadObjects({ file: buffer });
    expect(rows.map((r) => r.run_id)).toEqual([0n, 0n, 1n]);
  });

  it('streams many row groups and leaves no temp file behind', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'big.parquet');
    const writer = new ParquetStreamWriter(file, [
      { name: 'run_id', type: 'int64', nullable: false },
      { name: 'x', type: 'double' },
    ], { rowGroupRows: 1000 });
    for (let chunk = 0; chunk < 25; chunk++) {
      const n = 333;
      writer.append({
        rowCount: n,
        columns: [
          { name: 'run_id', type: 'int64', values: Array.from({ length: n }, () => BigInt(chunk)) },
          { name: 'x', type: 'double', values: Array.from({ length: n }, (_, i) => chunk * 1000 + i) },
        ],
      });
    }
    writer.close();
    expect(fs.readdirSync(dir)).toEqual(['big.parquet']);
    const bytes = fs.readFileSync(file);
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(meta.row_groups.length).toBeGreaterThan(5);
    const back = await readParquetWithDuckDb(file);
    expect(back.rows.length).toBe(25 * 333);
    expect(back.rows.at(-1)).toEqual({ run_id: 24n, x: 24332 });
  });

  it('refuses a column whose type disagrees with the schema, and abort leaves the target untouched', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'x.parquet');
    fs.writeFileSync(file, 'previous');
    const writer = new ParquetStreamWriter(file, [{ name: 'x', type: 'double' }]);
    expect(() =>
      writer.append({ rowCount: 1, columns: [{ name: 'x', type: 'string', values: ['no'] }] }),
    ).toThrow('column "x" is string in this table but double in the Parquet schema');
    writer.abort();
    expect(fs.readFileSync(file, 'utf8')).toBe('previous');
    expect(fs.readdirSync(dir)).toEqual(['x.parquet']);
  });
});
