/**
 * What a report needs from a finished sweep's output directory: the manifest (runs, status,
 * overrides, durations, GMAT's error lines), the run set, the script's name and hash, the
 * GMAT version, and one aggregate table. The only module of report/ that reads files; every
 * path is inside `<out>`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ManifestEntry } from '../output/manifest';
import { openSweep, pickTable, readSweepTable } from '../analysis/load';
import type { SweepTable } from '../analysis/table';
import { readRegularText } from '../output/safe-files';

export type RunSetKind = 'grid' | 'monte_carlo' | 'latin_hypercube' | 'explicit' | 'sobol';

export interface SweepFacts {
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

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readRegularText(file)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** GMAT's version as the runs recorded it (outcome.json), else the manifest header's. */
function gmatVersion(outDir: string, header: Record<string, unknown>, entries: ManifestEntry[]): { version: string; engine: string } {
  for (const e of entries.slice(0, 20)) {
    const outcome = readJson(path.join(outDir, 'runs', `run-${e.run_id}`, 'outcome.json')) as { engine?: { kind?: string; version?: string | null } } | undefined;
    if (outcome?.engine) return { version: outcome.engine.version ?? String(header.gmat_install_version ?? 'unknown'), engine: outcome.engine.kind ?? 'gmat' };
  }
  return { version: String(header.gmat_install_version ?? 'unknown'), engine: 'gmat' };
}

export async function collectSweep(out: string, options: { table?: string; columns?: string[] } = {}): Promise<SweepFacts> {
  const sweep = openSweep(out);
  const { header, entries, outDir } = sweep;
  const spec = (header.parameter_spec ?? {}) as Record<string, unknown>;
  const sobol = readJson(path.join(outDir, 'sobol.json')) as SweepFacts['sobol'] | undefined;
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
  const request = readJson(path.join(outDir, 'request.json')) as { context?: { scriptName?: string } } | undefined;
  let scriptName = request?.context?.scriptName;
  if (!scriptName) {
    try {
      scriptName = fs.readdirSync(path.join(outDir, 'script')).find((f) => f.endsWith('.script'));
    } catch {
      // gmat-sweep directories have no script/ copy.
    }
  }
  const { version, engine } = gmatVersion(outDir, header, entries);
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
