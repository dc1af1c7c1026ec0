/**
 * One GMAT run, start to finish, outside Temporal: clean run directory, patched script,
 * startup file, GmatConsole, parsed outputs, per-run Parquet tables, outcome.json.
 * The `runGmat` activity and `gsweep run-one` both call this.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Overrides } from '../sweep/overrides';
import { writeFileAtomic } from '../output/atomic';
import { runGmatConsole, GmatRunError } from './console';
import type { EngineSlots } from './slots';
import { canFeedInteractively, WarmRunError, type WarmPool } from './warm';
import type { GmatInstall } from './install';
import { patchScript, type PatchedOutput, type PatchResult } from './script';
import { writeStartupFile } from './startup';
import { cachedEngineMessage, cachedOutcome, findCached, runKey, storeRun, type CacheHit, type RunCache } from './run-cache';
import { RUN_FILES, runFilePath, runTableFilePath, tableKey } from '../output/layout';
import { writeOutcome, writeOutcomeAsync, type RunOutcome } from '../output/outcome';
import { parseOutputFile } from '../tables/parse';
import { dedupeColumnNames } from '../tables/parse/dedupe';
import { parseSolverLog } from '../tables/parse/solver-log';
import { columnSpecsOf, writeParquetTable, writeParquetTableAsync } from '../tables/parquet/writer';
import type { Table } from '../tables/table';
import { checkRunDirectoryPath } from '../output/safe-files';

export interface RunMissionOptions {
  /** Text of the mission script (the sweep's archived copy). */
  scriptText: string;
  overrides: Overrides;
  runId: number;
  /** Where this run writes everything (`<out>/runs/run-<id>/` in a sweep). */
  runDirectory: string;
  install: GmatInstall;
  timeoutMs: number;
  signal?: AbortSignal;
  attempt?: number;
  /** `warm` mode: borrow a long-lived GmatConsole for runs of the same source script. */
  warm?: { pool: WarmPool; scriptKey: string };
  /** Free-form per-run data (gmat-sweep `context`): recorded in the outcome, given to the hook. */
  context?: Record<string, unknown>;
  /**
   * Runs after a successful GMAT run, in the run directory (postprocess/ builds it); resolves
   * to the extra tables it produced by name. A rejection fails the run (unless the run was
   * cancelled) and is rethrown as is.
   */
  postprocess?: (run: PostprocessRun) => Promise<Map<string, { table: Table; source: string }>>;
  sweepId?: string;
  /**
   * The worker's engine slots: held only while GMAT runs, so this run's patching happens
   * before and its parsing after, overlapping other runs' GMAT time.
   */
  slots?: Pick<EngineSlots, 'acquire'>;
  /** Use and fill this run cache: a hit skips GMAT (gmat/run-cache.ts). */
  cache?: RunCache;
}

/** What a postprocess hook is told about the run it follows. */
export interface PostprocessRun {
  runId: number;
  runDirectory: string;
  overrides: Record<string, unknown>;
  context: Record<string, unknown>;
  /** Table key -> absolute path of the run's per-run Parquet tables. */
  outputs: Record<string, string>;
  /** Where extra tables go: `<runDirectory>/extra`, created empty. */
  extraDir: string;
  sweepId: string;
}

/** Which process ran a run: shows in outcome.json how a sweep spread over workers. */
export const WORKER_LABEL = `${os.hostname()}:${process.pid}`;

export interface RunMissionResult {
  outcome: RunOutcome;
  tables: Record<string, { path: string; rows: number }>;
}

/** Raised when GMAT ran but an output could not be turned into a table; final, like a rejection. */
export class OutputParseError extends Error {
  constructor(
    readonly output: Pick<PatchedOutput, 'name' | 'path'> & { type: string },
    cause: Error,
  ) {
    super(`could not parse ${output.type} ${output.name} (${output.path}): ${cause.message}`);
    this.name = 'OutputParseError';
  }
}

/** Adds the `time` column (a copy of the first epoch column) that the aggregate sorts by. */
export function withTimeColumn(table: Table): Table {
  if (table.columns.some((c) => c.name === 'time')) return table;
  const epoch = table.columns.find((c) => c.type === 'timestamp');
  if (!epoch) return table;
  return { rowCount: table.rowCount, columns: [...table.columns, { ...epoch, name: 'time' }] };
}

/**
 * Binary ephemerides GMAT writes (`FileFormat = SPK` / `CK`: DAF kernels, `Code-500`): they
 * hold coefficients or packed records, not text rows. Returns what it is, or null for text.
 */
function binaryEphemerisKind(file: string): string | null {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(1024);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const magic = head.subarray(0, 8).toString('latin1');
    if (magic === 'DAF/SPK ') return 'binary SPK kernel';
    if (magic.startsWith('DAF/CK')) return 'binary CK kernel';
    return head.subarray(0, n).includes(0) ? 'binary file (Code-500)' : null;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Contact tables get `interval_id` (INT64, the interval's position in the run, 0-based), as
 * gmat-sweep's worker adds it: its `lazy_contacts` indexes contacts by `(run_id, interval_id)`.
 */
export function withIntervalId(table: Table): Table {
  if (table.columns.some((c) => c.name === 'interval_id')) return table;
  const values = Array.from({ length: table.rowCount }, (_, i) => BigInt(i));
  return { rowCount: table.rowCount, columns: [...table.columns, { name: 'interval_id', type: 'int64', values }] };
}

function isoNow(ms: number): string {
  // gmat-sweep's manifest timestamps: ISO-8601 UTC with an explicit offset.
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

/** Removes everything a previous attempt left, so outputs are idempotent per run. */
function resetRunDirectory(dir: string): void {
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  checkRunDirectoryPath(dir);
  if (existing && !existing.isDirectory()) {
    // A file (FIFO, device...) where the run directory belongs: gsweep never creates one, so
    // it is not gsweep's to delete. Using it as a directory fails with the OS's own error
    // (ENOTDIR), an infrastructure failure: Temporal retries it, then the run is failed
    // with that message in the manifest.
    fs.readdirSync(dir);
    throw new Error(`${dir} exists and is not a directory; move it away, then \`gsweep resume\``);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

/**
 * Tries the run in a borrowed warm GmatConsole. false = run it fresh: the console died or
 * GMAT rejected the script (interactive GMAT then exits, so its error lines come from the
 * fresh run), or the path cannot be fed interactively. Timeouts and cancels are final.
 */
async function runWarm(
  options: RunMissionOptions,
  warm: NonNullable<RunMissionOptions['warm']>,
  scriptPath: string,
  logPath: string,
  outputs: PatchedOutput[],
): Promise<string | undefined> {
  if (!canFeedInteractively(scriptPath)) return undefined;
  const console = await warm.pool.acquire(options.install, warm.scriptKey);
  try {
    const output = await console.run(scriptPath, options.timeoutMs, options.signal);
    warm.pool.release(options.install, warm.scriptKey, console);
    return output;
  } catch (err) {
    if (!(err instanceof WarmRunError)) throw err;
    if (err.failure === 'timeout' || err.failure === 'cancelled') {
      throw new GmatRunError(`${err.message} (warm GmatConsole killed; log: ${logPath})`, {
        kind: err.failure,
        engineMessage: '',
        exitCode: null,
        signal: 'SIGKILL',
        logPath,
        stdout: err.output,
      });
    }
    for (const o of outputs) fs.rmSync(o.path, { force: true });
    return undefined;
  }
}

function cancelledBeforeStart(logPath: string): GmatRunError {
  return new GmatRunError(`GMAT run cancelled before it started (log: ${logPath})`, {
    kind: 'cancelled',
    engineMessage: '',
    exitCode: null,
    signal: null,
    logPath,
  });
}

/** The outcome fields known before GMAT starts. */
type OutcomeBase = Omit<RunOutcome, 'status' | 'output_paths' | 'tables' | 'stderr' | 'ended_at' | 'duration_s'>;

/** What the steps of one run share. */
interface RunState {
  options: RunMissionOptions;
  dir: string;
  /** performance.now() at the start: durations. */
  started: number;
  scriptPath: string;
  logPath: string;
  patched: PatchResult;
  base: OutcomeBase;
}

/** The run cache as one run uses it; absent without a cache. */
interface RunCacheUse {
  cache: RunCache;
  key: string;
  from: Record<string, string | number>;
  /** Problems with the entry or the store: they join the outcome's warnings. */
  warnings: string[];
}

/** The tables a run produced so far, in the shapes the result and outcome.json hold them. */
interface RunTables {
  tables: RunMissionResult['tables'];
  outcomeTables: RunOutcome['tables'];
  outputPaths: Record<string, string>;
  solverPaths: Record<string, string>;
  converged: Record<string, boolean>;
  extraOutputs: Record<string, string>;
  warnings: string[];
}

export async function runMission(options: RunMissionOptions): Promise<RunMissionResult> {
  const run = prepareRun(options);
  const cacheUse = await lookUpRunCache(run);
  if (cacheUse && 'outcome' in cacheUse) return cacheUse;
  await runEngine(run, cacheUse);
  const produced: RunTables = { tables: {}, outcomeTables: {}, outputPaths: {}, solverPaths: {}, converged: {}, extraOutputs: {}, warnings: [] };
  await tabulateOutputs(run, produced);
  tabulateSolverLogs(run, produced);
  const postprocessStatus = await runPostprocess(run, produced);
  let outcome = ranOutcome(run, produced, 'ok', postprocessStatus, null);
  if (cacheUse) {
    const problem = storeRun(cacheUse.cache, cacheUse.key, run.dir, outcome, cacheUse.from);
    if (problem) cacheUse.warnings.push(problem);
    if (cacheUse.warnings.length > 0) outcome = { ...outcome, warnings: [...(outcome.warnings ?? []), ...cacheUse.warnings] };
  }
  await writeOutcomeAsync(run.dir, outcome);
  return { outcome, tables: produced.tables };
}

/** A clean run directory holding the patched script, and the outcome fields known already. */
function prepareRun(options: RunMissionOptions): RunState {
  const dir = options.runDirectory;
  const startedMs = Date.now();
  const started = performance.now();
  resetRunDirectory(dir);
  const patched = patchScript(options.scriptText, options.overrides, dir);
  const scriptPath = runFilePath(dir, RUN_FILES.patchedScript);
  // Re-made by every attempt, so atomic but not fsynced; outcome.json is the run's record.
  writeFileAtomic(scriptPath, patched.text, { durable: false });
  const logPath = runFilePath(dir, RUN_FILES.log);
  const base: OutcomeBase = {
    run_id: options.runId,
    overrides: options.overrides,
    started_at: isoNow(startedMs),
    log_path: logPath,
    attempt: options.attempt ?? 1,
    context: options.context ?? {},
    worker: WORKER_LABEL,
    engine: {
      kind: options.install.standIn ? 'stand-in' : 'gmat',
      root: options.install.root,
      version: options.install.version,
    },
  };
  return { options, dir, started, scriptPath, logPath, patched, base };
}

/** Records the run as failed (GMAT's outputs, if any, not in it). */
function failRun(run: RunState, stderr: string): RunOutcome {
  const outcome: RunOutcome = {
    ...run.base,
    status: 'failed',
    ended_at: isoNow(Date.now()),
    duration_s: (performance.now() - run.started) / 1000,
    output_paths: {},
    tables: {},
    stderr,
  };
  writeOutcome(run.dir, outcome);
  return outcome;
}

/**
 * The run cache: a whole entry for this key gives the result without starting GMAT (returned
 * as the run's result); otherwise what the run needs to fill the entry afterwards.
 */
async function lookUpRunCache(run: RunState): Promise<RunCacheUse | RunMissionResult | undefined> {
  const { options } = run;
  if (!options.cache) return undefined;
  const key = await runKey(options.cache, options.install, options.overrides, options.context);
  if (!key) return undefined;
  const warnings: string[] = [];
  const hit = findCached(options.cache, key, (reason) =>
    warnings.push(`run cache entry ${key} was not used: ${reason}; GMAT ran, and its result replaces the entry`),
  );
  if (hit) {
    const served = await serveCached(options, hit, run.base, run.started, run.scriptPath, run.patched.text);
    if (served) return served;
  }
  return { cache: options.cache, key, from: { sweep: options.sweepId ?? '', run_dir: run.dir, run_id: options.runId }, warnings };
}

/**
 * GMAT itself, within an engine slot: warm when it can, fresh otherwise. A failure is recorded
 * (and a rejection cached, being a function of the inputs) before it is rethrown.
 */
async function runEngine(run: RunState, cacheUse: RunCacheUse | undefined): Promise<void> {
  const { options, logPath } = run;
  let warmOutput: string | undefined;
  let releaseSlot: (() => void) | undefined;
  try {
    if (options.slots) {
      releaseSlot = await options.slots.acquire(options.signal).catch(() => {
        throw cancelledBeforeStart(logPath);
      });
    }
    warmOutput = options.warm ? await runWarm(options, options.warm, run.scriptPath, logPath, run.patched.outputs) : undefined;
    if (warmOutput === undefined) {
      // Fresh runs (and warm runs GMAT rejected, re-run for GMAT's own error lines).
      const startupPath = writeStartupFile(options.install, run.dir);
      await runGmatConsole({
        install: options.install,
        scriptPath: run.scriptPath,
        startupPath,
        logPath,
        cwd: run.dir,
        timeoutMs: options.timeoutMs,
        signal: options.signal,
      });
    }
  } catch (err) {
    releaseSlot?.();
    if (err instanceof GmatRunError && err.kind !== 'cancelled') {
      const failed = failRun(run, err.message);
      // Only GMAT's own rejection is a function of the inputs; crashes and timeouts are not.
      if (cacheUse && err.kind === 'rejected') storeRun(cacheUse.cache, cacheUse.key, run.dir, failed, cacheUse.from, err.engineMessage);
    }
    throw err;
  }
  // GMAT is done: the next run may start while this one's outputs are parsed.
  releaseSlot?.();
  // Interactive GMAT ignores --logfile; the run's share of its output is the run's log.
  if (warmOutput !== undefined) writeFileAtomic(logPath, warmOutput, { durable: false });
}

function addTable(produced: RunTables, key: string, target: string, table: Table): void {
  produced.tables[key] = { path: target, rows: table.rowCount };
  produced.outcomeTables[key] = { rows: table.rowCount, columns: columnSpecsOf(table) };
}

/** GMAT's output files (ReportFile, EphemerisFile, ContactLocator) as per-run Parquet tables. */
async function tabulateOutputs(run: RunState, produced: RunTables): Promise<void> {
  for (const output of run.patched.outputs) {
    // GMAT creates a ReportFile lazily: no data, no file. That is a run without that table.
    if (!fs.existsSync(output.path)) continue;
    const binary = output.kind === 'ephemeris' ? binaryEphemerisKind(output.path) : null;
    if (binary) {
      // Coefficients or packed records, not state rows (gmat-run needs spiceypy to sample an
      // SPK): the run keeps the file and says so instead of failing.
      produced.warnings.push(`${output.type} ${output.name} is a ${binary}: kept as ${output.path}, not turned into a table (use FileFormat = CCSDS-OEM or STK-TimePosVel for a table)`);
      continue;
    }
    let table: Table;
    try {
      table = withTimeColumn(parseOutputFile(output.kind, fs.readFileSync(output.path, 'utf8')));
      if (output.kind === 'contact') table = withIntervalId(table);
    } catch (err) {
      const parseError = new OutputParseError(output, err as Error);
      failRun(run, parseError.message);
      throw parseError;
    }
    const key = tableKey(output.kind, output.name);
    const deduped = dedupeColumnNames(table);
    if (deduped.duplicates.length > 0) {
      table = deduped.table;
      produced.warnings.push(`${key}: duplicate column names ${deduped.duplicates.join(', ')}; repeats renamed <col>.1, <col>.2, ...`);
    }
    const target = runTableFilePath(run.dir, key);
    // Encoded here, fsynced and renamed off the main thread, before outcome.json records the run.
    await writeParquetTableAsync(target, table, { 'gsweep.run_id': String(run.options.runId), 'gsweep.source': output.path });
    addTable(produced, key, target, table);
    produced.outputPaths[key] = target;
  }
}

/**
 * Solver iteration logs (Target / Optimize): one table per solver that ran, kept apart from
 * the GMAT outputs (gmat-sweep's solver_paths), with the solver's convergence, which is
 * not the run's status: a targeter that stops short still leaves an ok run.
 */
function tabulateSolverLogs(run: RunState, produced: RunTables): void {
  for (const solver of run.patched.solvers) {
    if (!fs.existsSync(solver.path)) continue;
    let log: ReturnType<typeof parseSolverLog>;
    try {
      log = parseSolverLog(fs.readFileSync(solver.path, 'utf8'), solver.maxIterations);
    } catch (err) {
      const parseError = new OutputParseError({ name: solver.name, type: `${solver.type} log`, path: solver.path }, err as Error);
      failRun(run, parseError.message);
      throw parseError;
    }
    const key = `solver__${solver.name}`;
    const target = runTableFilePath(run.dir, key);
    writeParquetTable(target, log.table, { 'gsweep.run_id': String(run.options.runId), 'gsweep.source': solver.path });
    addTable(produced, key, target, log.table);
    produced.solverPaths[solver.name] = target;
    produced.converged[solver.name] = log.converged;
  }
}

/**
 * The postprocess hook: its extra tables join the run's tables; its failure fails the run
 * (postprocess_status "failed") but leaves GMAT's outputs and tables in place.
 */
async function runPostprocess(run: RunState, produced: RunTables): Promise<RunOutcome['postprocess_status']> {
  const { options, dir } = run;
  if (!options.postprocess) return 'none';
  const extraDir = runFilePath(dir, RUN_FILES.extraDir);
  try {
    fs.mkdirSync(extraDir);
    const extra = await options.postprocess({
      runId: options.runId,
      runDirectory: dir,
      overrides: options.overrides,
      context: options.context ?? {},
      outputs: Object.fromEntries(Object.entries(produced.tables).map(([k, t]) => [k, t.path])),
      extraDir,
      sweepId: options.sweepId ?? '',
    });
    for (const [name, { table: raw, source }] of extra) {
      const table = dedupeColumnNames(raw).table;
      const key = `extra__${name}`;
      const target = runTableFilePath(dir, key);
      writeParquetTable(target, table, { 'gsweep.run_id': String(options.runId), 'gsweep.source': source });
      addTable(produced, key, target, table);
      produced.extraOutputs[name] = target;
    }
    return 'ok';
  } catch (err) {
    if (options.signal?.aborted) throw err;
    for (const name of Object.keys(produced.extraOutputs)) delete produced.extraOutputs[name];
    writeOutcome(dir, ranOutcome(run, produced, 'failed', 'failed', (err as Error).message));
    throw err;
  }
}

/** The outcome of a run GMAT finished: it keeps the tables whether or not the hook then failed. */
function ranOutcome(
  run: RunState,
  produced: RunTables,
  status: RunOutcome['status'],
  postprocessStatus: RunOutcome['postprocess_status'],
  stderr: string | null,
): RunOutcome {
  return {
    ...run.base,
    status,
    ended_at: isoNow(Date.now()),
    duration_s: (performance.now() - run.started) / 1000,
    output_paths: produced.outputPaths,
    tables: produced.outcomeTables,
    solver_paths: produced.solverPaths,
    converged: produced.converged,
    extra_outputs: produced.extraOutputs,
    postprocess_status: postprocessStatus,
    stderr,
    ...(produced.warnings.length > 0 ? { warnings: produced.warnings } : {}),
  };
}

/**
 * A run served from the cache: the entry's files into the run directory, its outcome written
 * (a rejected run's failure raised again, as GMAT raised it). undefined when the entry went
 * away meanwhile (pruned by another process): the run directory is made fresh for GMAT.
 */
async function serveCached(
  options: RunMissionOptions,
  hit: CacheHit,
  base: OutcomeBase,
  started: number,
  scriptPath: string,
  patchedText: string,
): Promise<RunMissionResult | undefined> {
  const dir = options.runDirectory;
  try {
    (options.cache as RunCache).store.copyInto(hit.entry, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    resetRunDirectory(dir);
    writeFileAtomic(scriptPath, patchedText, { durable: false });
    return undefined;
  }
  const outcome = cachedOutcome(hit, dir, { ...base, ended_at: isoNow(Date.now()), duration_s: (performance.now() - started) / 1000 });
  await writeOutcomeAsync(dir, outcome);
  if (outcome.status !== 'ok') {
    throw new GmatRunError(outcome.stderr ?? 'GMAT rejected the run (from the run cache)', {
      kind: 'rejected',
      engineMessage: cachedEngineMessage(hit, dir),
      exitCode: null,
      signal: null,
      logPath: outcome.log_path ?? runFilePath(dir, RUN_FILES.log),
    });
  }
  const tables = Object.fromEntries(Object.entries(outcome.tables).map(([key, t]) => [key, { path: runTableFilePath(dir, key), rows: t.rows }]));
  return { outcome, tables };
}
