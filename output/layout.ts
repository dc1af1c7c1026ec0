/**
 * Where every file of a sweep lives inside `out` (README "Outputs"), and the name of every file in a
 * run directory. One place, so nothing drifts: the patcher, the engine, the aggregate, resume
 * and the CLI all ask here.
 */
import * as path from 'node:path';

export const MANIFEST_NAME = 'manifest.jsonl';
export const REQUEST_NAME = 'request.json';
export const CONTEXT_NAME = 'context.json';
/** Store key of the sweep's archived script. */
export const scriptKey = (scriptName: string) => `script/${scriptName}`;
/** Store key of one file in a run directory. */
export const runKey = (runId: number, name: string) => `runs/run-${runId}/${name}`;

/** The files gsweep itself writes into each run directory. */
export const RUN_FILES = {
  /** The run's durable record (status, overrides, tables); read by the aggregate and resume. */
  outcome: 'outcome.json',
  /** The script with overrides and redirected outputs that GmatConsole runs. */
  patchedScript: 'patched.script',
  /** GMAT's startup file, with every path made absolute (GmatConsole also looks for it in its cwd). */
  startup: 'gmat_startup_file.txt',
  /** GMAT's own log (LOG_FILE of the startup file). */
  log: 'GmatLog.txt',
  /** Output of the postprocess hook. */
  postprocessLog: 'postprocess.log',
  /** The run's context as JSON for a postprocess command (GSWEEP_CONTEXT_FILE): any size, unlike the environment. */
  postprocessContext: 'postprocess-context.json',
  /** Where the postprocess hook leaves extra tables (a directory). */
  extraDir: 'extra',
} as const;

/**
 * Names a script output may not take in a run directory: gsweep's own files, plus the
 * names the stand-in engine and GMAT transcripts use (`startup.txt`, `stdout.txt`).
 */
export const RESERVED_RUN_FILES: readonly string[] = [
  RUN_FILES.log,
  RUN_FILES.patchedScript,
  RUN_FILES.startup,
  'startup.txt',
  'stdout.txt',
  RUN_FILES.outcome,
  RUN_FILES.postprocessLog,
  RUN_FILES.postprocessContext,
  RUN_FILES.extraDir,
];

/**
 * True for a file name a script output may not take in a run directory: one of
 * RESERVED_RUN_FILES, or a `.parquet` name (gsweep writes each table there as `<key>.parquet`,
 * and GMAT never writes Parquet, so such a name could only collide with one). Case-insensitive.
 */
export function isOwnRunFileName(name: string, reserved: readonly string[] = RESERVED_RUN_FILES): boolean {
  const lower = name.toLowerCase();
  return reserved.some((r) => r.toLowerCase() === lower) || lower.endsWith('.parquet');
}

/** `report__Track`, `ephemeris__EF`, `contact__CL`: the key of one output table. */
export const tableKey = (kind: string, resource: string) => `${kind}__${resource}`;
/** File name of one output table, in a run directory and in `out` (the aggregate). */
export const tableFileName = (key: string) => `${key}.parquet`;

export const runDir = (outDir: string, runId: number) => path.join(outDir, 'runs', `run-${runId}`);
/** A file in a run directory, by its RUN_FILES name. */
export const runFilePath = (runDirectory: string, name: (typeof RUN_FILES)[keyof typeof RUN_FILES]) =>
  path.join(runDirectory, name);
export const runTableFilePath = (runDirectory: string, key: string) => path.join(runDirectory, tableFileName(key));
/** Failed runs that could not record their own outcome: output/failures.ts. */
export const FAILURES_NAME = 'failures.jsonl';
