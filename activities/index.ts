/**
 * The sweep's activities. `createActivities(config)` closes over the worker's own settings
 * (its GMAT install), as in Temporal's dependency-injection samples.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Overrides } from '../sweep/overrides';
import { activityType, SWEEP_ACTIVITY_NAMES, type SweepActivityName } from '../sweep/activity-names';
import { expandRun } from '../sweep/runset';
import {
  RUN_FAILURE_TYPES,
  type AggregateInput,
  type AggregateSummary,
  type RunReport,
  type RunTask,
  type SweepContext,
  type SweepInput,
} from '../sweep/sweep';
import { aggregateRuns } from '../output/aggregate';
import { resolveInstall, type WorkerEngineConfig } from '../gmat/engine';
import { GmatRunError } from '../gmat/console';
import { GmatNotFoundError, type GmatInstall } from '../gmat/install';
import type { WarmPool } from '../gmat/warm';
import { ScriptError } from '../gmat/script';
import { requestPath, runDir, runsDir, samplesPath, scriptCopyPath } from '../output/layout';
import { readSamplesJson, sampleOverrides, type SamplesJson } from '../output/samples-json';
import { writeJsonAtomic } from '../output/atomic';
import { OutputParseError, runMission } from '../gmat/run-mission';
import { canonicalScriptSha256 } from '../output/script-hash';
import { OverrideError } from '../sweep/overrides';

const HEARTBEAT_INTERVAL_MS = 1000;

function nonRetryable(type: string, message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}

/** Heartbeats from the main thread while GMAT runs in its child process. */
function startHeartbeats(): () => void {
  heartbeat();
  const timer = setInterval(() => heartbeat(), HEARTBEAT_INTERVAL_MS);
  return () => clearInterval(timer);
}

export interface ActivityResources {
  /** Long-lived consoles for sweeps in `warm` mode; the worker closes it on shutdown. */
  warmPool?: WarmPool;
}

export function createActivities(config: WorkerEngineConfig = {}, resources: ActivityResources = {}) {
  const scripts = new Map<string, string>();
  const installs = new Map<string, GmatInstall>();

  const scriptText = (context: SweepContext): string => {
    const file = scriptCopyPath(context.outDir, context.scriptName);
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

  const readSamples = (context: SweepContext): SamplesJson => readSamplesJson(context.outDir);

  return {
    /** Creates `out`, archives the exact script the runs will use, and checks it is the one the client hashed. */
    async prepareSweep({ input }: { input: SweepInput }): Promise<void> {
      const { context, runSet } = input;
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
      if (runSet.kind === 'samples' && !fs.existsSync(samplesPath(context.outDir))) {
        throw nonRetryable(RUN_FAILURE_TYPES.badInput, `${samplesPath(context.outDir)} is missing; start the sweep again`);
      }
      // The request that produced this directory: `gsweep resume` and `extend` start from it.
      // Without the install root: resume takes the engine from its own command line, never from here.
      const { gmatRoot: _pinned, ...engine } = context.engine;
      writeJsonAtomic(requestPath(context.outDir), { ...input, context: { ...context, engine }, carried: undefined, alreadyOk: undefined });
    },

    async loadSamplesPage({ context, offset, count }: { context: SweepContext; offset: number; count: number }): Promise<Overrides[]> {
      const samples = readSamples(context);
      const end = Math.min(samples.rows.length, offset + count);
      const page: Overrides[] = [];
      for (let row = offset; row < end; row++) page.push(sampleOverrides(samples, row));
      return page;
    },

    async runGmat(task: RunTask): Promise<RunReport> {
      const { context, runId, overrides } = task;
      const stop = startHeartbeats();
      try {
        const result = await runMission({
          scriptText: scriptText(context),
          overrides,
          runId,
          runDirectory: runDir(context.outDir, runId),
          install: installFor(context),
          timeoutMs: context.runTimeoutMs,
          signal: Context.current().cancellationSignal,
          attempt: activityInfo().attempt,
          warm:
            context.engine.mode === 'warm' && resources.warmPool
              ? { pool: resources.warmPool, scriptKey: context.scriptSha256 }
              : undefined,
        });
        const rows = Object.values(result.tables).reduce((n, t) => n + t.rows, 0);
        return { runId, status: 'ok', rows };
      } catch (err) {
        if (err instanceof GmatRunError) {
          if (err.kind === 'cancelled') throw new CancelledFailure(`run ${runId} cancelled; GMAT process tree killed`);
          throw nonRetryable(RUN_FAILURE_TYPES.rejected, err.message, { runId, logPath: err.logPath, kind: err.kind });
        }
        if (err instanceof OutputParseError) throw nonRetryable(RUN_FAILURE_TYPES.unparseable, err.message, { runId });
        if (err instanceof ScriptError || err instanceof OverrideError) {
          throw nonRetryable(RUN_FAILURE_TYPES.badInput, `run ${runId}: ${err.message}`, { runId });
        }
        // Anything else (unwritable directory, full disk, lost NFS) is infrastructure:
        // Temporal retries it per the sweep's retry policy.
        throw err;
      } finally {
        stop();
      }
    },

    async writeAggregate(input: AggregateInput): Promise<AggregateSummary> {
      let samples: SamplesJson | undefined;
      const overridesOf = (runId: number): Overrides => {
        const expanded = expandRun(input.runSet, runId);
        if (expanded) return expanded;
        try {
          samples ??= readSamples(input.context);
          return sampleOverrides(samples, runId);
        } catch {
          return {}; // samples.json damaged: the run's manifest line has no overrides, the aggregate still completes
        }
      };
      let version: string | null = null;
      try {
        version = installFor(input.context).version;
      } catch {
        // The aggregate does not need GMAT; the manifest then says "unknown".
      }
      const info = activityInfo();
      return aggregateRuns(input, overridesOf, version, {
        progress: (runsDone) => heartbeat({ runsDone }),
        workflowId: info.workflowExecution?.workflowId,
        namespace: info.workflowNamespace,
      });
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
