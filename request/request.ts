/**
 * `prepareRequest`: a sweep request in, the workflow input out. The request is parsed once
 * into its typed shape (request/schema.ts), its runs are checked once against the script
 * (request/run-set.ts), its settings held to gsweep's limits, its output place checked (last:
 * that may ask an object store), and it is normalised once, every default from `DEFAULTS`.
 * Nothing is started or created, and every error names the field, the value and the fix.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkScript, patchScript, type Resource } from '../gmat/script';
import type { EncodedTable } from '../output/input-tables';
import { canonicalScriptSha256 } from '../output/script-hash';
import { MAX_BATCH_RUNS } from '../sweep/batches';
import { formatCount, MAX_IN_FLIGHT_LIMIT, MAX_RUN_CONTEXT_BYTES, MAX_SCRIPT_BYTES } from '../sweep/limits';
import { describeValue } from '../sweep/overrides';
import type { BatchSpec, ContextFile, EngineKind, PostprocessSpec, RetrySpec, SweepInput } from '../sweep/types';
import { checkInputFile, checkTimeoutSeconds } from './limits';
import { checkCacheDir } from './cache-dir';
import { checkOut, checkSweepId, defaultOut } from './out-dir';
import { RequestError } from './request-error';
import { checkRunSet, type CheckedRunSet } from './run-set';
import { DEFAULTS, parseRequest, type SweepRequest } from './schema';

export { RequestError };
export { DEFAULTS, sweepRequestSchema, type SweepRequest } from './schema';
export { checkOut, checkSweepId, requestOutDir } from './out-dir';
export { checkCacheDir } from './cache-dir';

/** What the client needs to start (and describe) a validated sweep. */
export interface PreparedSweep {
  input: SweepInput;
  /** Long value lists (grid axes, sample rows) to write to `<out>/inputs/` before starting; the run set carries their hashes. */
  inputTables?: EncodedTable[];
  /** Per-run context to write to `<out>/context.json` before starting. */
  context?: ContextFile;
  /** Resolved engine: the stand-in is only ever used when the request says so. */
  engine: EngineKind;
  /** Workflow id; defaults to the sweep id (resume and extend start new ids on the same sweep). */
  workflowId?: string;
}

export async function prepareRequest(raw: unknown, cwd = process.cwd()): Promise<PreparedSweep> {
  const request = parseRequest(raw);
  const script = readScript(request.script, cwd);
  const runs = await checkRunSet(request, script.resources, cwd);
  const settings = checkSettings(request, runs.runCount);
  const output = await checkOutput(request, script.path, cwd);
  return normalise(request, script, runs, settings, output, cwd);
}

interface CheckedScript {
  path: string;
  text: string;
  resources: Resource[];
}

function readScript(script: string, cwd: string): CheckedScript {
  const scriptPath = path.resolve(cwd, script);
  if (!fs.existsSync(scriptPath)) {
    throw new RequestError('script', `${describeValue(script)} does not exist (resolved to ${scriptPath}); give the path of a GMAT .script file`);
  }
  // A directory, FIFO or device is named as such (a FIFO would block the read).
  checkInputFile('script', scriptPath, MAX_SCRIPT_BYTES, 'a GMAT .script file');
  const text = fs.readFileSync(scriptPath, 'utf8');
  try {
    const { resources } = checkScript(text);
    // Output file names that clash with each other or with the run's own files: now, not at run time.
    patchScript(text, {}, '/gsweep-check');
    return { path: scriptPath, text, resources };
  } catch (err) {
    throw new RequestError('script', `${scriptPath}: ${(err as Error).message}`);
  }
}

/** What the request asks of the workflow and the workers besides its runs, within gsweep's limits. */
interface CheckedSettings {
  batch?: BatchSpec;
  context?: ContextFile;
  postprocess?: PostprocessSpec;
}

function checkSettings(request: SweepRequest, runCount: number): CheckedSettings {
  const { maxInFlight, retry } = request;
  if (maxInFlight !== undefined && (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT_LIMIT)) {
    throw new RequestError('maxInFlight', `${maxInFlight} is outside 1..${MAX_IN_FLIGHT_LIMIT}; Temporal limits pending activities, so give at most ${MAX_IN_FLIGHT_LIMIT}`);
  }
  const batch = checkBatch(request.batchSeconds, request.batchSize);
  checkTimeoutSeconds('runTimeoutSeconds', request.runTimeoutSeconds);
  checkTimeoutSeconds('heartbeatTimeoutSeconds', request.heartbeatTimeoutSeconds);
  checkTimeoutSeconds('retry.initialIntervalSeconds', retry?.initialIntervalSeconds);
  checkTimeoutSeconds('retry.maximumIntervalSeconds', retry?.maximumIntervalSeconds);
  if (retry?.maximumAttempts !== undefined && retry.maximumAttempts > 1000) {
    throw new RequestError('retry.maximumAttempts', `${retry.maximumAttempts} is more than the limit of 1000 attempts; give fewer`);
  }
  return { batch, context: checkContext(request.context, runCount), postprocess: checkPostprocess(request.postprocess) };
}

function checkBatch(seconds: number | undefined, size: number | undefined): BatchSpec | undefined {
  if (seconds !== undefined && size !== undefined) {
    throw new RequestError('batchSize', `${size} pins the batch size while batchSeconds (${seconds}) asks for sizing by time; give one of --batch-size and --batch-seconds`);
  }
  if (seconds !== undefined && !(seconds >= 0.1 && seconds <= 3600)) {
    throw new RequestError('batchSeconds', `${seconds} is outside 0.1..3600 seconds of engine time per batch; give a value in that range (default ${DEFAULTS.batchSeconds})`);
  }
  if (size !== undefined && size > MAX_BATCH_RUNS) {
    throw new RequestError('batchSize', `${size} is more than ${formatCount(MAX_BATCH_RUNS)} runs per batch; give at most ${formatCount(MAX_BATCH_RUNS)}`);
  }
  if (seconds === undefined && size === undefined) return undefined;
  return { ...(seconds !== undefined ? { seconds } : {}), ...(size !== undefined ? { size } : {}) };
}

/** Context must be JSON (it is recorded in the manifest) and, per run, one object per run. */
function checkContext(raw: SweepRequest['context'], runCount: number): ContextFile | undefined {
  if (raw === undefined) return undefined;
  let text: string;
  try {
    text = JSON.stringify(raw);
  } catch (err) {
    throw new RequestError('context', `is not JSON-serialisable: ${(err as Error).message}`);
  }
  const value = JSON.parse(text) as ContextFile['shared'] | NonNullable<ContextFile['runs']>;
  // Each run's context is copied into its outcome.json and the hook's input (a per-run context
  // also into its manifest line; a shared one is written once, in the manifest header), so one
  // run's share is bounded, not only the file.
  const checkSize = (entry: unknown, where: string, copies: string) => {
    const bytes = Buffer.byteLength(JSON.stringify(entry));
    if (bytes > MAX_RUN_CONTEXT_BYTES) {
      throw new RequestError(
        where,
        `is ${formatCount(bytes)} bytes of JSON, over gsweep's limit of ${formatCount(MAX_RUN_CONTEXT_BYTES)} bytes of context per run (${copies}); keep large data in a file and put its path in the context`,
      );
    }
  };
  if (Array.isArray(value)) {
    if (value.length !== runCount) {
      throw new RequestError('context', `has ${value.length} entries but the sweep has ${runCount} runs; give one object per run, or one object for every run`);
    }
    value.forEach((entry, i) => checkSize(entry, `context[${i}]`, "it is copied into the run's outcome.json and manifest line"));
    return { runs: value };
  }
  checkSize(value, 'context', "the manifest holds it once, but every run's outcome.json and postprocess hook get a copy");
  return { shared: value };
}

function checkPostprocess(raw: SweepRequest['postprocess']): PostprocessSpec | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') {
    if (raw.trim() === '') throw new RequestError('postprocess', 'is empty; give a command line, e.g. "python3 /abs/post.py"');
    return { command: raw };
  }
  return { hook: raw.hook };
}
/** Where the sweep writes: its id, its output directory (new or empty), its run cache. */
interface CheckedOutput {
  sweepId: string;
  out: string;
  cache?: string;
}

async function checkOutput(request: SweepRequest, scriptPath: string, cwd: string): Promise<CheckedOutput> {
  const sweepId = request.sweepId ?? sweepIdFor(scriptPath);
  checkSweepId(sweepId);
  const out = await checkOut(request.out ?? defaultOut(sweepId), cwd);
  return { sweepId, out, cache: checkCacheDir(request.cache, cwd) };
}

function sweepIdFor(scriptPath: string): string {
  const base = path.basename(scriptPath).replace(/\.script$/i, '').replace(/[^A-Za-z0-9_-]/g, '_');
  return `gsweep-${base}-${randomBytes(4).toString('hex')}`;
}

/** The workflow input: every field the request left out takes its value from DEFAULTS, here and nowhere else. */
function normalise(request: SweepRequest, script: CheckedScript, runs: CheckedRunSet, settings: CheckedSettings, output: CheckedOutput, cwd: string): PreparedSweep {
  const { batch, context, postprocess } = settings;
  const { sweepId, out, cache } = output;
  const engine: EngineKind = request.engine ?? DEFAULTS.engine;
  const gmatRoot = request.gmatRoot ? path.resolve(cwd, request.gmatRoot) : undefined;
  const retry: RetrySpec = {
    maximumAttempts: request.retry?.maximumAttempts ?? DEFAULTS.retry.maximumAttempts,
    initialIntervalMs: 1000 * (request.retry?.initialIntervalSeconds ?? DEFAULTS.retry.initialIntervalSeconds),
    backoffCoefficient: request.retry?.backoffCoefficient ?? DEFAULTS.retry.backoffCoefficient,
    maximumIntervalMs: 1000 * (request.retry?.maximumIntervalSeconds ?? DEFAULTS.retry.maximumIntervalSeconds),
  };
  return {
    engine,
    inputTables: runs.tables,
    ...(context ? { context } : {}),
    input: {
      context: {
        sweepId,
        outDir: out,
        scriptPath: script.path,
        scriptName: path.basename(script.path),
        scriptSha256: canonicalScriptSha256(script.text),
        engine: { kind: engine, ...(gmatRoot ? { gmatRoot } : {}), mode: request.engineMode ?? DEFAULTS.engineMode },
        runTimeoutMs: 1000 * (request.runTimeoutSeconds ?? DEFAULTS.runTimeoutSeconds),
        ...(postprocess ? { postprocess } : {}),
        ...(context ? { hasContext: true } : {}),
        ...(cache ? { cache } : {}),
        ...(request.keepLogs ? { keepLogs: true } : {}),
      },
      runSet: runs.runSet,
      runCount: runs.runCount,
      maxInFlight: request.maxInFlight ?? DEFAULTS.maxInFlight,
      // Absent, the workflow sizes batches by DEFAULTS.batchSeconds itself (inputs recorded without one replay so).
      ...(batch ? { batch } : {}),
      retry,
      heartbeatTimeoutMs: 1000 * (request.heartbeatTimeoutSeconds ?? DEFAULTS.heartbeatTimeoutSeconds),
      searchAttributes: false,
    },
  };
}
