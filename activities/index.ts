/**
 * The sweep's activities. `createActivities(config)` closes over the worker's own settings
 * (its GMAT install), as in Temporal's dependency-injection samples.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import type { Client, ConnectionLike } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { activityType, SWEEP_ACTIVITY_NAMES, type SweepActivityName } from '../sweep/activity-names';
import { lhsDesignSteps } from '../sweep/random';
import { expandRun, inputTables } from '../sweep/runset';
import {
  REQUEST_FAILURE_TYPE,
  RUN_FAILURE_TYPES,
  type ContextFile,
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
} from '../sweep/sweep';
import { aggregateRuns } from '../output/aggregate';
import { resolveInstall, type WorkerEngineConfig } from '../gmat/engine';
import { GmatNotFoundError, type GmatInstall } from '../gmat/install';
import type { EngineSlots } from '../gmat/slots';
import { NO_METRICS, type SweepMetrics } from './metrics';
import type { WarmPool } from '../gmat/warm';
import { InputTableError, InputTables, readOkPage, ValueTableReader, verifyInputTables } from '../output/input-tables';
import { contextPath, requestPath, runDir, runsDir, scriptCopyPath } from '../output/layout';
import {
  collectExtraTables,
  runPostprocessCommand,
  runPostprocessFunction,
  type PostprocessFunction,
  type PostprocessRun,
} from '../postprocess/hook';
import { writeJsonAtomic } from '../output/atomic';
import { runMission, type RunMissionOptions } from '../gmat/run-mission';
import { runBatch } from './batch';
import { classifyRunError } from './run-error';
import { canonicalScriptSha256 } from '../output/script-hash';
import type { Overrides } from '../sweep/overrides';
import { runCacheFor } from './run-cache';
import { checkOutTree } from '../output/safe-files';
import { workflowStateOf } from '../request/out-lock';
import { RequestError } from '../request/request-error';
import { prepareRequestOnWorker } from './prepare-request';

export type { SweepRequest } from '../request/request';
import { type RunPacker, Workspace } from '../output/workspace';
import { readOutcome } from '../output/outcome';
import { tableFileName } from '../output/layout';

const HEARTBEAT_INTERVAL_MS = 1000;

/** Runs a stepwise computation, yielding to the event loop between steps (heartbeats, cancellation). */
async function buildInSteps(steps: Generator<void, void>): Promise<void> {
  for (let r = steps.next(); !r.done; r = steps.next()) await new Promise<void>((resolve) => setImmediate(resolve));
}

function nonRetryable(type: string, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}

/**
 * Heartbeats from the main thread while GMAT runs in its child process. The first one goes
 * out after an interval, not at once: a run shorter than that needs none (its completion
 * tells the server it is alive), which saves the server one RPC and one write per run.
 */
function startHeartbeats(): () => void {
  const timer = setInterval(() => heartbeat(), HEARTBEAT_INTERVAL_MS);
  return () => clearInterval(timer);
}

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

/** The worker's Temporal client, passed to activities (absent in a bare test environment). */
function workerClient(): Client | undefined {
  try {
    return Context.current().client;
  } catch {
    return undefined;
  }
}


export function createActivities(config: WorkerEngineConfig = {}, resources: ActivityResources = {}) {
  const metrics = resources.metrics ?? NO_METRICS;
  const scripts = new Map<string, string>();
  const installs = new Map<string, GmatInstall>();
  const workspaces = new Map<string, Workspace>();

  /** This process's view of the sweep's out: the directory itself, or a scratch mirror of a store. */
  const workspaceOf = (context: SweepContext): Workspace => {
    let ws = workspaces.get(context.outDir);
    if (!ws) {
      ws = Workspace.open(context.outDir, resources.scratch);
      workspaces.set(context.outDir, ws);
    }
    return ws;
  };

  /** The archived script, and context.json when the sweep has one, in the workspace. */
  const fetchSweepFiles = async (context: SweepContext): Promise<Workspace> => {
    const ws = workspaceOf(context);
    if (ws.remote) {
      const scriptKey = `script/${context.scriptName}`;
      if (!(await ws.fetch(scriptKey))) {
        throw nonRetryable(RUN_FAILURE_TYPES.badInput, `${ws.store.url}/${scriptKey} is missing; the sweep's script was removed from the out after it started (start the sweep again)`);
      }
      if (context.hasContext && !(await ws.fetch('context.json'))) {
        throw nonRetryable(RUN_FAILURE_TYPES.badInput, `${ws.store.url}/context.json is missing; the sweep's per-run context was removed after it started`);
      }
    }
    return ws;
  };

  const scriptText = (context: SweepContext): string => {
    const file = scriptCopyPath(workspaceOf(context).local, context.scriptName);
    let text = scripts.get(file);
    if (text === undefined) {
      text = fs.readFileSync(file, 'utf8');
      scripts.set(file, text);
    }
    return text;
  };

  const installFor = (context: SweepContext): GmatInstall => {
    const key = JSON.stringify(context.engine);
    let install = installs.get(key);
    if (!install) {
      try {
        install = resolveInstall(context.engine, config);
      } catch (err) {
        if (err instanceof GmatNotFoundError) throw nonRetryable(RUN_FAILURE_TYPES.notFound, err.message);
        throw err;
      }
      installs.set(key, install);
    }
    return install;
  };

  const contexts = new Map<string, ContextFile>();
  const contextFileOf = (context: SweepContext): ContextFile => {
    if (!context.hasContext) return {};
    const file = contextPath(workspaceOf(context).local);
    let data = contexts.get(file);
    if (!data) {
      data = JSON.parse(fs.readFileSync(file, 'utf8')) as ContextFile;
      contexts.set(file, data);
    }
    return data;
  };
  const contextOf = (context: SweepContext, runId: number): Record<string, unknown> => {
    const data = contextFileOf(context);
    return data.runs?.[runId] ?? data.shared ?? {};
  };

  const postprocessFor = (context: SweepContext, runId: number, signal: AbortSignal): RunMissionOptions['postprocess'] => {
    const spec = context.postprocess;
    if (!spec) return undefined;
    const thenCollect = (hook: (run: PostprocessRun) => Promise<void>) => async (run: PostprocessRun) => {
      await hook(run);
      return collectExtraTables(run.extraDir);
    };
    if ('command' in spec) return thenCollect((run) => runPostprocessCommand(spec.command, run, context.runTimeoutMs, signal));
    const fn = resources.postprocessHooks?.[spec.hook];
    if (!fn) {
      const known = Object.keys(resources.postprocessHooks ?? {});
      throw nonRetryable(
        RUN_FAILURE_TYPES.badInput,
        `run ${runId}: this worker has no postprocess function "${spec.hook}" (registered: ${known.join(', ') || 'none'}); ` +
          'register it on every GMAT worker: new GsweepPlugin({ postprocess: { name: fn } }) (or createWorker/createSweepWorker options)',
        { runId },
      );
    }
    return thenCollect((run) => runPostprocessFunction(spec.hook, fn, run, signal));
  };


  /** A missing or changed input table is final: retrying cannot bring the original back. */
  const inputsChecked = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InputTableError) throw nonRetryable(RUN_FAILURE_TYPES.badInput, err.message);
      throw err;
    }
  };

  /**
   * One run of a sweep, start to finish (gmat/run-mission.ts), with this worker's resources.
   * With an object-store out it runs in the scratch mirror and is uploaded (or handed to a
   * batch's packer), whatever its result.
   */
  const runOneIn = async (context: SweepContext, runId: number, overrides: Overrides, signal: AbortSignal, attempt: number, slots?: Pick<EngineSlots, 'acquire'>, packer?: RunPacker) => {
    const ws = await fetchSweepFiles(context);
    if (!ws.remote) return runMissionIn(ws, context, runId, overrides, signal, attempt, slots);
    const keep = () => (packer ? packer.add(runId) : ws.uploadRun(runId, { keepLogs: context.keepLogs }));
    let result: Awaited<ReturnType<typeof runMission>>;
    try {
      result = await runMissionIn(ws, context, runId, overrides, signal, attempt, slots);
    } catch (err) {
      // A failed run keeps its outcome.json too; an upload that fails is infrastructure and
      // replaces the run's error, so the run is retried rather than lost.
      await keep();
      throw err;
    }
    await keep();
    return result;
  };

  const runMissionIn = (ws: Workspace, context: SweepContext, runId: number, overrides: Overrides, signal: AbortSignal, attempt: number, slots?: Pick<EngineSlots, 'acquire'>) =>
    runMission({
      scriptText: scriptText(context),
      overrides,
      runId,
      runDirectory: runDir(ws.local, runId),
      install: installFor(context),
      timeoutMs: context.runTimeoutMs,
      signal,
      attempt,
      context: contextOf(context, runId),
      postprocess: postprocessFor(context, runId, signal),
      sweepId: context.sweepId,
      warm: context.engine.mode === 'warm' && resources.warmPool ? { pool: resources.warmPool, scriptKey: context.scriptSha256 } : undefined,
      slots,
      cache: runCacheFor(context, resources.cache, resources.postprocessHooks),
    });

  /** One run of a sweep with the operators' counts: the one place every run ends, per-run activity or batch. */
  const runOne = async (context: SweepContext, runId: number, overrides: Overrides, signal: AbortSignal, attempt: number, slots?: Pick<EngineSlots, 'acquire'>, packer?: RunPacker) => {
    try {
      const result = await runOneIn(context, runId, overrides, signal, attempt, slots, packer);
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

  /** Input tables of the run set, local (fetched once per process from a store). */
  const inputsOf = async (context: SweepContext): Promise<Workspace> => {
    const ws = workspaceOf(context);
    await ws.fetchInputs();
    return ws;
  };

  return {
    /**
     * A sweep started by workflow name with a plain request: validates it on this worker,
     * takes the lock on `out`, writes the start files and returns the prepared input
     * (activities/prepare-request.ts). A bad request is final, with prepareRequest's message.
     */
    async prepareRequest(task: PrepareRequestTask): Promise<SweepInput> {
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
    },

    /** Creates `out`, archives the exact script the runs will use, and checks it is the one the client hashed. */
    async prepareSweep({ input }: { input: SweepInput }): Promise<void> {
      const { context, runSet } = input;
      const ws = workspaceOf(context);
      if (ws.remote) return prepareRemote(ws, input);
      checkOutTree(context.outDir);
      fs.mkdirSync(runsDir(context.outDir), { recursive: true });
      const archived = scriptCopyPath(context.outDir, context.scriptName);
      const source = fs.existsSync(archived) ? archived : context.scriptPath;
      const text = fs.readFileSync(source, 'utf8');
      const sha = canonicalScriptSha256(text);
      if (sha !== context.scriptSha256) {
        throw nonRetryable(
          RUN_FAILURE_TYPES.badInput,
          `${source} changed since the sweep was started (SHA-256 ${sha}, expected ${context.scriptSha256}); start a new sweep`,
        );
      }
      if (source !== archived) {
        fs.mkdirSync(path.dirname(archived), { recursive: true });
        fs.copyFileSync(source, archived);
      }
      inputsChecked(() => verifyInputTables(context.outDir, [...inputTables(runSet), ...(input.alreadyOk ? [input.alreadyOk] : [])]));
      // The request that produced this directory: `gsweep resume` and `extend` start from it.
      // Without the install root: resume takes the engine from its own command line, never from here.
      const { gmatRoot: _pinned, ...engine } = context.engine;
      // Nor the run cache: resume and extend take it from their own command line too.
      writeJsonAtomic(requestPath(context.outDir), { ...input, context: { ...context, engine, cache: undefined }, carried: undefined, alreadyOk: undefined });
    },

    /** Values `offset ..` of an input table (long grid axis, sample rows): one page, far below payload limits. */
    async loadInputPage({ context, ref, offset }: InputPageRequest): Promise<unknown[]> {
      const ws = await inputsOf(context);
      return inputsChecked(() => {
        const reader = new ValueTableReader(ws.local, ref);
        try {
          return reader.page(offset);
        } finally {
          reader.close();
        }
      });
    },

    /** 65 536 bits of a resume's already-ok bitset from `offset` on. */
    async loadOkPage({ context, ref, offset }: InputPageRequest): Promise<OkPage> {
      const ws = await inputsOf(context);
      return inputsChecked(() => ({ offset, bits: readOkPage(ws.local, ref, offset) }));
    },

    /** Failed runs that could not record their own outcome, appended to `<out>/failures.jsonl`. */
    async recordFailures({ context, failures }: { context: SweepContext; failures: FailureRecord[] }): Promise<void> {
      await workspaceOf(context).recordFailures(failures);
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
      const ws = await inputsOf(task.context);
      const tables = new InputTables(ws.local);
      const lhs = task.runSet.kind === 'latinHypercube' ? task.runSet : undefined;
      // On an object store a batch's runs go up together, a pack every few seconds.
      const packer = ws.remote ? ws.packer({ keepLogs: task.context.keepLogs }) : undefined;
      try {
        return await runBatch(task, {
          run: async (runId, signal, slots, attempt) =>
            runOne(task.context, runId, expandRun(task.runSet, runId, tables.valueAt), signal, attempt, slots, packer),
          pending: packer,
          outDir: ws.local,
          recordFailures: (records) => ws.recordFailures(records),
          slots: resources.engineSlots,
          prepare: lhs ? () => buildInSteps(lhsDesignSteps(lhs.perturb, lhs.n, lhs.seed)) : undefined,
        });
      } finally {
        tables.close();
      }
    },

    async writeAggregate(input: AggregateInput): Promise<AggregateSummary> {
      const ws = await inputsOf(input.context);
      if (ws.remote) {
        if (input.context.hasContext) await ws.fetch('context.json');
        await ws.prepareAggregate();
      }
      const tables = new InputTables(ws.local);
      const overridesOf = (runId: number): Overrides => {
        try {
          return expandRun(input.runSet, runId, tables.valueAt);
        } catch (err) {
          // A damaged input table costs the manifest the overrides of runs without an
          // outcome.json (each ok run keeps its own), not the aggregate.
          if (err instanceof InputTableError) return {};
          throw err;
        }
      };
      let version: string | null = null;
      try {
        version = installFor(input.context).version;
      } catch {
        // The aggregate does not need GMAT; the manifest then says "unknown".
      }
      const info = activityInfo();
      try {
        const summary = await inputsChecked(() =>
          aggregateRuns(
            input,
            overridesOf,
            version,
            {
              progress: (runsDone) => heartbeat({ runsDone }),
              workflowId: info.workflowExecution?.workflowId,
              namespace: info.workflowNamespace,
              sharedContext: contextFileOf(input.context).shared,
              ...(ws.remote
                ? {
                    tableCheck: ws.tableCheck,
                    prepareRun: (runId: number) => ws.prepareRun(runId, input.runCount, (id) => tableNamesOf(ws.local, id)),
                    doneRun: (runId: number) => ws.doneRun(runId),
                    displayPath: (file: string) => ws.display(file),
                  }
                : {}),
            },
            tables.valueAt,
            (runId) => contextOf(input.context, runId),
            ws.local,
          ),
        );
        const published = await ws.publishAggregate(summary);
        metrics.outputWrite(true, 'aggregate');
        return published;
      } catch (err) {
        metrics.outputWrite(false, 'aggregate');
        throw err;
      } finally {
        tables.close();
      }
    },
  };
}

/** The per-run table files a run's outcome.json (already in the mirror) names. */
function tableNamesOf(local: string, runId: number): string[] {
  try {
    const outcome = readOutcome(local, runId);
    return outcome?.status === 'ok' ? Object.keys(outcome.tables).map(tableFileName) : [];
  } catch {
    return [];
  }
}

/**
 * prepareSweep for an object-store out: the client uploaded the script copy and the input
 * tables; check both against the hashes the sweep carries and record request.json.
 */
async function prepareRemote(ws: Workspace, input: SweepInput): Promise<void> {
  const { context, runSet } = input;
  const scriptKey = `script/${context.scriptName}`;
  if (!(await ws.store.exists(scriptKey))) {
    // A client that could not upload it (an older one): the script path as the worker sees it.
    await ws.store.put(scriptKey, fs.readFileSync(context.scriptPath));
  }
  await ws.fetch(scriptKey, { again: true });
  const text = fs.readFileSync(ws.pathOf(scriptKey), 'utf8');
  const sha = canonicalScriptSha256(text);
  if (sha !== context.scriptSha256) {
    throw nonRetryable(
      RUN_FAILURE_TYPES.badInput,
      `${ws.store.url}/${scriptKey} changed since the sweep was started (SHA-256 ${sha}, expected ${context.scriptSha256}); start a new sweep`,
    );
  }
  await ws.fetchInputs();
  try {
    verifyInputTables(ws.local, [...inputTables(runSet), ...(input.alreadyOk ? [input.alreadyOk] : [])]);
  } catch (err) {
    if (err instanceof InputTableError) throw nonRetryable(RUN_FAILURE_TYPES.badInput, err.message);
    throw err;
  }
  const { gmatRoot: _pinned, ...engine } = context.engine;
  await ws.store.put('request.json', `${JSON.stringify({ ...input, context: { ...context, engine, cache: undefined }, carried: undefined, alreadyOk: undefined }, null, 2)}\n`);
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
