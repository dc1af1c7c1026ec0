/**
 * `run-<id>/outcome.json`: the durable record of one run, read by the aggregate and by resume.
 *
 * An output directory is data, not instructions (docs/security.md): paths are stored relative
 * to the run directory, and on reading every path is rebuilt from the *current* output
 * directory, the run id and the table key, never taken from the file. So a moved or copied
 * directory reads its own tables, and an edited outcome.json cannot point anywhere else.
 */
import * as path from 'node:path';
import { z } from 'zod';
import type { Overrides } from '../sweep/overrides';
import type { ColumnSpec } from '../tables/table';
import { writeFileAtomicAsync, writeJsonAtomic } from './atomic';
import { RUN_FILES, runFilePath, tableFileName } from './layout';
import { parquetEndsProblem, runFileOf, type RunSource } from './run-source';
import { UnsafePathError } from './safe-files';

export type RunStatus = 'ok' | 'failed';

export interface RunOutcome {
  run_id: number;
  status: RunStatus;
  overrides: Overrides;
  started_at: string;
  ended_at: string;
  duration_s: number;
  /** `report__Track` → per-run Parquet file (absolute in memory; relative to the run directory on disk). */
  output_paths: Record<string, string>;
  /** Row count and column schema of each per-run table, so the aggregate needs no extra pass over Parquet footers. */
  tables: Record<string, { rows: number; columns: ColumnSpec[] }>;
  /** GMAT's log (absolute in memory; relative to the run directory on disk). */
  log_path: string | null;
  stderr: string | null;
  attempt: number;
  /** host:pid of the worker process that ran it. */
  worker: string;
  engine: { kind: string; root: string; version: string | null };
  /** Things the run did to its outputs that the user should know (e.g. renamed duplicate columns). */
  warnings?: string[];
  /** gmat-sweep 0.6 per-run fields; absent in outcomes written before them (read as empty / "none"). */
  context?: Record<string, unknown>;
  extra_outputs?: Record<string, string>;
  solver_paths?: Record<string, string>;
  converged?: Record<string, boolean>;
  postprocess_status?: 'none' | 'ok' | 'failed';
  /** Present when the result came from the run cache instead of GMAT (gmat/run-cache.ts). */
  cached?: CachedFrom;
}

/** Where a cached run's result was made: the cache key and the run that stored it. */
export interface CachedFrom {
  key: string;
  /** `{ sweep, run_dir, run_id }` of the run that made the result (for people; never read to find files). */
  from: Record<string, string | number>;
}

/**
 * The file behind a table key of an outcome: GMAT outputs are in `output_paths`, solver logs
 * in `solver_paths` (`solver__DC` -> `DC`) and postprocess tables in `extra_outputs`
 * (`extra__name` -> `name`), as gmat-sweep 0.6 keeps them apart.
 */
export function tableFileOf(outcome: RunOutcome, key: string): string | undefined {
  if (key.startsWith('solver__')) return outcome.solver_paths?.[key.slice('solver__'.length)];
  if (key.startsWith('extra__')) return outcome.extra_outputs?.[key.slice('extra__'.length)];
  return outcome.output_paths[key];
}

/**
 * Table keys as run-mission makes them (`report__Track`, `solver__DC`, `extra__<name>` with the
 * postprocess room's name rule): also safe as file names (no path separator can appear).
 */
export const TABLE_KEY = /^(?:(?:report|ephemeris|contact|solver)__[A-Za-z][A-Za-z0-9_]*|extra__[A-Za-z0-9][A-Za-z0-9_.-]{0,99})$/;
/** Log file name inside the run directory. */
const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const outcomeSchema = z.object({
  run_id: z.number().int().nonnegative(),
  status: z.enum(['ok', 'failed']),
  overrides: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  started_at: z.string(),
  ended_at: z.string(),
  duration_s: z.number(),
  output_paths: z.record(z.string(), z.string()),
  tables: z.record(
    z.string().regex(TABLE_KEY, 'is not a table key like "report__Track"'),
    z.object({
      rows: z.number().int().nonnegative(),
      columns: z.array(z.object({ name: z.string(), type: z.enum(['double', 'int64', 'timestamp', 'string']), nullable: z.boolean().optional() })),
    }),
  ),
  log_path: z.string().nullable(),
  stderr: z.string().nullable(),
  attempt: z.number(),
  worker: z.string(),
  engine: z.object({ kind: z.string(), root: z.string(), version: z.string().nullable() }),
  warnings: z.array(z.string()).optional(),
  context: z.record(z.string(), z.unknown()).optional(),
  // Paths are rebuilt from the table keys on reading; these are only checked for shape.
  extra_outputs: z.record(z.string(), z.string()).optional(),
  solver_paths: z.record(z.string(), z.string()).optional(),
  converged: z.record(z.string(), z.boolean()).optional(),
  postprocess_status: z.enum(['none', 'ok', 'failed']).optional(),
  cached: z.object({ key: z.string(), from: z.record(z.string(), z.union([z.string(), z.number()])) }).optional(),
});

/** An outcome.json that cannot be read as one: the run counts as failed, with this reason. */
class CorruptOutcomeError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file} is unreadable (${reason})`);
    this.name = 'CorruptOutcomeError';
  }
}

function relativeTo(runDirectory: string, file: string): string {
  const rel = path.relative(runDirectory, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? path.basename(file) : rel;
}

function relativePaths(runDirectory: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, f]) => [k, relativeTo(runDirectory, f)]));
}

/** The outcome as stored: paths relative to the run directory, so the directory can move. */
function stored(runDirectory: string, outcome: RunOutcome): RunOutcome {
  return {
    ...outcome,
    output_paths: relativePaths(runDirectory, outcome.output_paths),
    ...(outcome.solver_paths ? { solver_paths: relativePaths(runDirectory, outcome.solver_paths) } : {}),
    ...(outcome.extra_outputs ? { extra_outputs: relativePaths(runDirectory, outcome.extra_outputs) } : {}),
    log_path: outcome.log_path === null ? null : relativeTo(runDirectory, outcome.log_path),
  };
}

export function writeOutcome(runDirectory: string, outcome: RunOutcome): void {
  writeJsonAtomic(runFilePath(runDirectory, RUN_FILES.outcome), stored(runDirectory, outcome));
}

/** writeOutcome with its write and fsync off the main thread. */
export function writeOutcomeAsync(runDirectory: string, outcome: RunOutcome): Promise<void> {
  return writeFileAtomicAsync(runFilePath(runDirectory, RUN_FILES.outcome), `${JSON.stringify(stored(runDirectory, outcome), null, 2)}\n`);
}

/**
 * The outcome in `bytes` of run `runId`, its paths rebuilt from `root` (the out as a
 * RunSource names it). Throws CorruptOutcomeError when it is not a valid outcome of this run.
 */
function parseOutcome(bytes: Buffer, runId: number, root: string): RunOutcome {
  const file = runFileOf(root, runId, RUN_FILES.outcome);
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new CorruptOutcomeError(file, `not JSON: ${(err as Error).message}`);
  }
  const parsed = outcomeSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorruptOutcomeError(file, `${issue.path.join('.') || 'outcome'}: ${issue.message}`);
  }
  const outcome = parsed.data as RunOutcome;
  if (outcome.run_id !== runId) throw new CorruptOutcomeError(file, `it records run ${outcome.run_id}, expected ${runId}`);
  const logName = outcome.log_path === null ? null : path.basename(outcome.log_path);
  const keys = Object.keys(outcome.tables);
  const solverKeys = keys.filter((k) => k.startsWith('solver__'));
  const extraKeys = keys.filter((k) => k.startsWith('extra__'));
  // `prefix` stripped gives gmat-sweep's names (`solver__DC` -> `DC`); GMAT outputs keep the key.
  const pathsOf = (prefix: string, keep: (key: string) => boolean = (k) => k.startsWith(prefix)) =>
    Object.fromEntries(keys.filter(keep).map((key) => [key.slice(prefix.length), runFileOf(root, runId, tableFileName(key))]));
  return {
    ...outcome,
    // Rebuilt from the current directory and the key: nothing in the file chooses a path.
    output_paths: pathsOf('', (key) => !key.startsWith('solver__') && !key.startsWith('extra__')),
    ...(outcome.solver_paths || solverKeys.length > 0 ? { solver_paths: pathsOf('solver__') } : {}),
    ...(outcome.extra_outputs || extraKeys.length > 0 ? { extra_outputs: pathsOf('extra__') } : {}),
    log_path: logName !== null && PLAIN_NAME.test(logName) ? runFileOf(root, runId, logName) : null,
  };
}

/**
 * undefined when the run never recorded an outcome (not run, or lost before writing it).
 * Throws CorruptOutcomeError when the file is not a valid outcome of this run.
 */
export async function readOutcome(runs: RunSource, runId: number): Promise<RunOutcome | undefined> {
  let bytes: Buffer | undefined;
  try {
    bytes = await runs.outcome(runId);
  } catch (err) {
    const file = runFileOf(runs.root, runId, RUN_FILES.outcome);
    if (err instanceof UnsafePathError) throw new CorruptOutcomeError(file, err.message);
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new CorruptOutcomeError(file, 'it is a directory');
    throw err;
  }
  return bytes === undefined ? undefined : parseOutcome(bytes, runId, runs.root);
}

/** Cheap check that a Parquet file is whole: magic bytes at both ends (catches truncation and most corruption). */
function parquetProblem(bytes: Buffer | undefined): string | null {
  if (bytes === undefined) return 'missing';
  return parquetEndsProblem(bytes.length, bytes.subarray(0, 4), bytes.subarray(Math.max(0, bytes.length - 4)));
}

/** A table's bytes, or why there are none to read: a refused link or special file, or (any other error) missing. */
async function fetchTable(runs: RunSource, runId: number, name: string): Promise<{ bytes?: Buffer; refused?: string }> {
  try {
    return { bytes: await runs.table(runId, name) };
  } catch (err) {
    return err instanceof UnsafePathError ? { refused: err.message } : {};
  }
}

/** Every table key of an outcome, in the order its paths list them: GMAT outputs, solver logs, postprocess tables. */
function tableKeysOf(outcome: RunOutcome): string[] {
  const keys = Object.keys(outcome.tables);
  const plain = keys.filter((k) => !k.startsWith('solver__') && !k.startsWith('extra__'));
  return [...plain, ...keys.filter((k) => k.startsWith('solver__')), ...keys.filter((k) => k.startsWith('extra__'))];
}

/**
 * The outcome as it stands now: an `ok` run whose per-run tables have since disappeared or
 * been damaged (a cleaned-up disk, a partial copy), and a run whose outcome.json is corrupt,
 * count as failed, so the aggregate marks them and `gsweep resume` re-runs them instead of
 * the whole aggregate failing. A corrupt outcome has `overrides: null` (unknown).
 *
 * With `tables`, every table's bytes are read and kept there by key (the aggregate's second
 * pass reads them next); without, a table is judged by what the source knows of it without
 * reading it when it can (a store's listing).
 */
export async function readCurrentOutcome(runs: RunSource, runId: number, tables?: Map<string, Buffer>): Promise<RunOutcome | undefined> {
  let outcome: RunOutcome | undefined;
  try {
    outcome = await readOutcome(runs, runId);
  } catch (err) {
    if (!(err instanceof CorruptOutcomeError)) throw err;
    return corruptOutcome(runId, `run ${runId}: ${err.message}; \`gsweep resume\` re-runs it`);
  }
  if (outcome?.status !== 'ok') return outcome;
  const problems: [string, string][] = [];
  for (const key of tableKeysOf(outcome)) {
    const name = tableFileName(key);
    const known = tables ? undefined : await runs.tableProblem?.(runId, name);
    let problem: string | null;
    if (known !== undefined) problem = known;
    else {
      const { bytes, refused } = await fetchTable(runs, runId, name);
      problem = refused ?? parquetProblem(bytes);
      if (bytes && problem === null) tables?.set(key, bytes);
    }
    if (problem !== null) problems.push([tableFileOf(outcome, key)!, problem]);
  }
  if (problems.length === 0) return outcome;
  tables?.clear();
  const allMissing = problems.every(([, p]) => p === 'missing');
  const list = problems.map(([file, p]) => (allMissing ? file : `${file} (${p})`)).join(', ');
  return failedForLostTables(
    outcome,
    allMissing
      ? `run ${runId} finished ok but its tables are gone: ${list}; \`gsweep resume\` re-runs it`
      : `run ${runId} finished ok but its tables are damaged: ${list}; \`gsweep resume\` re-runs it`,
  );
}

/** An ok run whose tables cannot be used counts as failed, with no tables, so resume re-runs it. */
export function failedForLostTables(outcome: RunOutcome, stderr: string): RunOutcome {
  return { ...outcome, status: 'failed', output_paths: {}, solver_paths: {}, extra_outputs: {}, converged: {}, tables: {}, stderr };
}

function corruptOutcome(runId: number, stderr: string): RunOutcome {
  return {
    run_id: runId,
    status: 'failed',
    overrides: null as unknown as Overrides,
    started_at: '',
    ended_at: '',
    duration_s: 0,
    output_paths: {},
    tables: {},
    log_path: null,
    stderr,
    attempt: 0,
    worker: '',
    engine: { kind: '', root: '', version: null },
  };
}
