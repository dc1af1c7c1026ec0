/**
 * The sweep's activities. `createActivities(config)` closes over the worker's own settings
 * (its GMAT install), as in Temporal's dependency-injection samples. Each activity is a few
 * lines here; what they share is in sweep-files.ts (per-sweep state) and support.ts, and the
 * longer ones have their own modules (prepare-sweep.ts, write-aggregate.ts, batch.ts,
 * prepare-request.ts).
 */
import { activityInfo, Context } from '@temporalio/activity';
import type { ConnectionLike } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { activityType, SWEEP_ACTIVITY_NAMES, type SweepActivityName } from '../sweep/activity-names';
import { lhsDesignSteps } from '../sweep/random';
import {
  REQUEST_FAILURE_TYPE,
  RUN_FAILURE_TYPES,
  type PrepareRequestTask,
  type AggregateInput,
  type AggregateSummary,
  type BatchReport,
  type BatchTask,
  type FailureRecord,
  type InputPageRequest,
  type OkPage,
  type RunReport,
  type RunTask,
  type SweepContext,
  type SweepInput,
} from '../sweep/types';
import type { WorkerEngineConfig } from '../gmat/engine';
import type { EngineSlots } from '../gmat/slots';
import { NO_METRICS, type SweepMetrics } from './metrics';
import type { WarmPool } from '../gmat/warm';
import { InputTables, readOkPage, ValueTableReader } from '../output/input-tables';
import {
  collectExtraTables,
  runPostprocessCommand,
  runPostprocessFunction,
  type PostprocessFunction,
  type PostprocessRun,
} from '../postprocess/hook';
import { runMission, type RunMissionOptions } from '../gmat/run-mission';
import { runBatch } from './batch';
import { classifyRunError } from './run-error';
import type { Overrides } from '../sweep/overrides';
import { runCacheFor } from './run-cache';
import { workflowStateOf } from '../request/out-lock';
import { RequestError } from '../request/request-error';
import { prepareRequestOnWorker } from './prepare-request';
import type { RunPacker } from '../output/workspace';
import { prepareSweep } from './prepare-sweep';
import { SweepFiles } from './sweep-files';
import { buildInSteps, inputsChecked, nonRetryable, startHeartbeats, workerClient } from './support';
import { writeAggregate } from './write-aggregate';

export type { SweepRequest } from '../request/request';

export interface ActivityResources {
  /** Long-lived consoles for sweeps in `warm` mode; the worker closes it on shutdown. */
  warmPool?: WarmPool;
  /** Postprocess functions from code, by the name a request's `postprocess: { hook }` gives. */
  postprocessHooks?: Record<string, PostprocessFunction>;
  /** GMAT processes at once on this worker; runs wait for a slot only while GMAT runs. */
  engineSlots?: EngineSlots;
  /** Run cache directory for sweeps that name none (GsweepPlugin({ cache })). */
  cache?: string;
  /** Operator metrics (workers/metrics.ts); none recorded when absent. */
  metrics?: SweepMetrics;
  /**
   * Whether a namespace has gsweep's search attributes registered, asked through the worker's
   * connection (GsweepPlugin sets it); a sweep started by workflow name upserts them only then.
   * Absent: never.
   */
  searchAttributesKnown?: (connection: ConnectionLike, namespace: string) => Promise<boolean>;
  /**
   * Where runs of a sweep whose out is an object store execute before their results are
   * uploaded (default: gsweep-scratch under the OS temp directory). A directory out is
   * written in place.
   */
  scratch?: string;
}

type Slots = Pick<EngineSlots, 'acquire'>;

/** The hook a sweep's `postprocess` names, followed by collecting the tables it left. */
function postprocessFor(context: SweepContext, runId: number, signal: AbortSignal, hooks: ActivityResources['postprocessHooks']): RunMissionOptions['postprocess'] {
  const spec = context.postprocess;
  if (!spec) return undefined;
  const thenCollect = (hook: (run: PostprocessRun) => Promise<void>) => async (run: PostprocessRun) => {
    await hook(run);
    return collectExtraTables(run.extraDir);
  };
  if ('command' in spec) return thenCollect((run) => runPostprocessCommand(spec.command, run, context.runTimeoutMs, signal));
  const fn = hooks?.[spec.hook];
  if (!fn) {
    const known = Object.keys(hooks ?? {});
    throw nonRetryable(
      RUN_FAILURE_TYPES.badInput,
      `run ${runId}: this worker has no postprocess function "${spec.hook}" (registered: ${known.join(', ') || 'none'}); ` +
        'register it on every GMAT worker: new GsweepPlugin({ postprocess: { name: fn } }) (or createWorker/createSweepWorker options)',
      { runId },
    );
  }
  return thenCollect((run) => runPostprocessFunction(spec.hook, fn, run, signal));
}

/**
 * One run of a sweep, start to finish (gmat/run-mission.ts), in the run directory the
 * workspace hands out: the out's own, or the scratch mirror's for an object store, whose
 * results are then uploaded (or handed to a batch's packer) whatever the run's result.
 */
async function runInWorkspace(files: SweepFiles, resources: ActivityResources, context: SweepContext, runId: number, overrides: Overrides, signal: AbortSignal, attempt: number, slots?: Slots, packer?: RunPacker) {
  const ws = files.workspaceOf(context);
  const keep = () => (packer ? packer.add(runId) : ws.uploadRun(runId, { keepLogs: context.keepLogs }));
  const scriptText = await files.scriptText(context);
  await files.loadContext(context);
  let result: Awaited<ReturnType<typeof runMission>>;
  try {
    result = await runMission({
      scriptText,
      overrides,
      runId,
      runDirectory: ws.runDirectory(runId),
      install: files.installFor(context),
      timeoutMs: context.runTimeoutMs,
      signal,
      attempt,
      context: files.contextOf(context, runId),
      postprocess: postprocessFor(context, runId, signal, resources.postprocessHooks),
      sweepId: context.sweepId,
      warm: context.engine.mode === 'warm' && resources.warmPool ? { pool: resources.warmPool, scriptKey: context.scriptSha256 } : undefined,
      slots,
      cache: runCacheFor(context, resources.cache, resources.postprocessHooks),
    });
  } catch (err) {
    // A failed run keeps its outcome.json too; an upload that fails is infrastructure and
    // replaces the run's error, so the run is retried rather than lost.
    await keep();
    throw err;
  }
  await keep();
  return result;
}

/** The prepareRequest activity: this worker's client and namespace answer what the request check asks of the server. */
async function prepareRequestActivity(task: PrepareRequestTask, resources: ActivityResources): Promise<SweepInput> {
  const stop = startHeartbeats();
  try {
    const client = workerClient();
    const namespace = activityInfo().workflowNamespace ?? 'default';
    return await prepareRequestOnWorker(task, {
      namespace,
      searchAttributes: async () => (client && resources.searchAttributesKnown ? resources.searchAttributesKnown(client.connection, namespace) : false),
      ...(client ? { workflowState: (id: string) => workflowStateOf(client, id) } : {}),
    });
  } catch (err) {
    if (err instanceof RequestError) throw nonRetryable(REQUEST_FAILURE_TYPE, err.message);
    throw err;
  } finally {
    stop();
  }
}

export function createActivities(config: WorkerEngineConfig = {}, resources: ActivityResources = {}) {
  const metrics = resources.metrics ?? NO_METRICS;
  const files = new SweepFiles(config, resources.scratch);

  /** One run of a sweep with the operators' counts: the one place every run ends, per-run activity or batch. */
  const runOne = async (context: SweepContext, runId: number, overrides: Overrides, signal: AbortSignal, attempt: number, slots?: Slots, packer?: RunPacker) => {
    try {
      const result = await runInWorkspace(files, resources, context, runId, overrides, signal, attempt, slots, packer);
      metrics.recordRunFinished(result.outcome.cached ? 'cached' : 'ok', result.outcome.cached ? undefined : result.outcome.duration_s);
      metrics.outputWrite(true, 'run');
      return result;
    } catch (err) {
      const verdict = classifyRunError(err, runId);
      if (verdict.kind === 'failed') metrics.recordRunFinished('failed');
      else if (verdict.kind === 'infrastructure') metrics.outputWrite(false, 'run');
      throw err;
    }
  };

  return {
    /**
     * A sweep started by workflow name with a plain request: validates it on this worker,
     * takes the lock on `out`, writes the start files and returns the prepared input
     * (activities/prepare-request.ts). A bad request is final, with prepareRequest's message.
     */
    async prepareRequest(task: PrepareRequestTask): Promise<SweepInput> {
      return prepareRequestActivity(task, resources);
    },

    /** Creates `out`, archives the exact script the runs will use, and checks it is the one the client hashed (prepare-sweep.ts). */
    async prepareSweep({ input }: { input: SweepInput }): Promise<void> {
      await prepareSweep(files.workspaceOf(input.context), input);
    },

    /** Values `offset ..` of an input table (long grid axis, sample rows): one page, far below payload limits. */
    async loadInputPage({ context, ref, offset }: InputPageRequest): Promise<unknown[]> {
      const ws = files.workspaceOf(context);
      return inputsChecked(() => new ValueTableReader(ws.store, ref).page(offset));
    },

    /** 65 536 bits of a resume's already-ok bitset from `offset` on. */
    async loadOkPage({ context, ref, offset }: InputPageRequest): Promise<OkPage> {
      const ws = files.workspaceOf(context);
      return inputsChecked(async () => ({ offset, bits: await readOkPage(ws.store, ref, offset) }));
    },

    /** Failed runs that could not record their own outcome, appended to `<out>/failures.jsonl`. */
    async recordFailures({ context, failures }: { context: SweepContext; failures: FailureRecord[] }): Promise<void> {
      await files.workspaceOf(context).recordFailures(failures);
    },

    /** One run per activity: what sweeps started before batches schedule. */
    async runGmat(task: RunTask): Promise<RunReport> {
      const { context, runId, overrides } = task;
      const stop = startHeartbeats();
      try {
        const signal = Context.current().cancellationSignal;
        const result = await runOne(context, runId, overrides, signal, activityInfo().attempt, resources.engineSlots);
        const rows = Object.values(result.tables).reduce((n, t) => n + t.rows, 0);
        return { runId, status: 'ok', rows };
      } catch (err) {
        const verdict = classifyRunError(err, runId);
        if (verdict.kind === 'cancelled') throw new CancelledFailure(verdict.message);
        if (verdict.kind === 'failed') throw nonRetryable(verdict.type, verdict.message, verdict.details);
        // Anything else (unwritable directory, full disk, lost NFS) is infrastructure:
        // Temporal retries it per the sweep's retry policy.
        throw err;
      } finally {
        stop();
      }
    },

    /** A range of runs, one after another (activities/batch.ts). */
    async runBatch(task: BatchTask): Promise<BatchReport> {
      const ws = files.workspaceOf(task.context);
      const tables = new InputTables(ws.store);
      const lhs = task.runSet.kind === 'latinHypercube' ? task.runSet : undefined;
      // On an object store a batch's runs go up together, a pack every few seconds.
      const packer = ws.remote ? ws.packer({ keepLogs: task.context.keepLogs }) : undefined;
      try {
        return await runBatch(task, {
          run: async (runId, signal, slots, attempt) =>
            runOne(task.context, runId, await tables.expand(task.runSet, runId), signal, attempt, slots, packer),
          pending: packer,
          store: ws.store,
          recordFailures: (records) => ws.recordFailures(records),
          slots: resources.engineSlots,
          prepare: lhs ? () => buildInSteps(lhsDesignSteps(lhs.perturb, lhs.n, lhs.seed)) : undefined,
        });
      } finally {
        tables.close();
      }
    },

    /** Every run's tables into one table per output, and the manifest (write-aggregate.ts). */
    async writeAggregate(input: AggregateInput): Promise<AggregateSummary> {
      return writeAggregate(files, input, metrics);
    },
  };
}

export type SweepActivities = ReturnType<typeof createActivities>;

/** The activities under the names a worker registers them by: `gsweep.runGmat`, ... */
export type RegisteredSweepActivities = Record<string, SweepActivities[SweepActivityName]>;

/**
 * `createActivities` keyed by their prefixed activity types, optionally only some of them
 * (a GMAT-only worker registers just `runGmat`).
 */
export function registeredActivities(
  activities: SweepActivities,
  names: readonly SweepActivityName[] = SWEEP_ACTIVITY_NAMES,
): RegisteredSweepActivities {
  return Object.fromEntries(names.map((name) => [activityType(name), activities[name]]));
}
