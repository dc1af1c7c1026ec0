/**
 * What a report needs from a finished sweep's out: the manifest (runs, status, overrides,
 * durations, GMAT's error lines), the run set, the script's name and hash, the GMAT version,
 * and one aggregate table. The only module of report/ that reads the out, by key through its
 * Store.
 */
import type { ManifestEntry } from '../output/manifest';
import type { Store } from '../output/store';
import { openSweep, pickTable, readSweepTable } from '../analysis/load';
import type { SweepTable } from '../analysis/table';

export type RunSetKind = 'grid' | 'monte_carlo' | 'latin_hypercube' | 'explicit' | 'sobol';

export interface SweepFacts {
  /** How the out is named to the user: its directory, or its `s3://` address. */
  outDir: string;
  header: Record<string, unknown>;
  entries: ManifestEntry[];
  kind: RunSetKind;
  /** Grid axes in gmat-sweep order (keys sorted), when kind = grid. */
  axes?: Record<string, unknown[]>;
  /** Input parameter names (override keys), in the run set's order. */
  inputs: string[];
  scriptName: string;
  scriptSha256: string;
  gmatVersion: string;
  engine: string;
  /** Aggregate table key and contents; undefined when every run failed (no table written). */
  tableKey?: string;
  table?: SweepTable;
  otherTables: string[];
  /** `<out>/sobol.json` of a `gsweep sobol` sweep. */
  sobol?: { names: string[]; n: number; seed: number; calc_second_order: boolean; run_count: number };
}

/** A JSON object of the out; undefined when it is missing, refused or not JSON (the report does without). */
async function readJson(store: Store, key: string): Promise<Record<string, unknown> | undefined> {
  try {
    const bytes = await store.get(key);
    return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as Record<string, unknown>);
  } catch {
    return undefined;
  }
}

/** How many runs' outcome.json are looked at for the GMAT version. */
const VERSION_PROBES = 20;

/** GMAT's version as the runs recorded it (outcome.json), else the manifest header's. */
async function gmatVersion(store: Store, header: Record<string, unknown>, entries: ManifestEntry[]): Promise<{ version: string; engine: string }> {
  // Read together: on an object store each is a round trip, and most may be missing (runs in packs).
  const outcomes = await Promise.all(
    entries.slice(0, VERSION_PROBES).map((e) => readJson(store, `runs/run-${e.run_id}/outcome.json`) as Promise<{ engine?: { kind?: string; version?: string | null } } | undefined>),
  );
  for (const outcome of outcomes) {
    if (outcome?.engine) return { version: outcome.engine.version ?? String(header.gmat_install_version ?? 'unknown'), engine: outcome.engine.kind ?? 'gmat' };
  }
  return { version: String(header.gmat_install_version ?? 'unknown'), engine: 'gmat' };
}

/** The archived script's file name (script/<name>.script), when the out has one. */
async function archivedScriptName(store: Store): Promise<string | undefined> {
  for await (const e of store.list('script/', { shallow: true, special: true })) {
    const name = e.key.slice('script/'.length);
    if (name.endsWith('.script')) return name;
  }
  // gmat-sweep directories have no script/ copy.
  return undefined;
}

export async function collectSweep(store: Store, options: { table?: string; columns?: string[] } = {}): Promise<SweepFacts> {
  const sweep = await openSweep(store);
  const { header, entries, out: outDir } = sweep;
  const spec = (header.parameter_spec ?? {}) as Record<string, unknown>;
  const sobol = (await readJson(store, 'sobol.json')) as SweepFacts['sobol'] | undefined;
  let kind: RunSetKind;
  let axes: Record<string, unknown[]> | undefined;
  let inputs: string[];
  switch (spec._kind) {
    case 'grid':
      kind = 'grid';
      axes = Object.fromEntries(Object.entries(spec).filter(([k]) => k !== '_kind')) as Record<string, unknown[]>;
      inputs = Object.keys(axes);
      break;
    case 'monte_carlo':
    case 'latin_hypercube':
      kind = spec._kind;
      inputs = Object.keys((spec.perturb ?? {}) as object).sort();
      break;
    default:
      kind = sobol ? 'sobol' : 'explicit';
      inputs = Array.isArray(spec.columns) ? (spec.columns as string[]) : Object.keys(entries[0]?.overrides ?? {});
  }
  const request = (await readJson(store, 'request.json')) as { context?: { scriptName?: string } } | undefined;
  const scriptName = request?.context?.scriptName || (await archivedScriptName(store));
  const { version, engine } = await gmatVersion(store, header, entries);
  let tableKey: string | undefined;
  let table: SweepTable | undefined;
  if (sweep.tables.some((t) => t.startsWith('report__')) || options.table) {
    tableKey = pickTable(sweep, options.table);
    table = await readSweepTable(sweep, tableKey);
  }
  return {
    outDir,
    header,
    entries,
    kind,
    axes,
    inputs,
    scriptName: scriptName ?? '(unknown script)',
    scriptSha256: String(header.script_sha256 ?? ''),
    gmatVersion: version,
    engine,
    tableKey,
    table,
    otherTables: sweep.tables.filter((t) => t !== tableKey),
    sobol: sobol && Array.isArray(sobol.names) ? sobol : undefined,
  };
}
