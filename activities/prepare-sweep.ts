/**
 * The `prepareSweep` activity: makes `out` ready for runs, archives the exact script the runs
 * will use (checking it is the one the client hashed), checks the input tables against the
 * hashes the run set carries, and records request.json. The same steps for a directory and
 * an object store: each goes through the out's Store.
 */
import * as fs from 'node:fs';
import { InputTableError, verifyInputTables } from '../output/input-tables';
import { REQUEST_NAME, scriptKey } from '../output/layout';
import { canonicalScriptSha256 } from '../output/script-hash';
import { isS3Url } from '../output/store';
import type { Workspace } from '../output/workspace';
import { inputTables } from '../sweep/runset';
import { RUN_FAILURE_TYPES, type SweepInput } from '../sweep/types';
import { nonRetryable } from './support';

export async function prepareSweep(ws: Workspace, input: SweepInput): Promise<void> {
  const { context, runSet } = input;
  await ws.store.prepare?.();
  const key = scriptKey(context.scriptName);
  const archived = await ws.store.get(key);
  // Not archived yet (a start by workflow name, an older client): the script path as this worker sees it.
  const source = archived ? `${ws.store.url}/${key}` : context.scriptPath;
  // A resumed sweep's script was read from the store by its client: gone since, there is no other copy.
  if (!archived && isS3Url(context.scriptPath)) {
    throw nonRetryable(RUN_FAILURE_TYPES.badInput, `the archived script ${context.scriptPath} is missing; resume needs the exact script the sweep ran, so start a new sweep`);
  }
  const bytes = archived ?? fs.readFileSync(context.scriptPath);
  const sha = canonicalScriptSha256(bytes.toString('utf8'));
  if (sha !== context.scriptSha256) {
    throw nonRetryable(
      RUN_FAILURE_TYPES.badInput,
      `${source} changed since the sweep was started (SHA-256 ${sha}, expected ${context.scriptSha256}); start a new sweep`,
    );
  }
  if (!archived) await ws.store.put(key, bytes);
  try {
    await verifyInputTables(ws.store, [...inputTables(runSet), ...(input.alreadyOk ? [input.alreadyOk] : [])]);
  } catch (err) {
    if (err instanceof InputTableError) throw nonRetryable(RUN_FAILURE_TYPES.badInput, err.message);
    throw err;
  }
  // The request that produced this out: `gsweep resume` and `extend` start from it. Without
  // the install root or the run cache: those come from resume's own command line, never from here.
  const { gmatRoot: _pinned, ...engine } = context.engine;
  const request = { ...input, context: { ...context, engine, cache: undefined }, carried: undefined, alreadyOk: undefined };
  await ws.store.put(REQUEST_NAME, `${JSON.stringify(request, null, 2)}\n`);
}
