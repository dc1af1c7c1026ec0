/**
 * activities/prepare-request.ts: what a worker does with a plain request (a sweep started by
 * workflow name): prepareRequest's validation with the workflow id as the sweep id, the lock
 * on `out` held by the workflow (not by the worker's process), the start files, and a retry
 * of the same activity after its worker was lost. No Temporal needed: the server's answers
 * are given as functions.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareRequestOnWorker, type PrepareRequestDeps } from '../../activities/prepare-request';
import { contextPath, inputsDir } from '../helpers/out-paths';
import { acquireOutLock, LOCK_NAME, type WorkflowState } from '../../request/out-lock';
import { readOutLock } from '../helpers/out-lock';
import { prepareRequest } from '../../request/request';
import { RequestError } from '../../request/request-error';
import { MISSIONS, tempDir } from '../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function work(): string {
  const d = fs.realpathSync(tempDir('gsweep-by-name-'));
  roots.push(d);
  return d;
}

const deps = (over: Partial<PrepareRequestDeps> = {}): PrepareRequestDeps => ({ searchAttributes: async () => false, namespace: 'default', ...over });
/** Samples rows go to out/inputs/ and a per-run context to out/context.json: both start files. */
const requestFor = (out: string) => ({
  script: LEO,
  out,
  engine: 'stand-in',
  samples: [{ 'Sat.SMA': 7000 }, { 'Sat.SMA': 7100 }],
  context: [{ case: 'a' }, { case: 'b' }],
});

async function refusal(work: Promise<unknown>): Promise<RequestError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RequestError);
  return err as RequestError;
}

describe('prepareRequestOnWorker', () => {
  it('prepares the request with the workflow id as the sweep id, writes the start files and leaves the lock to the workflow', async () => {
    const out = path.join(work(), 'o');
    const input = await prepareRequestOnWorker({ request: requestFor(out), workflowId: 'wf-a', runId: 'run-1' }, deps({ searchAttributes: async () => true }));
    expect(input.context.sweepId).toBe('wf-a');
    expect(input.context.outDir).toBe(out);
    expect(input.runCount).toBe(2);
    expect(input.searchAttributes).toBe(true);
    expect(fs.readdirSync(inputsDir(out)).length).toBeGreaterThan(0);
    expect(JSON.parse(fs.readFileSync(contextPath(out), 'utf8'))).toEqual({ runs: [{ case: 'a' }, { case: 'b' }] });
    expect(await readOutLock(out)).toMatchObject({ sweepId: 'wf-a', workflowId: 'wf-a', workflowRunId: 'run-1', pid: process.pid, embedded: false, namespace: 'default' });
  });

  it('a search-attribute check that fails means no upserts (the sweep runs without them)', async () => {
    const input = await prepareRequestOnWorker(
      { request: requestFor(path.join(work(), 'o')), workflowId: 'wf-b', runId: 'r' },
      deps({ searchAttributes: async () => Promise.reject(new Error('operator API refused')) }),
    );
    expect(input.searchAttributes).toBe(false);
  });

  it('refuses a bad request with prepareRequest’s own message, and leaves `out` as it was', async () => {
    const root = work();
    const out = path.join(root, 'o');
    const bad = { ...requestFor(out), samples: undefined, grid: { 'Bogus.SMA': [7000, 7100] } };
    const err = await refusal(prepareRequestOnWorker({ request: bad, workflowId: 'wf-c', runId: 'r' }, deps()));
    const expected = await refusal(prepareRequest({ ...bad, sweepId: 'wf-c' }));
    expect(err.message).toBe(expected.message);
    expect(err.message).toMatch(/^grid\.Bogus\.SMA: /);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('refuses a sweepId that differs from the workflow id, and a workflow id that cannot be a sweep id', async () => {
    const out = path.join(work(), 'o');
    const other = await refusal(prepareRequestOnWorker({ request: { ...requestFor(out), sweepId: 'other' }, workflowId: 'wf-d', runId: 'r' }, deps()));
    expect(other.message).toBe(
      'sweepId: "other" differs from the workflow id "wf-d"; a sweep started by workflow name is identified by its workflow id: leave sweepId out or give the same',
    );
    // The same id is accepted.
    await prepareRequestOnWorker({ request: { ...requestFor(out), sweepId: 'wf-d' }, workflowId: 'wf-d', runId: 'r' }, deps());
    const spaced = await refusal(prepareRequestOnWorker({ request: requestFor(path.join(work(), 'o')), workflowId: 'my sweep', runId: 'r' }, deps()));
    expect(spaced.message).toBe('workflow id: "my sweep": use letters, digits, ".", "_" and "-" (at most 200)');
  });

  it('is refused while another running sweep holds `out`, and takes it once that sweep has closed', async () => {
    const out = path.join(work(), 'o');
    await prepareRequestOnWorker({ request: requestFor(out), workflowId: 'wf-first', runId: 'run-1' }, deps());
    // The first sweep's files would make `out` non-empty; keep only its lock.
    for (const name of fs.readdirSync(out)) if (name !== LOCK_NAME) fs.rmSync(path.join(out, name), { recursive: true });
    let state: WorkflowState = 'running';
    const asked: string[] = [];
    const workflowState = async (id: string) => {
      asked.push(id);
      return state;
    };
    const held = await refusal(prepareRequestOnWorker({ request: requestFor(out), workflowId: 'wf-second', runId: 'run-2' }, deps({ workflowState })));
    expect(held.message).toContain(`out: ${out} is in use by sweep wf-first (workflow wf-first, started by workflow name, prepared by worker pid ${process.pid}`);
    expect(held.message).toContain('`gsweep wait wf-first`');
    expect(asked).toEqual(['wf-first']);
    // Its worker (this process) is alive, but the workflow is what holds the lock.
    state = 'closed';
    await prepareRequestOnWorker({ request: requestFor(out), workflowId: 'wf-second', runId: 'run-2' }, deps({ workflowState }));
    expect((await readOutLock(out))?.workflowId).toBe('wf-second');
  });

  it('a workflow-held lock the server does not know is refused with how to free it', async () => {
    const out = path.join(work(), 'o');
    await prepareRequestOnWorker({ request: requestFor(out), workflowId: 'wf-gone', runId: 'run-1' }, deps());
    await expect(acquireOutLock(out, { sweepId: 's', workflowId: 's', embedded: true }, async () => 'unknown')).rejects.toThrow(
      `; if it is no longer running, delete ${path.join(out, LOCK_NAME)}`,
    );
  });

  it('a retry of the same activity (its worker lost after writing) undoes what the earlier attempt wrote and prepares again', async () => {
    const out = path.join(work(), 'o');
    const task = { request: requestFor(out), workflowId: 'wf-e', runId: 'run-1' };
    const first = await prepareRequestOnWorker(task, deps());
    const second = await prepareRequestOnWorker(task, deps({ workflowState: async () => 'running' }));
    expect(second).toEqual(first);
    expect(await readOutLock(out)).toMatchObject({ workflowId: 'wf-e', workflowRunId: 'run-1' });
    // Another run of the same workflow id (a new sweep reusing the id) is not the same start.
    const err = await refusal(prepareRequestOnWorker({ ...task, runId: 'run-2' }, deps({ workflowState: async () => 'running' })));
    expect(err.message).toBe(`out: ${JSON.stringify(out)} is not empty; give a new directory (to finish an earlier sweep there, use \`gsweep resume ${out}\`)`);
    expect(fs.existsSync(contextPath(out))).toBe(true);
  });
});
