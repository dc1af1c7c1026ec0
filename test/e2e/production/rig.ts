/**
 * The production rig the test/e2e/production tests share: one temporal-server on PostgreSQL with
 * mTLS (temporal/production-rig.ts), started once per test file run. Under CI=true the
 * binaries must already be built (.ci/run does it); elsewhere the first run builds them with
 * `go install` (a few minutes, once). A missing prerequisite fails the tests, never skips them.
 */
import * as path from 'node:path';
import { duckDbQuery } from '../../helpers/duckdb';
import { findTemporalServer } from '../../../temporal/temporal-server';
import { startProductionRig, type ProductionRig } from '../../../temporal/production-rig';
import { readManifestFile } from '../durability/helpers';

export const NS = { main: 'gsweep', bare: 'gsweep-bare', setup: 'gsweep-setup' } as const;

let pending: Promise<ProductionRig> | undefined;

export function productionRig(): Promise<ProductionRig> {
  pending ??= (async () => {
    if (process.env.CI === 'true' && !findTemporalServer()) {
      throw new Error('CI=true and no temporal-server v1.29.1 in the cache: .ci/run must build it first (temporal/temporal-server.ts)');
    }
    return startProductionRig({
      namespaces: [
        { name: NS.main, searchAttributes: true },
        { name: NS.bare, searchAttributes: false },
        { name: NS.setup, searchAttributes: false },
      ],
      log: (line) => process.stderr.write(`production rig: ${line}\n`),
    });
  })();
  // Awaited inside each test: a rig that cannot start fails the tests that need it.
  pending.catch(() => undefined);
  return pending;
}

export async function stopProductionRig(): Promise<void> {
  const rig = await pending?.catch(() => undefined);
  await rig?.stop();
}

function jsonable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
}

/** Column types and every row of an aggregate table, in file order (no re-sorting). */
export async function aggregateContents(out: string, key = 'report__Track'): Promise<{ types: unknown; rows: unknown }> {
  const file = `'${path.join(out, `${key}.parquet`)}'`;
  const types = await duckDbQuery(`DESCRIBE SELECT * FROM read_parquet(${file})`);
  const rows = await duckDbQuery(`SELECT * FROM read_parquet(${file})`);
  return { types: jsonable(types.map((t) => [t.column_name, t.column_type])), rows: jsonable(rows) };
}

/** The manifest without what differs between two servings of the same sweep (times, directory, server). */
export function normalisedManifest(out: string): unknown {
  const { header, entries } = readManifestFile(out);
  const strip = (v: unknown): unknown => JSON.parse(JSON.stringify(v).split(out).join('<out>'));
  const { temporal: _temporal, sweep_id: _id, ...rest } = header;
  return strip({ header: rest, entries: entries.map(({ started_at: _s, ended_at: _e, duration_s: _d, ...e }) => e) });
}
