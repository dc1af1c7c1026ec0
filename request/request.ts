/**
 * Sweep requests: the programmatic shape (validated with zod), and `prepareRequest`, which
 * checks everything against the script and the filesystem *before* anything is started or
 * created, and returns the workflow input. Every error names the field, the value and the fix.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
export { RequestError };
import { checkScript, patchScript, validateOverridesForScript } from '../gmat/script';
import { encodeValueTable, INLINE_LIST_MAX_BYTES, type EncodedTable } from '../output/input-tables';
import { canonicalScriptSha256 } from '../output/script-hash';
import { sortedKeys } from '../sweep/grid';
import { describeValue, OverrideError, validateOverrideKey, validateOverrideValue, type Overrides, type OverrideValue } from '../sweep/overrides';
import { lhsMedian, validatePerturb } from '../sweep/random';
import { runSetSize } from '../sweep/runset';
import { expandStochasticRun } from '../sweep/stochastic';
import { MAX_BATCH_RUNS } from '../sweep/batches';
import { formatCount, MAX_IN_FLIGHT_LIMIT, MAX_PARAMETERS, MAX_RUN_CONTEXT_BYTES, MAX_SAMPLE_ROW_BYTES, MAX_SCRIPT_BYTES } from '../sweep/limits';
import { DEFAULT_BATCH_SECONDS, DEFAULT_ENGINE_MODE, type BatchSpec, type ContextFile, type EngineKind, type GridAxis, type PerturbSpec, type PostprocessSpec, type RetrySpec, type RunSet, type SweepInput } from '../sweep/sweep';
import { linspaceStepProblem } from './grid-args';
import { checkInputFile, checkRunCount, checkTimeoutSeconds } from './limits';
import { LOCK_NAME } from './out-lock';
import { fsReason } from './fs-reason';
import { RequestError } from './request-error';
import { readSamplesFileAsync, SamplesError, tableFromObjects, type SamplesTable } from './samples';
import { enclosingSweep } from '../output/safe-files';
import { isS3Url, parseS3Url } from '../output/store';
import { S3Store } from '../output/s3-store';

const overrideValue = z.union([z.number(), z.string(), z.boolean()]);
/** `LO:HI:COUNT` of `--grid`: numpy.linspace with both ends exact; travels as these three numbers. */
const linspaceAxis = z.object({ lo: z.number(), hi: z.number(), count: z.number() }).strict();
const perturbSpec = z.tuple([z.string(), z.number(), z.number()]);
const stochastic = z.object({
  n: z.number(),
  perturb: z.record(z.string(), perturbSpec),
  seed: z.number(),
});

/**
 * The sweep request. Paths (`script`, `out`, `samples`, `gmatRoot`, `cache`) are taken on the
 * machine that prepares the request: the client for `startSweep` and the CLI, a worker for a
 * sweep started by workflow name (README "From Python (or any Temporal SDK)"). The descriptions
 * go into the JSON Schema shipped in the package (request/json-schema.ts).
 */
export const sweepRequestSchema = z
  .object({
    script: z.string().min(1).describe('GMAT .script file; relative paths are taken against the working directory of whoever prepares the request'),
    grid: z
      .record(z.string(), z.union([z.array(overrideValue), linspaceAxis]))
      .optional()
      .describe('Full factorial over override keys (Resource.Field): a list of values, or {lo, hi, count} for an inclusive linspace; keys sorted, last varies fastest'),
    samples: z
      .union([z.string().min(1), z.array(z.record(z.string(), overrideValue))])
      .optional()
      .describe('Explicit runs: a .csv, .parquet or .json file of rows, or the rows themselves; columns are override keys'),
    monteCarlo: stochastic.optional().describe('Monte Carlo: n runs, perturb {key: [distribution, a, b]} with normal, uniform or lognormal, seed'),
    latinHypercube: stochastic.optional().describe('Latin hypercube: as monteCarlo, one point per equal-probability stratum per parameter'),
    out: z.string().min(1).optional().describe('Output directory, new or empty, seen by every worker (default gsweep-runs/<sweep id>)'),
    engine: z.enum(['gmat', 'stand-in']).optional().describe('gmat (default) or the stand-in test double'),
    engineMode: z.enum(['fresh', 'warm']).optional().describe('warm (default): one long-lived GmatConsole per worker slot; fresh: one per run'),
    gmatRoot: z.string().min(1).optional().describe('GMAT install root on the workers (default: what each worker finds)'),
    runTimeoutSeconds: z.number().positive().optional().describe('Seconds one GMAT run may take (default 600)'),
    heartbeatTimeoutSeconds: z.number().positive().optional().describe('Seconds after which a silent worker is given up (default 10)'),
    retry: z
      .object({
        maximumAttempts: z.number().int().min(1).optional(),
        initialIntervalSeconds: z.number().positive().optional(),
        backoffCoefficient: z.number().min(1).optional(),
        maximumIntervalSeconds: z.number().positive().optional(),
      })
      .optional()
      .describe('Retries of infrastructure failures (a run GMAT rejects is never retried)'),
    maxInFlight: z.number().int().optional().describe('Batches at once, so GMAT runs at once across all workers (1-500, default 200)'),
    /** Engine seconds a batch of runs aims at (measured from finished batches). */
    batchSeconds: z.number().positive().optional().describe('Engine seconds a batch of runs aims at (default 20)'),
    /** Runs per batch, pinned (instead of batchSeconds). */
    batchSize: z.number().int().positive().optional().describe('Runs per batch, pinned (instead of batchSeconds)'),
    sweepId: z.string().optional().describe('Sweep id and workflow id; when the sweep is started by workflow name, the workflow id is the sweep id (leave this out or give the same)'),
    /** Run after each successful GMAT run: a command line, or a worker-registered function. */
    postprocess: z
      .union([z.string().min(1), z.object({ hook: z.string().min(1) }).strict()])
      .optional()
      .describe('Run after each successful GMAT run: a command line, or {hook: name} of a function registered on the workers'),
    /** Per-run free-form data (gmat-sweep `context`): one object for every run, or one per run. */
    context: z
      .union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))])
      .optional()
      .describe('Per-run free-form data: one object for every run, or one object per run'),
    /** Run cache directory: identical runs are taken from it, new results stored in it (README "Run cache"). */
    cache: z.string().min(1).optional().describe('Run cache directory: identical runs are taken from it, new results stored in it'),
    /** An `s3://` out: also upload each run's GMAT log and patched script (a directory out keeps them anyway). */
    keepLogs: z.boolean().optional().describe('An s3:// out: also upload each run\'s GMAT log and patched script (a directory out keeps them anyway)'),
  })
  .strict();

export type SweepRequest = z.infer<typeof sweepRequestSchema>;

export const DEFAULTS = {
  /** Batches at once; one batch runs one GMAT at a time, so also the bound on runs at once. */
  maxInFlight: 200,
  runTimeoutSeconds: 600,
  heartbeatTimeoutSeconds: 10,
  retry: { maximumAttempts: 5, initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 30 },
};

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

function zodMessage(error: z.ZodError): RequestError {
  const issue = error.issues[0];
  const field = issue.path.length ? issue.path.join('.') : 'request';
  return new RequestError(field, `${issue.message}; see README "From code" for the accepted shape`);
}

export type GridAxisRequest = OverrideValue[] | { lo: number; hi: number; count: number };

function checkGrid(axes: Record<string, GridAxisRequest>): void {
  for (const [key, values] of Object.entries(axes)) {
    try {
      validateOverrideKey(key);
    } catch (err) {
      throw new RequestError(`grid.${key}`, (err as Error).message);
    }
    if (!Array.isArray(values)) {
      const { lo, hi, count } = values;
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
        throw new RequestError(`grid.${key}`, `lo and hi must be finite numbers, got ${describeValue(lo)} and ${describeValue(hi)}`);
      }
      if (!Number.isSafeInteger(count) || count < 2) {
        throw new RequestError(`grid.${key}.count`, `${describeValue(count)} is not an integer >= 2; both ends are included, so give at least 2`);
      }
      const stepProblem = linspaceStepProblem(lo, hi, count);
      if (stepProblem) throw new RequestError(`grid.${key}`, stepProblem);
      continue;
    }
    if (values.length === 0) {
      throw new RequestError(`grid.${key}`, 'the value list is empty; give at least one value');
    }
    values.forEach((v, i) => {
      try {
        validateOverrideValue(key, v);
      } catch (err) {
        throw new RequestError(`grid.${key}[${i}]`, (err as Error).message);
      }
    });
  }
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

function sweepIdFor(scriptPath: string): string {
  const base = path.basename(scriptPath).replace(/\.script$/i, '').replace(/[^A-Za-z0-9_-]/g, '_');
  return `gsweep-${base}-${randomBytes(4).toString('hex')}`;
}

/** A sweep id names files and workflows: letters, digits, ".", "_" and "-". */
export function checkSweepId(sweepId: string, field = 'sweepId'): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(sweepId)) {
    throw new RequestError(field, `${describeValue(sweepId)}: use letters, digits, ".", "_" and "-" (at most 200)`);
  }
}

/** The output directory a request names, absolute (default `gsweep-runs/<sweep id>`). */
export function requestOutDir(out: string | undefined, sweepId: string, cwd: string = process.cwd()): string {
  return path.resolve(cwd, out ?? path.join('gsweep-runs', sweepId));
}

/** Longest name one path component may have (NAME_MAX on Linux, macOS and Windows file systems). */
const NAME_MAX_BYTES = 255;
/** Longest path the system opens (PATH_MAX on Linux). */
const PATH_MAX_BYTES = 4096;
/**
 * Room kept for what gsweep and GMAT write inside `out`: `runs/run-<id>/` and a file name (an
 * `extra/<name>` of up to 100 characters, a temporary suffix), so `out` itself must be shorter.
 */
const OUT_PATH_RESERVE_BYTES = 256;

/**
 * The output directory can be made and written: its names fit the system's limits, and the
 * nearest directory that exists (itself, or the ancestor it will be created in) is a directory
 * this user can write. Said in one sentence before anything starts, not as an errno later.
 */
export function checkOutWritable(out: string): void {
  const abs = path.resolve(out);
  const long = abs.split(path.sep).find((part) => Buffer.byteLength(part) > NAME_MAX_BYTES);
  if (long !== undefined) {
    throw new RequestError(
      'out',
      `${describeValue(out)} has a name of ${Buffer.byteLength(long)} bytes (${describeValue(long.slice(0, 16) + '...')}); file systems allow at most ${NAME_MAX_BYTES} bytes per name: choose a shorter one`,
    );
  }
  const bytes = Buffer.byteLength(abs);
  if (bytes + OUT_PATH_RESERVE_BYTES > PATH_MAX_BYTES) {
    throw new RequestError(
      'out',
      `${describeValue(out)} is ${bytes} bytes long; the files a sweep writes inside it need up to ${OUT_PATH_RESERVE_BYTES} more, past the system's limit of ${PATH_MAX_BYTES} bytes per path: choose a shorter path`,
    );
  }
  let existing = abs;
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(existing, { throwIfNoEntry: false });
    } catch {
      stat = undefined; // ENOTDIR: a file further up; found as the loop climbs
    }
    if (stat) {
      if (!stat.isDirectory()) {
        throw new RequestError(
          'out',
          existing === abs
            ? `${describeValue(out)} exists and is not a directory; choose a new output directory`
            : `${describeValue(out)}: ${existing} is a file, not a directory, so the output directory cannot be made there; choose another output directory`,
        );
      }
      break;
    }
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RequestError(
      'out',
      existing === abs
        ? `${describeValue(out)} is not writable (${fsReason(code)}, ${code}); choose another output directory`
        : `${describeValue(out)} cannot be created in ${existing} (${fsReason(code)}, ${code}); choose another output directory`,
    );
  }
}

/**
 * Every run writes its absolute run-directory path into a quoted GMAT string, so the output
 * directory may hold only what such a string can: refused here, not at the first run.
 */
export function checkOutPath(out: string): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u001f\u007f-\uffff'";%{}]/.exec(out);
  if (bad) {
    const c = bad[0];
    const what = c.charCodeAt(0) > 0x7e ? `a non-ASCII character (U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})` : c.charCodeAt(0) < 0x20 || c === '\u007f' ? 'a control character' : `"${c}"`;
    throw new RequestError(
      'out',
      `${describeValue(out)} contains ${what}; GMAT reads output paths from quoted script strings, which cannot hold quotes, ";", "%", braces, control or non-ASCII characters: choose another directory`,
    );
  }
}

/**
 * The out of a new sweep, checked: a directory (absolute, safe for GMAT's quoted strings, new
 * or empty), or `s3://bucket/prefix` whose bucket exists, whose credentials work, and whose
 * prefix holds nothing yet. Nothing is created.
 */
export async function checkOut(raw: string, cwd: string = process.cwd()): Promise<string> {
  if (isS3Url(raw)) {
    let url: string;
    try {
      url = parseS3Url(raw).url;
    } catch (err) {
      throw new RequestError('out', (err as Error).message);
    }
    try {
      await new S3Store(url, { maxAttempts: 2 }).checkAccess({ emptyPrefix: true, ignore: [LOCK_NAME] });
    } catch (err) {
      throw new RequestError('out', (err as Error).message);
    }
    return url;
  }
  const out = path.resolve(cwd, raw);
  checkOutPath(out);
  checkOutWritable(out);
  checkOutDir(out);
  return out;
}

function checkOutDir(out: string): void {
  const outer = enclosingSweep(out);
  if (outer) {
    throw new RequestError(
      'out',
      `${describeValue(out)} is inside the output directory of another sweep (${outer}), which would delete it when it re-runs a run; choose a directory outside it`,
    );
  }
  let link: fs.Stats | undefined;
  try {
    link = fs.lstatSync(out);
  } catch {
    link = undefined;
  }
  if (link?.isSymbolicLink() && !fs.existsSync(out)) {
    throw new RequestError('out', `${describeValue(out)} is a symbolic link to nothing; gsweep does not write through it: give a directory`);
  }
  if (!fs.existsSync(out)) {
    const parent = path.dirname(out);
    if (!fs.existsSync(parent)) return; // created (recursively) when the sweep starts
    if (!fs.statSync(parent).isDirectory()) {
      throw new RequestError('out', `${describeValue(out)}: parent ${parent} is not a directory; choose another output directory`);
    }
    return;
  }
  if (!fs.statSync(out).isDirectory()) {
    throw new RequestError('out', `${describeValue(out)} exists and is not a directory; choose a new output directory`);
  }
  // A lone lock file is judged by the lock (held: refused naming its sweep; stale: taken over).
  if (fs.readdirSync(out).filter((name) => name !== LOCK_NAME).length > 0) {
    throw new RequestError(
      'out',
      `${describeValue(out)} is not empty; give a new directory (to finish an earlier sweep there, use \`gsweep resume ${out}\`)`,
    );
  }
}

/**
 * JSON.parse keeps a `"__proto__"` key as an own property, but copying it into another object
 * (zod does) sets a prototype instead, so the key would vanish silently: refuse it by name.
 */
function refuseProtoKeys(value: unknown, where: string, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  for (const key of Object.keys(value)) {
    const at = where ? `${where}.${key}` : key;
    if (key === '__proto__') {
      throw new RequestError(where || 'request', '"__proto__" is not an override key or request field; remove it');
    }
    refuseProtoKeys((value as Record<string, unknown>)[key], at, depth + 1);
  }
}

function checkBatch(seconds: number | undefined, size: number | undefined): BatchSpec | undefined {
  if (seconds !== undefined && size !== undefined) {
    throw new RequestError('batchSize', `${size} pins the batch size while batchSeconds (${seconds}) asks for sizing by time; give one of --batch-size and --batch-seconds`);
  }
  if (seconds !== undefined && !(seconds >= 0.1 && seconds <= 3600)) {
    throw new RequestError('batchSeconds', `${seconds} is outside 0.1..3600 seconds of engine time per batch; give a value in that range (default ${DEFAULT_BATCH_SECONDS})`);
  }
  if (size !== undefined && size > MAX_BATCH_RUNS) {
    throw new RequestError('batchSize', `${size} is more than ${formatCount(MAX_BATCH_RUNS)} runs per batch; give at most ${formatCount(MAX_BATCH_RUNS)}`);
  }
  if (seconds === undefined && size === undefined) return undefined;
  return { ...(seconds !== undefined ? { seconds } : {}), ...(size !== undefined ? { size } : {}) };
}

export async function prepareRequest(raw: unknown, cwd = process.cwd()): Promise<PreparedSweep> {
  refuseProtoKeys(raw, '');
  const parsed = sweepRequestSchema.safeParse(raw);
  if (!parsed.success) throw zodMessage(parsed.error);
  const request = parsed.data;

  const scriptPath = path.resolve(cwd, request.script);
  if (!fs.existsSync(scriptPath)) {
    throw new RequestError('script', `${describeValue(request.script)} does not exist (resolved to ${scriptPath}); give the path of a GMAT .script file`);
  }
  // A directory, FIFO or device is named as such (a FIFO would block the read).
  checkInputFile('script', scriptPath, MAX_SCRIPT_BYTES, 'a GMAT .script file');
  const scriptText = fs.readFileSync(scriptPath, 'utf8');
  let resources;
  try {
    resources = checkScript(scriptText).resources;
    // Output file names that clash with each other or with the run's own files: now, not at run time.
    patchScript(scriptText, {}, '/gsweep-check');
  } catch (err) {
    throw new RequestError('script', `${scriptPath}: ${(err as Error).message}`);
  }

  const kinds = (['grid', 'samples', 'monteCarlo', 'latinHypercube'] as const).filter((k) => request[k] !== undefined);
  if (kinds.length !== 1) {
    throw new RequestError(
      'runSet',
      kinds.length === 0
        ? 'no run set given; give exactly one of grid, samples, monteCarlo, latinHypercube'
        : `${kinds.join(' and ')} given together; give exactly one run set`,
    );
  }

  let runSet: RunSet;
  const tables: EncodedTable[] = [];
  const checkAgainstScript = (field: string, overrides: Overrides) => {
    try {
      validateOverridesForScript(resources, overrides);
    } catch (err) {
      if (err instanceof OverrideError) throw new RequestError(`${field}.${err.key}`, err.message);
      throw err;
    }
  };
  if (request.grid) {
    const grid = request.grid;
    const keys = Object.keys(grid).length;
    if (keys > MAX_PARAMETERS) throw new RequestError('grid', `${keys} axes is more than the limit of ${MAX_PARAMETERS}; sweep fewer parameters`);
    // Counted from list lengths and COUNTs before anything is checked value by value or
    // written as a table (a LO:HI:COUNT axis is never expanded here).
    checkRunCount(
      'grid',
      Object.values(grid).reduce((n, axis) => n * (Array.isArray(axis) ? axis.length : Number.isFinite(axis.count) ? Math.max(1, axis.count) : 1), 1),
    );
    checkGrid(grid);
    // One representative per axis value is enough: every key and value is checked once
    // (a linspace's values are all finite numbers: its ends stand for it).
    for (const [key, values] of Object.entries(grid)) {
      for (const value of Array.isArray(values) ? values : [values.lo, values.hi]) checkAgainstScript('grid', { [key]: value });
    }
    const axes: Record<string, GridAxis> = {};
    sortedKeys(grid).forEach((key, k) => {
      const values = grid[key];
      if (!Array.isArray(values)) axes[key] = { linspace: [values.lo, values.hi, values.count] };
      else if (JSON.stringify(values).length <= INLINE_LIST_MAX_BYTES) axes[key] = values;
      else {
        const table = encodeValueTable(`grid-${k}`, values);
        tables.push(table);
        axes[key] = { values: table.ref };
      }
    });
    runSet = { kind: 'grid', axes };
  } else if (request.samples !== undefined) {
    let samples: SamplesTable;
    try {
      samples =
        typeof request.samples === 'string'
          ? await readSamplesFileAsync(path.resolve(cwd, request.samples))
          : tableFromObjects('(rows given in the request)', request.samples);
    } catch (err) {
      if (err instanceof SamplesError) throw new RequestError('samples', err.message);
      throw err;
    }
    if (samples.columns.length === 0) throw new RequestError('samples', 'no columns; give one column per override key');
    if (samples.columns.length > MAX_PARAMETERS) {
      throw new RequestError('samples', `${samples.columns.length} columns is more than the limit of ${MAX_PARAMETERS}; sweep fewer parameters`);
    }
    samples.rows.forEach((row, r) => {
      const overrides: Overrides = {};
      samples.columns.forEach((c, i) => {
        overrides[c] = row[i] as OverrideValue;
      });
      try {
        checkAgainstScript(`samples[${r}]`, overrides);
      } catch (err) {
        throw err instanceof RequestError ? err : new RequestError(`samples[${r}]`, (err as Error).message);
      }
      // A row is one run's overrides, carried to and recorded by that run: bounded as a whole.
      const rowBytes = Buffer.byteLength(JSON.stringify(row));
      if (rowBytes > MAX_SAMPLE_ROW_BYTES) {
        throw new RequestError(`samples[${r}]`, `is ${formatCount(rowBytes)} bytes of JSON, over gsweep's limit of ${formatCount(MAX_SAMPLE_ROW_BYTES)} bytes for one row (one run's overrides); split large values out of the sweep`);
      }
    });
    const table = encodeValueTable('samples', samples.rows);
    tables.push(table);
    runSet = { kind: 'samples', columns: samples.columns, rowCount: samples.rows.length, rows: table.ref };
  } else {
    const kind = request.monteCarlo ? ('monteCarlo' as const) : ('latinHypercube' as const);
    const spec = (request.monteCarlo ?? request.latinHypercube)!;
    // A huge n is refused before it is tested for integrality (1e30 is an "integer").
    if (spec.n > 0) checkRunCount(`${kind}.n`, spec.n);
    if (!Number.isInteger(spec.n) || spec.n < 1) {
      throw new RequestError(`${kind}.n`, `${describeValue(spec.n)} is not a positive integer; give the number of runs (n >= 1)`);
    }
    if (!Number.isSafeInteger(spec.seed) || spec.seed < 0) {
      throw new RequestError(`${kind}.seed`, `${describeValue(spec.seed)} is not a non-negative integer; give an integer seed`);
    }
    const parameters = Object.keys(spec.perturb).length;
    if (parameters > MAX_PARAMETERS) {
      throw new RequestError(`${kind}.perturb`, `${parameters} parameters is more than the limit of ${MAX_PARAMETERS}; perturb fewer`);
    }
    try {
      validatePerturb(spec.perturb);
    } catch (err) {
      throw new RequestError(`${kind}.perturb`, (err as Error).message);
    }
    const stochasticSet = { kind, n: spec.n, perturb: spec.perturb as Record<string, PerturbSpec>, seed: spec.seed };
    runSet = stochasticSet;
    // A Latin hypercube's first run needs the whole design; its median point has the same keys and kinds of value.
    checkAgainstScript(`${kind}.perturb`, kind === 'latinHypercube' ? lhsMedian(stochasticSet.perturb) : expandStochasticRun(stochasticSet, 0));
  }

  const runCount = runSetSize(runSet);
  if (runCount < 1) throw new RequestError('runSet', 'the run set has no runs; give at least one');
  checkRunCount(runSet.kind === 'samples' ? 'samples' : runSet.kind, runCount);

  const maxInFlight = request.maxInFlight ?? DEFAULTS.maxInFlight;
  if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT_LIMIT) {
    throw new RequestError('maxInFlight', `${maxInFlight} is outside 1..${MAX_IN_FLIGHT_LIMIT}; Temporal limits pending activities, so give at most ${MAX_IN_FLIGHT_LIMIT}`);
  }
  const batch = checkBatch(request.batchSeconds, request.batchSize);

  const sweepId = request.sweepId ?? sweepIdFor(scriptPath);
  checkSweepId(sweepId);
  const out = await checkOut(request.out ?? path.join('gsweep-runs', sweepId), cwd);
  checkTimeoutSeconds('runTimeoutSeconds', request.runTimeoutSeconds);
  checkTimeoutSeconds('heartbeatTimeoutSeconds', request.heartbeatTimeoutSeconds);
  checkTimeoutSeconds('retry.initialIntervalSeconds', request.retry?.initialIntervalSeconds);
  checkTimeoutSeconds('retry.maximumIntervalSeconds', request.retry?.maximumIntervalSeconds);
  if (request.retry?.maximumAttempts !== undefined && request.retry.maximumAttempts > 1000) {
    throw new RequestError('retry.maximumAttempts', `${request.retry.maximumAttempts} is more than the limit of 1000 attempts; give fewer`);
  }

  const retry: RetrySpec = {
    maximumAttempts: request.retry?.maximumAttempts ?? DEFAULTS.retry.maximumAttempts,
    initialIntervalMs: 1000 * (request.retry?.initialIntervalSeconds ?? DEFAULTS.retry.initialIntervalSeconds),
    backoffCoefficient: request.retry?.backoffCoefficient ?? DEFAULTS.retry.backoffCoefficient,
    maximumIntervalMs: 1000 * (request.retry?.maximumIntervalSeconds ?? DEFAULTS.retry.maximumIntervalSeconds),
  };
  const context = checkContext(request.context, runCount);
  const postprocess = checkPostprocess(request.postprocess);
  const engine: EngineKind = request.engine ?? 'gmat';
  const gmatRoot = request.gmatRoot ? path.resolve(cwd, request.gmatRoot) : undefined;
  const cache = checkCacheDir(request.cache, cwd);
  return {
    engine,
    inputTables: tables,
    ...(context ? { context } : {}),
    input: {
      context: {
        sweepId,
        outDir: out,
        scriptPath,
        scriptName: path.basename(scriptPath),
        scriptSha256: canonicalScriptSha256(scriptText),
        engine: { kind: engine, ...(gmatRoot ? { gmatRoot } : {}), mode: request.engineMode ?? DEFAULT_ENGINE_MODE },
        runTimeoutMs: 1000 * (request.runTimeoutSeconds ?? DEFAULTS.runTimeoutSeconds),
        ...(postprocess ? { postprocess } : {}),
        ...(context ? { hasContext: true } : {}),
        ...(cache ? { cache } : {}),
        ...(request.keepLogs ? { keepLogs: true } : {}),
      },
      runSet,
      runCount,
      maxInFlight,
      ...(batch ? { batch } : {}),
      retry,
      heartbeatTimeoutMs: 1000 * (request.heartbeatTimeoutSeconds ?? DEFAULTS.heartbeatTimeoutSeconds),
      searchAttributes: false,
    },
  };
}

/** The run cache directory, absolute; refused when it names an object store or a non-directory. */
export function checkCacheDir(raw: string | undefined, cwd: string = process.cwd()): string | undefined {
  if (raw === undefined) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new RequestError('cache', `${JSON.stringify(raw)}: this gsweep keeps a run cache in a directory only; give a path every worker can reach`);
  }
  const dir = path.resolve(cwd, raw);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new RequestError('cache', `${dir} exists and is not a directory; give a directory for the run cache`);
  }
  return dir;
}
