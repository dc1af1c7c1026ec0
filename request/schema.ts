/**
 * The sweep request's one shape: the zod schema, the TypeScript types inferred from it, the
 * defaults of every field a request may leave out, and `parseRequest`, which turns untrusted
 * input into a typed request. The CLI's flag grammar (request/grid-args.ts) produces these
 * same types, so a `--grid` value and a programmatic `grid` axis are one type from here on.
 */
import { z } from 'zod';
import { DEFAULT_BATCH_SECONDS, DEFAULT_ENGINE_MODE, type EngineKind, type EngineMode } from '../sweep/types';
import { RequestError } from './request-error';

/**
 * What a request that leaves a field out gets. The schema's descriptions quote these values
 * (so the shipped JSON Schema cannot drift from them); the batch default is the workflow's
 * own, because an input without a batch spec must keep meaning the same thing on replay.
 */
export const DEFAULTS = {
  /** Batches at once; one batch runs one GMAT at a time, so also the bound on runs at once. */
  maxInFlight: 200,
  runTimeoutSeconds: 600,
  heartbeatTimeoutSeconds: 10,
  batchSeconds: DEFAULT_BATCH_SECONDS,
  retry: { maximumAttempts: 5, initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 30 },
  engine: 'gmat' as EngineKind,
  engineMode: DEFAULT_ENGINE_MODE as EngineMode,
  /** `out` is `<outRoot>/<sweep id>` under the working directory of whoever prepares the request. */
  outRoot: 'gsweep-runs',
} as const;

const overrideValue = z.union([z.number(), z.string(), z.boolean()]);
/** `LO:HI:COUNT` of `--grid`: numpy.linspace with both ends exact; travels as these three numbers. */
const linspaceAxis = z.object({ lo: z.number(), hi: z.number(), count: z.number() }).strict();
const gridAxis = z.union([z.array(overrideValue), linspaceAxis]);
const sampleRow = z.record(z.string(), overrideValue);
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
      .record(z.string(), gridAxis)
      .optional()
      .describe('Full factorial over override keys (Resource.Field): a list of values, or {lo, hi, count} for an inclusive linspace; keys sorted, last varies fastest'),
    samples: z
      .union([z.string().min(1), z.array(sampleRow)])
      .optional()
      .describe('Explicit runs: a .csv, .parquet or .json file of rows, or the rows themselves; columns are override keys'),
    monteCarlo: stochastic.optional().describe('Monte Carlo: n runs, perturb {key: [distribution, a, b]} with normal, uniform or lognormal, seed'),
    latinHypercube: stochastic.optional().describe('Latin hypercube: as monteCarlo, one point per equal-probability stratum per parameter'),
    out: z.string().min(1).optional().describe(`Output directory, new or empty, seen by every worker (default ${DEFAULTS.outRoot}/<sweep id>)`),
    engine: z.enum(['gmat', 'stand-in']).optional().describe(`${DEFAULTS.engine} (default) or the stand-in test double`),
    engineMode: z.enum(['fresh', 'warm']).optional().describe(`${DEFAULTS.engineMode} (default): one long-lived GmatConsole per worker slot; fresh: one per run`),
    gmatRoot: z.string().min(1).optional().describe('GMAT install root on the workers (default: what each worker finds)'),
    runTimeoutSeconds: z.number().positive().optional().describe(`Seconds one GMAT run may take (default ${DEFAULTS.runTimeoutSeconds})`),
    heartbeatTimeoutSeconds: z.number().positive().optional().describe(`Seconds after which a silent worker is given up (default ${DEFAULTS.heartbeatTimeoutSeconds})`),
    retry: z
      .object({
        maximumAttempts: z.number().int().min(1).optional(),
        initialIntervalSeconds: z.number().positive().optional(),
        backoffCoefficient: z.number().min(1).optional(),
        maximumIntervalSeconds: z.number().positive().optional(),
      })
      .optional()
      .describe('Retries of infrastructure failures (a run GMAT rejects is never retried)'),
    maxInFlight: z.number().int().optional().describe(`Batches at once, so GMAT runs at once across all workers (1-500, default ${DEFAULTS.maxInFlight})`),
    /** Engine seconds a batch of runs aims at (measured from finished batches). */
    batchSeconds: z.number().positive().optional().describe(`Engine seconds a batch of runs aims at (default ${DEFAULTS.batchSeconds})`),
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
/** One grid axis: a list of values, or `{lo, hi, count}` (what `--grid NAME=LO:HI:COUNT` parses to). */
export type GridAxisRequest = z.infer<typeof gridAxis>;
export type LinspaceAxisRequest = z.infer<typeof linspaceAxis>;
/** One explicit run: override key to value. */
export type SampleRowRequest = z.infer<typeof sampleRow>;
/** `[distribution, a, b]` of one perturbed key (what `--perturb NAME=TAG:P1:P2` parses to). */
export type PerturbRequest = z.infer<typeof perturbSpec>;
export type StochasticRequest = z.infer<typeof stochastic>;

/**
 * Why `LO:HI:COUNT` cannot be expanded into finite values, or undefined. Finite ends are not
 * enough: `1e308:-1e308:3` has a step of -Infinity (HI - LO overflows), so its middle value
 * would be NaN or -Infinity.
 */
export function linspaceStepProblem(lo: number, hi: number, count: number): string | undefined {
  const step = (hi - lo) / (count - 1);
  if (Number.isFinite(step)) return undefined;
  return `the step (HI - LO) / (COUNT - 1) of ${lo}:${hi}:${count} is not a finite number (HI - LO overflows a double); give ends closer together`;
}

function zodMessage(error: z.ZodError): RequestError {
  const issue = error.issues[0];
  const field = issue.path.length ? issue.path.join('.') : 'request';
  return new RequestError(field, `${issue.message}; see README "From code" for the accepted shape`);
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

/** The request as data of the right shape; what it means (script, limits, paths) is checked next. */
export function parseRequest(raw: unknown): SweepRequest {
  refuseProtoKeys(raw, '');
  const parsed = sweepRequestSchema.safeParse(raw);
  if (!parsed.success) throw zodMessage(parsed.error);
  return parsed.data;
}
