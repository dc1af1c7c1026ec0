/**
 * Listing sweeps (`listSweeps`, and `gsweep list`): running and recent sweeps on the connected namespace, from
 * Temporal's visibility API. Script and run count come from the Gsweep* search attributes
 * the workflow sets (or its memo on namespaces without them); progress of a running sweep
 * from its progress query (exact, live), of a closed one from GsweepDone/GsweepFailed or,
 * for a completed sweep, its result. Executions that continued as new are folded into the
 * latest one.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { sweepProgress } from './handle';
import { SWEEP_DONE, SWEEP_FAILED, SWEEP_RUN_COUNT, SWEEP_SCRIPT } from '../sweep/search-attributes';
import type { SweepProgress, SweepSummary } from '../sweep/types';

/** One sweep of a listing: what it runs, how far it got, and where the figures come from. */
export interface SweepListing {
  sweepId: string;
  status: string;
  script: string | null;
  runCount: number | null;
  done: number | null;
  failed: number | null;
  /** done / runCount, 0..1, when both are known. */
  progress: number | null;
  /** Where the progress figures come from. */
  progressFrom: 'query' | 'search-attributes' | 'result' | 'none';
  startTime: string;
  closeTime: string | null;
  outDir: string | null;
}

/** Which sweeps `listSweeps` returns. */
export interface ListOptions {
  /** Most recent sweeps to show (running ones first), default 20. */
  limit?: number;
  runningOnly?: boolean;
}

/** The visibility query: gsweep's workflow type, latest execution of each continue-as-new chain. */
export function listQuery(runningOnly: boolean): string {
  return `WorkflowType = 'sweepWorkflow' AND ExecutionStatus ${runningOnly ? "= 'Running'" : "!= 'ContinuedAsNew'"}`;
}

function first<T>(values: unknown): T | null {
  return Array.isArray(values) && values.length > 0 ? (values[0] as T) : null;
}

async function describeOne(client: Client, info: WorkflowExecutionInfo): Promise<SweepListing> {
  const sa = info.searchAttributes ?? {};
  const memo = (info.memo ?? {}) as { script?: string; runCount?: number; outDir?: string };
  const listing: SweepListing = {
    sweepId: info.workflowId,
    status: info.status.name.toLowerCase(),
    script: first<string>(sa[SWEEP_SCRIPT.name]) ?? memo.script ?? null,
    runCount: first<number>(sa[SWEEP_RUN_COUNT.name]) ?? memo.runCount ?? null,
    done: first<number>(sa[SWEEP_DONE.name]),
    failed: first<number>(sa[SWEEP_FAILED.name]),
    progress: null,
    progressFrom: 'none',
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime ? info.closeTime.toISOString() : null,
    outDir: memo.outDir ?? null,
  };
  if (listing.done !== null) listing.progressFrom = 'search-attributes';
  const handle = client.workflow.getHandle(info.workflowId, info.runId);
  try {
    if (info.status.name === 'RUNNING') {
      const p: SweepProgress = await sweepProgress(handle);
      Object.assign(listing, { runCount: p.total, done: p.ok + p.failed, failed: p.failed, progressFrom: 'query' });
    } else if (info.status.name === 'COMPLETED' && listing.done === null) {
      const s = (await handle.result()) as SweepSummary;
      Object.assign(listing, { runCount: s.total, done: s.ok + s.failed, failed: s.failed, progressFrom: 'result' });
    }
  } catch {
    // A sweep whose workers are all gone cannot answer queries: the search attributes stand.
  }
  if (listing.done !== null && listing.runCount) listing.progress = listing.done / listing.runCount;
  return listing;
}

/**
 * Running and recent sweeps on the client's namespace, running ones first, each with its
 * live progress when its workers answer. Throws when the visibility API refuses the query.
 */
export async function listSweeps(client: Client, options: ListOptions = {}): Promise<SweepListing[]> {
  const limit = options.limit ?? 20;
  const infos: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query: listQuery(!!options.runningOnly), pageSize: Math.min(limit, 1000) })) {
    infos.push(info);
    if (infos.length >= limit) break;
  }
  // Running first, then most recently started.
  infos.sort((a, b) => Number(b.status.name === 'RUNNING') - Number(a.status.name === 'RUNNING') || b.startTime.getTime() - a.startTime.getTime());
  return Promise.all(infos.map((info) => describeOne(client, info)));
}
