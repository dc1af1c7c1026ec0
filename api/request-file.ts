/**
 * Reading `<out>/request.json` back for `gsweep resume` and `extend`, as untrusted data
 * (docs/security.md). The file only describes *what* to run: its shape and limits are
 * checked like a new request, the archived script must match its recorded hash and pass the
 * same script checks, and the parts that choose a program or a path are never taken from it:
 *  - the engine (stand-in or GMAT, and which GMAT) comes from the command line / the worker;
 *  - the output directory is the one the user named, wherever it has been moved;
 *  - the script is the archived copy `<out>/script/<name>`, `<name>` a plain file name.
 */
import { z } from 'zod';
import { checkScript, parseScript, validateOverridesForScript } from '../gmat/script';
import { REQUEST_NAME, scriptKey } from '../output/layout';
import { InputTableError, verifyInputTables } from '../output/input-tables';
import { openStore } from '../output/open-store';
import { UnsafePathError } from '../output/safe-files';
import { canonicalScriptSha256 } from '../output/script-hash';
import { displayOf, DirStore, StoreKeyError, type Store } from '../output/store';
import { MAX_IN_FLIGHT_LIMIT, MAX_REQUEST_FILE_BYTES, MAX_SCRIPT_BYTES, MAX_TIMEOUT_SECONDS } from '../sweep/limits';
import { outputPathFieldReason } from '../sweep/output-fields';
import { OverrideError, parseOverrideKey, validateOverrideKey, validateOverrideValue, type Overrides } from '../sweep/overrides';
import { validatePerturb } from '../sweep/random';
import { inputTables, runSetSize } from '../sweep/runset';
import { expandStochasticRun } from '../sweep/stochastic';
import type { EngineRequest, SweepInput } from '../sweep/types';
import { linspaceStepProblem } from '../request/grid-args';
import { checkRunCount } from '../request/limits';
import { RequestError } from '../request/request-error';
import { OutAccessError } from '../output/out-access';

const MAX_MS = MAX_TIMEOUT_SECONDS * 1000;
const value = z.union([z.number(), z.string(), z.boolean()]);
const perturb = z.record(z.string(), z.tuple([z.enum(['normal', 'uniform', 'lognormal']), z.number(), z.number()]));
const ms = z.number().int().positive().max(MAX_MS);
// A table name is a file name gsweep writes under `<out>/inputs/`, never a path.
const tableRef = z.object({ table: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/), count: z.number().int().positive(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const gridAxis = z.union([
  z.array(value).min(1),
  z.object({ linspace: z.tuple([z.number().finite(), z.number().finite(), z.number().int().positive()]) }),
  z.object({ values: tableRef }),
]);

const inputSchema = z.object({
  context: z.object({
    sweepId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/),
    outDir: z.string(),
    scriptPath: z.string(),
    // A plain file name: the archived script is `<out>/script/<scriptName>`.
    scriptName: z.string().refine((n) => n !== '.' && n !== '..' && !/[/\\\u0000-\u001f]/.test(n) && n.length <= 255, 'must be a plain file name'),
    scriptSha256: z.string().regex(/^[0-9a-f]{64}$/),
    engine: z.object({ kind: z.enum(['gmat', 'stand-in']), gmatRoot: z.string().optional(), mode: z.enum(['fresh', 'warm']).optional() }),
    runTimeoutMs: ms,
    // Read only to know whether the sweep had a hook: resume/extend replace it with the one
    // the user gives again (api/resume.ts), so this never chooses what runs.
    postprocess: z.union([z.object({ command: z.string() }).strict(), z.object({ hook: z.string() }).strict()]).optional(),
    hasContext: z.boolean().optional(),
  }),
  runSet: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('grid'), axes: z.record(z.string(), gridAxis) }),
    z.object({ kind: z.literal('samples'), columns: z.array(z.string()).min(1), rowCount: z.number().int().positive(), rows: tableRef }),
    z.object({ kind: z.literal('monteCarlo'), n: z.number().int().positive(), perturb, seed: z.number().int().nonnegative(), firstRunId: z.number().int().nonnegative().optional() }),
    z.object({ kind: z.literal('latinHypercube'), n: z.number().int().positive(), perturb, seed: z.number().int().nonnegative() }),
  ]),
  runCount: z.number().int().positive(),
  maxInFlight: z.number().int().min(1).max(MAX_IN_FLIGHT_LIMIT),
  batch: z.object({ seconds: z.number().positive().optional(), size: z.number().int().positive().optional() }).strict().optional(),
  retry: z.object({
    maximumAttempts: z.number().int().min(1).max(1000),
    initialIntervalMs: ms,
    backoffCoefficient: z.number().min(1).max(100),
    maximumIntervalMs: ms,
  }),
  heartbeatTimeoutMs: ms,
  searchAttributes: z.boolean(),
});

/** The engine of a resume or extension: what the user said on its command line (or the caller of resumeSweep). */
export interface EngineChoice {
  engine: 'gmat' | 'stand-in';
  engineMode?: 'fresh' | 'warm';
  /** Absolute; pins the install for every worker, as on `gsweep run`. */
  gmatRoot?: string;
}

function bad(file: string, what: string): RequestError {
  return new RequestError(
    'out',
    `${file} ${what}; gsweep only resumes a request.json it wrote itself (restore it from a backup, or start a new sweep)`,
  );
}

/**
 * The size of `key` as the out lists it (a directory's links and special files too), so a file
 * over its limit is refused before it is read; undefined when there is none.
 */
async function listedSize(store: Store, key: string): Promise<number | undefined> {
  const slash = key.lastIndexOf('/');
  for await (const e of store.list(slash < 0 ? '' : key.slice(0, slash + 1), { shallow: true, special: true })) {
    if (e.key === key) return e.size;
  }
  return undefined;
}

/**
 * The bytes of `key`, at most `max`; `refuse` says why not (its size when it is over, nothing
 * when it is not a regular file). Undefined when there is none.
 */
async function readLimited(store: Store, key: string, what: string, max: number, refuse: (size?: number) => Error): Promise<Buffer | undefined> {
  const size = await listedSize(store, key);
  if (size === undefined) return undefined;
  if (size > max) throw refuse(size);
  let bytes: Buffer | undefined;
  try {
    bytes = await store.get(key, { what });
  } catch (err) {
    if (err instanceof UnsafePathError) throw refuse();
    throw err;
  }
  // It may have grown since it was listed.
  if (bytes && bytes.length > max) throw refuse(bytes.length);
  return bytes;
}

/** The Store of `out` as given: a directory, or `s3://bucket/prefix`. */
export function storeOfOut(out: string | Store): Store {
  if (typeof out !== 'string') return out;
  try {
    return openStore(out);
  } catch (err) {
    if (err instanceof StoreKeyError) throw new RequestError('out', err.message);
    throw err;
  }
}

/**
 * `<out>/request.json` as the input of a new sweep on `out` (a directory, `s3://bucket/prefix`,
 * or its Store), with the engine of `choice`; read through the out's Store, a file named by its
 * path or its `s3://` address. Throws RequestError when the file, its shape, its limits or the
 * archived script do not hold.
 */
export async function readSweepRequest(out: string | Store, choice: EngineChoice): Promise<SweepInput> {
  const store = storeOfOut(out);
  const outDir = store.url;
  const file = displayOf(store, REQUEST_NAME);
  if (store instanceof DirStore) {
    try {
      store.checkExisting();
    } catch (err) {
      if (err instanceof OutAccessError) throw new RequestError('out', err.message);
      throw err;
    }
  }
  const bytes = await readLimited(store, REQUEST_NAME, REQUEST_NAME, MAX_REQUEST_FILE_BYTES, (size) =>
    size === undefined ? bad(file, 'is not a regular file') : bad(file, `is ${size} bytes, over the ${MAX_REQUEST_FILE_BYTES}-byte limit for a request`),
  );
  if (!bytes) {
    throw new RequestError(
      'out',
      `${outDir} has no request.json, so it is not a gsweep output directory (or its sweep never started); give the directory a sweep wrote`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw bad(file, `is not valid JSON (${(err as Error).message})`);
  }
  const parsed = inputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bad(file, `is malformed at ${issue.path.join('.') || 'the top level'}: ${issue.message}`);
  }
  const input = parsed.data as SweepInput;
  checkRunCount('request.json runCount', input.runCount);
  const size = runSetSize(input.runSet);
  checkRunCount('request.json runSet', size);
  if (size !== input.runCount) throw bad(file, `says runCount ${input.runCount} but its run set has ${size} runs`);

  const recorded = input.context.engine.kind;
  if (recorded !== choice.engine) {
    throw new RequestError(
      'engine',
      `this sweep ran with --engine ${recorded}; pass --engine ${recorded} (a sweep's tables come from one engine), or start a new sweep`,
    );
  }
  const engine: EngineRequest = {
    kind: choice.engine,
    ...(choice.gmatRoot ? { gmatRoot: choice.gmatRoot } : {}),
    ...((choice.engineMode ?? input.context.engine.mode) === 'warm' ? { mode: 'warm' as const } : {}),
  };
  if (input.runSet.kind === 'samples' && input.runSet.rows.count !== input.runSet.rowCount) {
    throw bad(file, `says rowCount ${input.runSet.rowCount} but its sample table has ${input.runSet.rows.count} rows`);
  }
  // Long value lists live in <out>/inputs/: they must be the ones the sweep started with.
  try {
    await verifyInputTables(store, inputTables(input.runSet));
  } catch (err) {
    if (err instanceof InputTableError) throw new RequestError('out', `${err.message.replace(/(; start a new sweep| \(start the sweep again\))$/, '')}; resume needs the exact inputs the sweep ran, so start a new sweep`);
    throw err;
  }
  // The archived copy in the out, named as people see it: for an object store its `s3://`
  // address, which the start knows is already archived there (api/start.ts).
  const key = scriptKey(input.context.scriptName);
  let scriptPath: string;
  try {
    scriptPath = displayOf(store, key);
  } catch (err) {
    if (err instanceof StoreKeyError) throw bad(file, `is malformed at context.scriptName: ${err.message}`);
    throw err;
  }
  await verifyArchivedScript(store, key, scriptPath, input);
  return { ...input, context: { ...input.context, outDir, scriptPath, engine }, alreadyOk: undefined, carried: undefined };
}

/** The archived script must be the one the sweep hashed, and pass the checks a new sweep's script passes. */
async function verifyArchivedScript(store: Store, key: string, scriptPath: string, input: SweepInput): Promise<void> {
  const bytes = await readLimited(store, key, 'archived script', MAX_SCRIPT_BYTES, () =>
    new RequestError('out', `the archived script ${scriptPath} is not a regular file of at most ${MAX_SCRIPT_BYTES} bytes; start a new sweep`),
  );
  if (!bytes) throw new RequestError('out', `the archived script ${scriptPath} is missing; resume needs the exact script the sweep ran, so start a new sweep`);
  const text = bytes.toString('utf8');
  const sha = canonicalScriptSha256(text);
  if (sha !== input.context.scriptSha256) {
    throw new RequestError(
      'out',
      `the archived script ${scriptPath} has SHA-256 ${sha}, but the sweep ran ${input.context.scriptSha256}; it was changed after the sweep started, so its runs would not match: restore it or start a new sweep`,
    );
  }
  let resources;
  try {
    checkScript(text);
    resources = parseScript(text).resources;
  } catch (err) {
    throw new RequestError('out', `the archived script ${scriptPath}: ${(err as Error).message}`);
  }
  const check = (overrides: Overrides) => {
    try {
      for (const [k, v] of Object.entries(overrides)) {
        validateOverrideKey(k);
        validateOverrideValue(k, v);
      }
      validateOverridesForScript(resources, overrides);
    } catch (err) {
      if (err instanceof OverrideError) throw new RequestError(`request.json runSet.${err.key}`, err.message);
      throw err;
    }
  };
  const typeOf = new Map(resources.map((r) => [r.name, r.type] as const));
  const checkColumn = (field: string, column: string) => {
    try {
      validateOverrideKey(column);
    } catch (err) {
      throw new RequestError(field, (err as Error).message);
    }
    const target = parseOverrideKey(column);
    const resource = target.resource;
    if (!typeOf.has(resource)) throw new RequestError(field, `"${column}": the script creates no resource named "${resource}"`);
    const reason = target.kind === 'field' ? outputPathFieldReason(typeOf.get(resource), target.path) : null;
    if (reason) throw new RequestError(field, `"${column}": ${reason}; output paths cannot be overridden`);
  };
  const { runSet } = input;
  if (runSet.kind === 'grid') {
    for (const [key, axis] of Object.entries(runSet.axes)) {
      // A LO:HI:COUNT axis is checked by its ends; a table axis run by run in the activity
      // (its file's hash was checked above).
      if (Array.isArray(axis)) for (const v of axis) check({ [key]: v });
      else if ('linspace' in axis) {
        for (const v of axis.linspace.slice(0, 2)) check({ [key]: v });
        const stepProblem = linspaceStepProblem(...axis.linspace);
        if (stepProblem) throw new RequestError(`request.json runSet.axes.${key}`, stepProblem);
      }
      else checkColumn('request.json runSet.axes', key);
    }
  } else if (runSet.kind === 'samples') {
    // Values are checked per run by the activity (the rows stay in `<out>/inputs/`); the columns here.
    for (const column of runSet.columns) checkColumn('request.json runSet.columns', column);
  } else {
    try {
      validatePerturb(runSet.perturb);
    } catch (err) {
      throw new RequestError('request.json runSet.perturb', (err as Error).message);
    }
    check(expandStochasticRun(runSet, 0));
  }
}

