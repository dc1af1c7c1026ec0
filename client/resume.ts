/**
 * `gsweep resume` and `gsweep extend`: start a new workflow on an existing output
 * directory that runs only what is missing. What counts as done comes from the
 * `outcome.json` files, the durable per-run record, so it works after a cancel, a
 * termination, or a sweep whose server is long gone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { ALREADY_OK_TABLE, encodeBitsTable, type EncodedTable } from '../output/input-tables';
import { readCurrentOutcome } from '../output/outcome';
import { RunBitset } from '../sweep/bitset';
import { runSetSize } from '../sweep/runset';
import type { PostprocessSpec, SweepInput } from '../sweep/sweep';
import { checkRunCount } from '../request/limits';
import { checkOutWritable } from '../request/request';
import { RequestError } from '../request/request-error';
import { readSweepRequest, type EngineChoice } from './request-file';
import { isS3Url } from '../output/store';
import { outArgument } from './store-out';

export interface ResumePlan {
  input: SweepInput;
  /** The already-ok bitset, written to `<out>/inputs/` when the resumed sweep starts (10 M runs = 1.2 MiB: never in history). */
  inputTables: EncodedTable[];
  workflowId: string;
  toRun: number;
  alreadyOk: number;
  failedBefore: number;
}

/** Resolves `<out-dir or sweep-id>`: a directory is used as is; an id is looked up in the sweep's memo. */
export async function resolveOutDir(target: string, client?: Client): Promise<string> {
  if (isS3Url(target)) return outArgument(target);
  const asPath = path.resolve(target);
  if (fs.existsSync(asPath) && fs.statSync(asPath).isDirectory()) return asPath;
  if (!client) {
    throw new RequestError('target', `${JSON.stringify(target)} is not a directory; give an output directory, or a sweep id with --address`);
  }
  const description = await client.workflow.getHandle(target).describe();
  if (description.status.name === 'RUNNING') {
    throw new RequestError('target', `sweep ${target} is still running; wait for it (gsweep wait) or cancel it first`);
  }
  const memo = description.memo as { outDir?: string } | undefined;
  if (!memo?.outDir) throw new RequestError('target', `sweep ${target} has no outDir in its memo; give its output directory instead`);
  return memo.outDir;
}

function okBitset(input: SweepInput, runCount: number, tableCheck?: ResumeOptions['tableCheck']): { ok: RunBitset; failed: number } {
  const ok = new RunBitset(runCount);
  let failed = 0;
  for (let id = 0; id < Math.min(runCount, input.runCount); id++) {
    const outcome = readCurrentOutcome(input.context.outDir, id, tableCheck);
    if (outcome?.status === 'ok') ok.set(id);
    else if (outcome?.status === 'failed') failed++;
  }
  return { ok, failed };
}

export interface ResumeOptions {
  /** The postprocess command from the user's command line, or a function hook name from code. */
  postprocess?: string | { hook: string };
  /** The run cache (absolute directory) from the user's command line; never from the output directory. */
  cache?: string;
  /** A local view of an object-store out: what its listing says of each table file (the files stay in the store). */
  tableCheck?: (file: string) => string | null | undefined;
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

function nextWorkflowId(input: SweepInput, verb: string): string {
  return `${input.context.sweepId}-${verb}-${Date.now().toString(36)}`;
}

/** The engine comes from `choice` and the postprocess hook from `options`: both from the user, never from `out`. */
export function planResume(outDir: string, choice: EngineChoice, options: ResumeOptions = {}): ResumePlan {
  const input = readSweepRequest(outDir, choice);
  checkOutWritable(outDir);
  input.context.postprocess = postprocessFromUser(input, outDir, options);
  input.context.cache = options.cache;
  const { ok, failed } = okBitset(input, input.runCount, options.tableCheck);
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

/** Appends `extra` Monte Carlo runs; their draws equal those of a fresh sweep of the larger size. */
export function planExtend(outDir: string, extra: number, choice: EngineChoice, options: ResumeOptions = {}): ResumePlan {
  if (!Number.isInteger(extra) || extra < 1) {
    throw new RequestError('n', `${extra} is not a positive integer; give how many runs to add`);
  }
  checkRunCount('n', extra);
  const input = readSweepRequest(outDir, choice);
  checkOutWritable(outDir);
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
  const { ok, failed } = okBitset(input, input.runCount, options.tableCheck);
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
