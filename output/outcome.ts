/** `run-<id>/outcome.json`: the durable record of one run, read by the aggregate and by resume. */
import * as fs from 'node:fs';
import type { Overrides } from '../sweep/overrides';
import type { ColumnSpec } from '../tables/table';
import { writeFileAtomicAsync, writeJsonAtomic } from './atomic';
import { outcomePath, RUN_FILES, runFilePath } from './layout';

export type RunStatus = 'ok' | 'failed';

export interface RunOutcome {
  run_id: number;
  status: RunStatus;
  overrides: Overrides;
  started_at: string;
  ended_at: string;
  duration_s: number;
  /** `report__Track` → absolute path of the per-run Parquet file. */
  output_paths: Record<string, string>;
  /** Row count and column schema of each per-run table, so the aggregate needs no extra pass over Parquet footers. */
  tables: Record<string, { rows: number; columns: ColumnSpec[] }>;
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

/** Every per-run table file an outcome claims. */
export function allTableFiles(outcome: RunOutcome): string[] {
  return [...Object.values(outcome.output_paths), ...Object.values(outcome.solver_paths ?? {}), ...Object.values(outcome.extra_outputs ?? {})];
}

export function writeOutcome(runDirectory: string, outcome: RunOutcome): void {
  writeJsonAtomic(runFilePath(runDirectory, RUN_FILES.outcome), outcome);
}

/** writeOutcome with its write and fsync off the main thread. */
export function writeOutcomeAsync(runDirectory: string, outcome: RunOutcome): Promise<void> {
  return writeFileAtomicAsync(runFilePath(runDirectory, RUN_FILES.outcome), `${JSON.stringify(outcome, null, 2)}\n`);
}

/** undefined when the run never recorded an outcome (not run, or lost before writing it). */
export function readOutcome(outDir: string, runId: number): RunOutcome | undefined {
  let text: string;
  try {
    text = fs.readFileSync(outcomePath(outDir, runId), 'utf8');
  } catch (err) {
    // ENOTDIR: something other than a run directory sits at run-<id> (the run failed on it).
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
  const outcome = JSON.parse(text) as RunOutcome;
  if (outcome.run_id !== runId) {
    throw new Error(`${outcomePath(outDir, runId)} records run ${outcome.run_id}, expected ${runId}`);
  }
  return outcome;
}

/**
 * The outcome as it stands now: an `ok` run whose per-run tables have since disappeared
 * (a cleaned-up disk, a partial copy) counts as failed, so the aggregate marks it and
 * `gsweep resume` re-runs it instead of the whole aggregate failing.
 */
export function readCurrentOutcome(outDir: string, runId: number): RunOutcome | undefined {
  const outcome = readOutcome(outDir, runId);
  if (outcome?.status !== 'ok') return outcome;
  const missing = allTableFiles(outcome).filter((file) => !fs.existsSync(file));
  if (missing.length === 0) return outcome;
  return {
    ...outcome,
    status: 'failed',
    output_paths: {},
    solver_paths: {},
    extra_outputs: {},
    converged: {},
    tables: {},
    stderr: `run ${runId} finished ok but its tables are gone: ${missing.join(', ')}; \`gsweep resume\` re-runs it`,
  };
}
