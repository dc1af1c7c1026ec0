/**
 * The `writeAggregate` activity: every run's tables into one Parquet table per output and the
 * manifest (output/aggregate.ts), through the sweep's workspace: the runs are read through
 * the out's Store (a store's streamed through a bounded window in memory), the result is
 * written in place for a directory out, or in the scratch mirror and published to the store.
 */
import { activityInfo, heartbeat } from '@temporalio/activity';
import { aggregateRuns } from '../output/aggregate';
import { InputTableError, InputTables } from '../output/input-tables';
import type { Overrides } from '../sweep/overrides';
import { expandRun, inputTables } from '../sweep/runset';
import type { AggregateInput, AggregateSummary } from '../sweep/types';
import { NO_METRICS, type SweepMetrics } from './metrics';
import type { SweepFiles } from './sweep-files';
import { inputsChecked } from './support';

export async function writeAggregate(files: SweepFiles, input: AggregateInput, metrics: SweepMetrics = NO_METRICS): Promise<AggregateSummary> {
  const ws = files.workspaceOf(input.context);
  const io = await ws.aggregateIO();
  const tables = new InputTables(ws.store);
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
    version = files.installFor(input.context).version;
  } catch {
    // The aggregate does not need GMAT; the manifest then says "unknown".
  }
  const info = activityInfo();
  try {
    // The manifest header lists every value of the run set's tables.
    await tables.fetchAll(inputTables(input.runSet));
    await files.loadContext(input.context);
    const summary = await inputsChecked(() =>
      aggregateRuns(
        input,
        overridesOf,
        version,
        io,
        {
          progress: (runsDone) => heartbeat({ runsDone }),
          workflowId: info.workflowExecution?.workflowId,
          namespace: info.workflowNamespace,
          sharedContext: files.contextFileOf(input.context).shared,
        },
        tables.valueAt,
        (runId) => files.contextOf(input.context, runId),
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
    io.runs.close?.();
  }
}
