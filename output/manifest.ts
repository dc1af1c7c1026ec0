/**
 * `manifest.jsonl` in gmat-sweep 0.6's schema: a header line,
 * then one line per run in run_id order. Lines are serialised like Python's
 * `json.dumps(obj, sort_keys=True)` so gmat-sweep's tooling and diff habits carry over.
 */
import * as os from 'node:os';
import { axisLength, axisValueAt, sortedKeys } from '../sweep/grid';
import type { InputTableRef, RunSet } from '../sweep/types';
import type { Overrides } from '../sweep/overrides';

import { GSWEEP_VERSION } from './package-info';

export { GSWEEP_VERSION };

export type ManifestStatus = 'ok' | 'failed' | 'cancelled';
/** gmat-sweep 0.6: how the run's postprocess hook went, separate from `status`. */
export type PostprocessStatus = 'none' | 'ok' | 'failed';

/** One run's line. The last five fields are gmat-sweep 0.6's additions (all always written). */
export interface ManifestEntry {
  run_id: number;
  overrides: Overrides;
  status: ManifestStatus;
  output_paths: Record<string, string>;
  started_at: string;
  ended_at: string;
  duration_s: number;
  stderr: string | null;
  log_path: string | null;
  /**
   * Free-form per-run data given with the request for the postprocess hook; `{}` when none, and
   * `{}` when one context was given for every run (it is the header's `shared_context`).
   */
  context: Record<string, unknown>;
  /** Files the postprocess hook registered: `<name>` -> absolute path of `extra__<name>.parquet`. */
  extra_outputs: Record<string, string>;
  /** Each solver's per-run iteration table: solver name -> absolute path of `solver__<name>.parquet`. */
  solver_paths: Record<string, string>;
  /** Solver name -> whether its last run converged; independent of `status`. */
  converged: Record<string, boolean>;
  postprocess_status: PostprocessStatus;
  /**
   * gsweep's addition, only on runs served from the run cache: `{ key, from }` (gmat-sweep's
   * reader ignores fields it does not know, so its schema is unchanged).
   */
  cached?: { key: string; from: Record<string, string | number> };
}

function pythonNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  // An int in Python has no -0; only a float does.
  if (Object.is(n, -0)) return '-0.0';
  // Integral values are written as Python ints: a JS number cannot tell 7000 from 7000.0.
  if (Number.isInteger(n)) return JSON.stringify(n);
  // Python's float repr: the same shortest round-trip digits as JS, but scientific
  // notation below 1e-4 (JS: below 1e-6) with a signed, at least two-digit exponent
  // (`1e-05`, `1.5e-07`). Non-integral doubles are all below 2**52, so the upper switch
  // (1e16 in Python, 1e21 in JS) never applies here.
  if (Math.abs(n) >= 1e-4) return String(n);
  const [mantissa, exponent] = n.toExponential().split('e');
  const e = Number(exponent);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** Python's str order: by code point (JS `<` compares UTF-16 units, putting astral characters before U+E000..U+FFFF). */
function codePointCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function pythonString(s: string): string {
  // ensure_ascii=True: every non-ASCII code unit is written as \uXXXX.
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Python `json.dumps(value, sort_keys=True)` with its default `", "` / `": "` separators. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return pythonNumber(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort(codePointCompare)
    .filter((k) => record[k] !== undefined)
    .map((k) => `${pythonString(k)}: ${pythonJsonDumps(record[k])}`)
    .join(', ')}}`;
}

/** Reads value `index` of an input table (activities/input-tables.ts). */
export type TableValueAt = (ref: InputTableRef, index: number) => unknown;

const noTables: TableValueAt = (ref) => {
  throw new Error(`parameter_spec needs input table ${ref.table}; pass a reader`);
};

/** gmat-sweep's `parameter_spec`, with its `_kind` discriminator: every list written out. */
function parameterSpec(runSet: RunSet, valueAt: TableValueAt = noTables): Record<string, unknown> {
  switch (runSet.kind) {
    case 'grid': {
      const spec: Record<string, unknown> = { _kind: 'grid' };
      for (const key of sortedKeys(runSet.axes)) {
        const axis = runSet.axes[key];
        spec[key] = Array.from({ length: axisLength(axis) }, (_, i) => axisValueAt(axis, i) ?? valueAt((axis as { values: InputTableRef }).values, i));
      }
      return spec;
    }
    case 'samples': {
      const rows = Array.from({ length: runSet.rowCount }, (_, i) => valueAt(runSet.rows, i));
      return { _kind: 'explicit', columns: runSet.columns, rows };
    }
    case 'monteCarlo':
      return { _kind: 'monte_carlo', perturb: runSet.perturb, n: runSet.n, seed: runSet.seed };
    case 'latinHypercube':
      return { _kind: 'latin_hypercube', perturb: runSet.perturb, n: runSet.n, seed: runSet.seed };
  }
}

export interface ManifestHeaderInput {
  /** The sweep's postprocess command (gmat-sweep 0.6 `postprocess`); recorded, never read back to run. */
  postprocess?: string | null;
  scriptSha256: string;
  runSet: RunSet;
  runCount: number;
  gmatInstallVersion: string | null;
  /** Values of the run set's input tables (long grid axes, sample rows). */
  valueAt?: TableValueAt;
  temporal: { namespace?: string; workflowId: string };
  /**
   * A context given once for every run (`--context` with one object): written once, as the
   * header's `shared_context`, instead of into every run's line (those then say `{}`).
   */
  sharedContext?: Record<string, unknown>;
}

export function manifestHeader(input: ManifestHeaderInput): Record<string, unknown> {
  const seed = input.runSet.kind === 'monteCarlo' || input.runSet.kind === 'latinHypercube' ? input.runSet.seed : null;
  return {
    schema_version: 1,
    script_sha256: input.scriptSha256,
    // gmat-sweep's readers require these keys; the values say honestly what produced the sweep.
    gmat_sweep_version: `gsweep ${GSWEEP_VERSION}`,
    gmat_run_version: 'gsweep GmatConsole driver',
    gmat_install_version: input.gmatInstallVersion ?? 'unknown',
    python_version: 'n/a',
    os_platform: `${os.platform()}-${os.release()}-${os.arch()}`,
    node_version: process.version,
    gsweep_version: GSWEEP_VERSION,
    sweep_seed: seed,
    parameter_spec: parameterSpec(input.runSet, input.valueAt),
    run_count: input.runCount,
    backend: 'temporal',
    postprocess: input.postprocess ?? null,
    temporal: input.temporal,
    ...(input.sharedContext ? { shared_context: input.sharedContext } : {}),
  };
}

/** Parses a manifest written by gsweep (or gmat-sweep): header plus entries folded last-wins by run_id. */
export function parseManifest(text: string): { header: Record<string, unknown>; entries: Map<number, ManifestEntry> } {
  const lines = text.split('\n');
  // Drops either the empty string after the final newline or a torn last line (no
  // trailing newline), as gmat-sweep's reader does.
  lines.pop();
  if (lines.length === 0) throw new Error('manifest is empty');
  const header = JSON.parse(lines[0].replace(/\bNaN\b|-?Infinity\b/g, 'null')) as Record<string, unknown>;
  const entries = new Map<number, ManifestEntry>();
  lines.slice(1).forEach((line, i) => {
    let entry: ManifestEntry;
    try {
      entry = JSON.parse(line.replace(/\bNaN\b|-?Infinity\b/g, 'null')) as ManifestEntry;
    } catch (err) {
      throw new Error(`manifest line ${i + 2} is not valid JSON: ${(err as Error).message}`);
    }
    entries.set(entry.run_id, entry);
  });
  return { header, entries };
}
