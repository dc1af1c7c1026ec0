/**
 * Resume and extend: start a new workflow on an existing output directory that runs only
 * what is missing (`resumeSweep`, and the plans `gsweep resume` and `gsweep extend` start). What counts as done comes from the
 * `outcome.json` files, the durable per-run record, so it works after a cancel, a
 * termination, or a sweep whose server is long gone.
 */
import type { Client } from '@temporalio/client';
import { ALREADY_OK_TABLE, encodeBitsTable, type EncodedTable } from '../output/input-tables';
import { readCurrentOutcome } from '../output/outcome';
import { OutAccessError } from '../output/out-access';
import { openRunSource, type RunSource } from '../output/run-source';
import type { Store } from '../output/store';
import { RunBitset } from '../sweep/bitset';
import { runSetSize } from '../sweep/runset';
import type { PostprocessSpec, SweepInput } from '../sweep/types';
import { checkRunCount } from '../request/limits';
import { RequestError } from '../request/request-error';
import { readSweepRequest, storeOfOut, type EngineChoice } from './request-file';
import { startSweep, type StartOptions } from './start';
import type { SweepHandle } from './handle';

/** A resumed or extended sweep, ready for `startSweep`, and what it will run. */
export interface ResumePlan {
  input: SweepInput;
  /** The already-ok bitset, written to `<out>/inputs/` when the resumed sweep starts (10 M runs = 1.2 MiB: never in history). */
  inputTables: EncodedTable[];
  workflowId: string;
  toRun: number;
  alreadyOk: number;
  failedBefore: number;
}

async function okBitset(input: SweepInput, runCount: number, runs: RunSource): Promise<{ ok: RunBitset; failed: number }> {
  const ok = new RunBitset(runCount);
  let failed = 0;
  try {
    for (let id = 0; id < Math.min(runCount, input.runCount); id++) {
      const outcome = await readCurrentOutcome(runs, id);
      if (outcome?.status === 'ok') ok.set(id);
      else if (outcome?.status === 'failed') failed++;
    }
  } finally {
    runs.close?.();
  }
  return { ok, failed };
}

/** What a resume or extension takes from its caller, never from the output directory. */
export interface ResumeOptions {
  /** The postprocess command from the user's command line, or a function hook name from code. */
  postprocess?: string | { hook: string };
  /** The run cache (absolute directory) from the user's command line; never from the output directory. */
  cache?: string;
}

/**
 * The postprocess hook of a resumed/extended sweep comes from the user again, never from
 * request.json: a file in the output directory must not pick a program to run. A sweep that
 * had a hook is refused without one; a sweep that had none takes none.
 */
function postprocessFromUser(stored: SweepInput, outDir: string, options: ResumeOptions): PostprocessSpec | undefined {
  const had = stored.context.postprocess;
  const given = options.postprocess;
  if (given === undefined) {
    if (had) {
      const how = 'command' in had ? `--postprocess ${JSON.stringify(had.command)}` : `postprocess: { hook: ${JSON.stringify(had.hook)} }`;
      throw new RequestError(
        'postprocess',
        `the sweep in ${outDir} ran with a postprocess hook; give it again (${how}): gsweep never runs a command read back from the output directory`,
      );
    }
    return undefined;
  }
  if (!had) {
    throw new RequestError('postprocess', `the sweep in ${outDir} ran without a postprocess hook; resume it without one (its ok runs were never postprocessed)`);
  }
  return typeof given === 'string' ? { command: given } : { hook: given.hook };
}

/**
 * The out's Store, as planResume and planExtend read it. An object store's bucket and
 * credentials are checked before anything is read from it; a directory's writability after its
 * request.json (readRequest), so a directory that is no sweep is named as such first.
 */
async function openOut(out: string | Store): Promise<Store> {
  const store = storeOfOut(out);
  if (store.dir === undefined) await checkAccess(store);
  return store;
}

/** The out can take the resumed sweep's runs (output/out-access.ts), or RequestError naming the fix. */
async function checkAccess(store: Store): Promise<void> {
  try {
    await store.checkAccess();
  } catch (err) {
    if (err instanceof OutAccessError) throw new RequestError('out', err.message);
    throw err;
  }
}

/** request.json of the out, for a sweep that will write there again. */
async function readRequest(store: Store, choice: EngineChoice): Promise<SweepInput> {
  const input = await readSweepRequest(store, choice);
  if (store.dir !== undefined) await checkAccess(store);
  return input;
}

/** The runs' outcomes, read through the out's Store (output/run-source.ts). */
async function runsOf(store: Store): Promise<RunSource> {
  try {
    return await openRunSource(store);
  } catch (err) {
    throw new RequestError('out', `${store.url}: ${(err as Error).message}`);
  }
}

function nextWorkflowId(input: SweepInput, verb: string): string {
  return `${input.context.sweepId}-${verb}-${Date.now().toString(36)}`;
}

/**
 * The plan of a resume of `out` (a directory, `s3://bucket/prefix`, or its Store): every run
 * without an ok outcome.json runs again. The engine comes from `choice` and the postprocess
 * hook from `options`: both from the user, never from `out`. Throws RequestError when
 * request.json or the archived script is missing or damaged, the out cannot be written, or the
 * hook given does not match the sweep's.
 */
export async function planResume(out: string | Store, choice: EngineChoice, options: ResumeOptions = {}): Promise<ResumePlan> {
  const store = await openOut(out);
  const input = await readRequest(store, choice);
  input.context.postprocess = postprocessFromUser(input, store.url, options);
  input.context.cache = options.cache;
  const { ok, failed } = await okBitset(input, input.runCount, await runsOf(store));
  const alreadyOk = ok.count();
  const bits = encodeBitsTable(ALREADY_OK_TABLE, input.runCount, ok.bytes);
  return {
    input: { ...input, alreadyOk: bits.ref, carried: undefined },
    inputTables: [bits],
    workflowId: nextWorkflowId(input, 'resume'),
    toRun: input.runCount - alreadyOk,
    alreadyOk,
    failedBefore: failed,
  };
}

/**
 * The plan that appends `extra` Monte Carlo runs; their draws equal those of a fresh sweep of
 * the larger size. Throws RequestError for another kind of sweep, or one with missing or
 * failed runs (resume it first).
 */
export async function planExtend(out: string | Store, extra: number, choice: EngineChoice, options: ResumeOptions = {}): Promise<ResumePlan> {
  if (!Number.isInteger(extra) || extra < 1) {
    throw new RequestError('n', `${extra} is not a positive integer; give how many runs to add`);
  }
  checkRunCount('n', extra);
  const store = await openOut(out);
  const input = await readRequest(store, choice);
  const outDir = store.url;
  input.context.postprocess = postprocessFromUser(input, outDir, options);
  input.context.cache = options.cache;
  if (input.runSet.kind === 'latinHypercube') {
    throw new RequestError(
      'runSet',
      'a Latin hypercube cannot be extended: its strata depend on n, so a larger design is a different design; start a new lhs sweep with the larger n',
    );
  }
  if (input.runSet.kind !== 'monteCarlo') {
    throw new RequestError('runSet', `only Monte Carlo sweeps can be extended (this one is ${input.runSet.kind}); start a new sweep`);
  }
  const { ok, failed } = await okBitset(input, input.runCount, await runsOf(store));
  const missing = input.runCount - ok.count();
  if (missing > 0) {
    throw new RequestError(
      'out',
      `${missing} of the ${input.runCount} earlier runs are missing or failed (${failed} failed); run \`gsweep resume ${outDir}\` first so the extension starts from a complete sweep`,
    );
  }
  checkRunCount('n', input.runCount + extra);
  const runSet = { ...input.runSet, n: input.runSet.n + extra };
  const runCount = runSetSize(runSet);
  const grown = new RunBitset(runCount);
  for (let id = 0; id < input.runCount; id++) grown.set(id);
  const bits = encodeBitsTable(ALREADY_OK_TABLE, runCount, grown.bytes);
  return {
    input: { ...input, runSet, runCount, alreadyOk: bits.ref, carried: undefined },
    inputTables: [bits],
    workflowId: nextWorkflowId(input, 'extend'),
    toRun: extra,
    alreadyOk: input.runCount,
    failedBefore: 0,
  };
}

/**
 * Starts a new sweep on an existing out (a directory, or `s3://bucket/prefix`) that runs only
 * what is missing (runs without an ok outcome.json); the out's request.json says what the sweep
 * was. Throws what planResume and startSweep throw.
 */
export async function resumeSweep(
  client: Client,
  out: string,
  options: Omit<StartOptions, 'cwd'> &
    ResumeOptions & {
      /** The engine to resume with (default real GMAT): taken from the caller, never from the directory. */
      engine?: EngineChoice;
    } = {},
): Promise<SweepHandle> {
  // The engine and a postprocess hook come from the caller again: never read back from `out`.
  const { postprocess, engine, ...start } = options;
  const plan = await planResume(out, engine ?? { engine: 'gmat' }, { postprocess });
  return startSweep(client, { input: plan.input, engine: plan.input.context.engine.kind, workflowId: plan.workflowId, inputTables: plan.inputTables }, start);
}
