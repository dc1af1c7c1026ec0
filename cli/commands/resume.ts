/**
 * `gsweep resume`: re-runs the missing or failed runs of a sweep (api/resume.ts plans it) and
 * rewrites its aggregate; the sweep is named by its output directory, or by its id on a server.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { isS3Url } from '../../output/store';
import { checkCacheDir } from '../../request/request';
import { RequestError } from '../../request/request-error';
import { connectionSettings, type ConnectionSettings } from '../../temporal/connection';
import { planResume } from '../../api/resume';
import { connectClient } from '../connect';
import { launchSweep } from '../launch';
import { log } from '../log';
import { addRestartOptions, cacheOption, engineChoice, type SweepCliOptions } from '../options';
import { outArgument, withStore } from '../store-out';

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

/** The output directory of `target`, asking the server named by the flags when it is a sweep id. */
async function outDirOf(target: string, o: SweepCliOptions): Promise<string> {
  const settings = connectionSettings(o);
  if (!settings.address) return resolveOutDir(target);
  const { client, close } = await connectClient(settings as ConnectionSettings);
  try {
    return await resolveOutDir(target, client);
  } finally {
    await close();
  }
}

export function register(program: Command): void {
  addRestartOptions(
    program
      .command('resume')
      .description('re-run only the missing or failed runs of a finished, cancelled or terminated sweep, then rewrite its aggregate')
      .argument('<out-dir|sweep-id>'),
  ).action(async (target: string, o: SweepCliOptions) => {
    const outDir = await outDirOf(target, o);
    const plan = await withStore(outDir, (store) => planResume(store, engineChoice(o), { postprocess: o.postprocess, cache: checkCacheDir(cacheOption(o)) }), { fnChecksAccess: true });
    const out = plan.input.context.outDir;
    if (plan.toRun === 0) {
      log(`gsweep: all ${plan.input.runCount} runs of ${out} are ok; nothing to resume`);
      return;
    }
    log(`gsweep: resuming ${out}: ${plan.toRun} runs to run (${plan.alreadyOk} ok kept, ${plan.failedBefore} failed before)`);
    process.exitCode = await launchSweep({ input: plan.input, engine: plan.input.context.engine.kind, workflowId: plan.workflowId, inputTables: plan.inputTables }, { ...o, engine: plan.input.context.engine.kind });
  });
}
