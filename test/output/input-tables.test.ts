/**
 * Input tables read through the out's Store, on both implementations: a directory and a real
 * S3 gateway (SeaweedFS, started here). Pages are slices of the values whatever the store, a
 * checked table costs no further reads while the process keeps it, a table too large to keep
 * is paged by ranged reads, and a missing or changed table is refused naming its file.
 */
import { describe, expect, it } from 'vitest';
import {
  ALREADY_OK_TABLE,
  encodeBitsTable,
  encodeValueTable,
  InputTables,
  inputTableKey,
  readOkPage,
  ValueTableReader,
  verifyInputTables,
  type EncodedTable,
} from '../../output/input-tables';
import { S3Store } from '../../output/s3-store';
import { DirStore, type Store } from '../../output/store';
import { expandRun } from '../../sweep/runset';
import type { RunSet } from '../../sweep/types';
import { useSeaweedBucket } from '../helpers/use-seaweed';
import { tempDir } from '../helpers/temporal';

const seaweed = useSeaweedBucket('gsweep-inputs');

/** The store with its reads counted: what a page costs on an object store. */
function counted(store: Store): { store: Store; reads: { get: number; getRange: number } } {
  const reads = { get: 0, getRange: 0 };
  const proxy = new Proxy(store, {
    get(target, p) {
      const v = Reflect.get(target, p, target) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (p === 'get' || p === 'getRange') reads[p]++;
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, reads };
}

async function write(store: Store, table: EncodedTable): Promise<void> {
  for (const { ext, bytes } of table.files) await store.put(inputTableKey(table.ref.table, ext), bytes);
}

const where = (store: Store, key: string) => (store.dir !== undefined ? `${store.dir}/${key}` : `${store.url}/${key}`);

const kinds: Array<[string, () => Store]> = [
  ['directory', () => new DirStore(tempDir('gsweep-inputs-'))],
  ['s3', () => new S3Store(`s3://gsweep-inputs/t-${Math.random().toString(36).slice(2)}/out`, { client: seaweed.client })],
];

describe.each(kinds)('input tables over a Store (%s)', (_kind, make) => {
  it('pages a value table: each page a slice within its byte budget, the walk covers it, one read of each file in all', async () => {
    await seaweed.ready;
    const values = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? 7000 + i / 7 : i % 3 === 1 ? `Sat-${i}-α` : [i, `ü${i}`]));
    const table = encodeValueTable('grid-0', values);
    const { store, reads } = counted(make());
    await write(store, table);
    const reader = new ValueTableReader(store, table.ref);
    const seen: unknown[] = [];
    let pages = 0;
    for (let offset = 0; offset < values.length; pages++) {
      const page = await reader.page(offset, 512);
      expect(page).toEqual(values.slice(offset, offset + page.length));
      expect(Buffer.byteLength(page.map((v) => `${JSON.stringify(v)}\n`).join(''))).toBeLessThanOrEqual(512);
      seen.push(...page);
      offset += page.length;
    }
    expect(seen).toEqual(values);
    expect(pages).toBeGreaterThan(50);
    // The check read both files whole; every page after it came from the bytes kept.
    expect(reads).toEqual({ get: 2, getRange: 0 });
    // A second reader in the same process checks nothing again.
    expect(await new ValueTableReader(store, table.ref).page(2999)).toEqual([values[2999]]);
    expect(reads).toEqual({ get: 2, getRange: 0 });
  });

  it('expands grid and samples runs through expand, as the inline lists would', async () => {
    await seaweed.ready;
    const store = make();
    const inc = Array.from({ length: 700 }, (_, i) => i / 10);
    const rows = Array.from({ length: 50 }, (_, i) => [7000 + i, `label-${i}`]);
    const incTable = encodeValueTable('grid-1', inc);
    const rowTable = encodeValueTable('samples', rows);
    await write(store, incTable);
    await write(store, rowTable);
    const tables = new InputTables(store);
    const grid: RunSet = { kind: 'grid', axes: { 'Sat.ECC': [0.001, 0.01], 'Sat.INC': { values: incTable.ref }, 'Sat.SMA': { linspace: [7000, 7100, 3] } } };
    const inline: RunSet = { kind: 'grid', axes: { 'Sat.ECC': [0.001, 0.01], 'Sat.INC': inc, 'Sat.SMA': { linspace: [7000, 7100, 3] } } };
    for (const id of [0, 1, 2, 3, 2099, 1500, 4199]) expect(await tables.expand(grid, id)).toEqual(expandRun(inline, id));
    const samples: RunSet = { kind: 'samples', columns: ['Sat.SMA', 'Sat.Label'], rowCount: 50, rows: rowTable.ref };
    expect(await tables.expand(samples, 49)).toEqual({ 'Sat.SMA': 7049, 'Sat.Label': 'label-49' });
    // valueAt reads only what was fetched: the aggregate fetches every value first.
    const fresh = new InputTables(store);
    expect(() => fresh.valueAt(rowTable.ref, 3)).toThrow('value 3 of input table samples was read before it was fetched');
    await fresh.fetchAll([rowTable.ref, incTable.ref]);
    expect(Array.from({ length: 50 }, (_, i) => fresh.valueAt(rowTable.ref, i))).toEqual(rows);
    expect(fresh.valueAt(incTable.ref, 699)).toBe(69.9);
  });

  it('pages a table too large to keep by ranged reads: one read of the .jsonl per page, the .idx kept', async () => {
    await seaweed.ready;
    // 1.2·10^6 values, 48 MB of JSON lines: over what a process keeps of one table.
    const count = 1_200_000;
    const value = (i: number) => `row-${String(i).padStart(8, '0')}-${'x'.repeat(24)}`;
    const table = encodeValueTable('samples', (function* () {
      for (let i = 0; i < count; i++) yield value(i);
    })());
    const { store, reads } = counted(make());
    await write(store, table);
    const reader = new ValueTableReader(store, table.ref);
    expect(await reader.page(0, 256)).toEqual(Array.from({ length: 6 }, (_, i) => value(i)));
    expect(reads).toEqual({ get: 2, getRange: 1 });
    for (const offset of [600_000, count - 3]) {
      const before = reads.getRange;
      const page = await reader.page(offset);
      expect(page[0]).toBe(value(offset));
      expect(page).toEqual(Array.from({ length: page.length }, (_, i) => value(offset + i)));
      expect(reads.getRange - before).toBe(1);
    }
    expect(reads.get).toBe(2);
    // Replaced after the check (one value edited, same size): a page is read only from the
    // version that was checked, never silently from the new one.
    const edited = Buffer.from(table.files[0]!.bytes);
    edited.write('ROW', 0);
    await store.put('inputs/samples.jsonl', edited);
    await expect(reader.page(600_000)).rejects.toThrow(`${where(store, 'inputs/samples.jsonl')} changed after the sweep started; start a new sweep`);
  }, 120_000);

  it('pages an already-ok bitset', async () => {
    await seaweed.ready;
    const store = make();
    const bytes = new Uint8Array(10_000).map((_, i) => i % 251);
    const bits = encodeBitsTable(ALREADY_OK_TABLE, 80_000, bytes);
    await write(store, bits);
    expect(Buffer.from(await readOkPage(store, bits.ref, 0), 'base64')).toEqual(Buffer.from(bytes.subarray(0, 8192)));
    expect(Buffer.from(await readOkPage(store, bits.ref, 8192 * 8), 'base64')).toEqual(Buffer.from(bytes.subarray(8192)));
    await expect(readOkPage(store, bits.ref, 3)).rejects.toThrow('offset 3 is outside the already-ok bitset (0..79999, multiples of 8)');
  });

  it('refuses a missing table and one whose bytes are not the ones hashed, naming the file', async () => {
    await seaweed.ready;
    const store = make();
    const table = encodeValueTable('grid-2', [1, 2, 3]);
    await expect(verifyInputTables(store, [table.ref])).rejects.toThrow(
      `${where(store, 'inputs/grid-2.jsonl')} is missing; the sweep's inputs were removed after it started (start the sweep again)`,
    );
    await write(store, encodeValueTable('grid-2', [1, 2, 4]));
    await expect(new ValueTableReader(store, table.ref).page(0)).rejects.toThrow(
      new RegExp(`^${where(store, 'inputs/grid-2.jsonl').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} changed after the sweep started \\(SHA-256 [0-9a-f]{64}, expected ${table.ref.sha256}\\); start a new sweep$`),
    );
    await write(store, table);
    await verifyInputTables(store, [table.ref]);
    expect(await new ValueTableReader(store, table.ref).page(1)).toEqual([2, 3]);
  });
});

describe('a directory table changed after it was checked', () => {
  it('is checked again and refused (the store says its file changed)', async () => {
    const store = new DirStore(tempDir('gsweep-inputs-'));
    const table = encodeValueTable('grid-0', [7000, 7010, 7020]);
    await write(store, table);
    expect(await new ValueTableReader(store, table.ref).page(0)).toEqual([7000, 7010, 7020]);
    await store.put('inputs/grid-0.jsonl', '7000\n7011\n7020\n');
    await expect(new ValueTableReader(store, table.ref).page(0)).rejects.toThrow(`${store.dir}/inputs/grid-0.jsonl changed after the sweep started`);
  });
});
