/** `gsweep set`: changes a running sweep (how many batches it keeps in flight) through a workflow update. */
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import type { ConnectionFlags, ConnectionSettings } from '../../temporal/connection';
import { MAX_IN_FLIGHT_LIMIT } from '../../sweep/limits';
import { setMaxInFlight, sweepHandle, type SweepHandle } from '../../api/handle';
import { connectClient, connectionFor } from '../connect';
import { CliError, EXIT_BAD_INPUT, EXIT_RUNS_FAILED } from '../errors';
import { log } from '../log';
import { addConnectionOptions, maxInFlightArg } from '../options';

const SET_TIMEOUT_S = 30;

function withTimeout<T>(work: Promise<T>, seconds: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError(message, EXIT_RUNS_FAILED)), seconds * 1000);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** An update needs the sweep running and a worker to run its handler: say so instead of blocking. */
async function requireRunningWithWorker(client: Client, handle: SweepHandle, settings: ConnectionSettings): Promise<void> {
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') {
    throw new CliError(`sweep ${handle.workflowId} is ${description.status.name.toLowerCase()}, not running; there is nothing to change`, EXIT_BAD_INPUT);
  }
  const queue = await client.workflowService.describeTaskQueue({
    namespace: settings.namespace,
    taskQueue: { name: description.taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  if ((queue.pollers ?? []).length === 0) {
    throw new CliError(
      `no worker polls task queue ${description.taskQueue} on ${settings.address}, so ${handle.workflowId} cannot take the change now; start one (gsweep-worker --address ${settings.address} --task-queue ${description.taskQueue}) and retry`,
      EXIT_RUNS_FAILED,
    );
  }
}

export function register(program: Command): void {
  addConnectionOptions(program.command('set').description('change a running sweep: how many batches (so GMAT runs at once) it keeps in flight').argument('<sweep-id>'))
    .requiredOption('--max-in-flight <n>', `batches of runs at once, so GMAT runs at once (1-${MAX_IN_FLIGHT_LIMIT})`, maxInFlightArg)
    .action(async (sweepId: string, o: ConnectionFlags & { maxInFlight: number }) => {
      const settings = connectionFor(o, 'set');
      const { client, close } = await connectClient(settings);
      try {
        const handle = sweepHandle(client, sweepId);
        await requireRunningWithWorker(client, handle, settings);
        const value = await withTimeout(
          setMaxInFlight(handle, o.maxInFlight),
          SET_TIMEOUT_S,
          `no worker answered within ${SET_TIMEOUT_S} s, so ${sweepId} was not changed; is a gsweep worker polling task queue ${settings.taskQueue} on ${settings.address}?`,
        );
        log(`gsweep: ${sweepId} now keeps up to ${value} runs in flight`);
      } finally {
        await close();
      }
    });
}
