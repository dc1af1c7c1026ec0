/**
 * Class 5 of docs/security.md: every failure a user can cause ends in one sentence and exit 2 (bad
 * input) or 1 (the sweep did not complete), never a stack trace. Inputs first (no Temporal),
 * then the commands that talk to a server (a real dev server), then a live sweep (embedded,
 * stand-in engine): a run failing for bad input at run time, and Ctrl-C.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { LOCK_NAME } from '../../../request/out-lock';
import { prepareRequest } from '../../../request/request';
import { encodeValueTable } from '../../../output/input-tables';
import { writeInputTable } from '../../helpers/input-tables';
import { formatLogEntry } from '../../../workers/log';
import { RUN_FAILED_LOG_MESSAGE } from '../../../sweep/activity-names';
import { ApplicationFailure } from '@temporalio/common';
import { GSWEEP_BIN, MISSIONS, runCli, spawnWorker, startLocalTemporal, tempDir, waitFor } from '../../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const ENV = { GMAT_ROOT: '' };
const STACK = /\n\s+at [^\n]+\(/;
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function work(): string {
  const d = fs.realpathSync(tempDir('gsweep-messages-'));
  roots.push(d);
  return d;
}
function expectOneSentence(r: { code: number | null; stderr: string }, code: number, message: string | RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  if (typeof message === 'string') expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(STACK);
}


/** `gsweep …` as a user's terminal runs it; `interrupt` is Ctrl-C once the sweep has started. */
function startSweepProcess(args: string[], extraEnv: Record<string, string>) {
  const child = spawn(process.execPath, [GSWEEP_BIN, ...args], { env: { ...process.env, ...ENV, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    async interrupt(): Promise<{ code: number | null; stderr: string }> {
      await waitFor(() => stderr.includes('started sweep'), 'the sweep to start', 90_000);
      child.kill('SIGINT');
      const code = await exited;
      return { code, stderr };
    },
    kill: () => child.kill('SIGKILL'),
  };
}
describe('bad input: exit 2, one sentence, nothing created', () => {
  const cases: { name: string; setup?: (cwd: string) => void; args: string[]; message: string | RegExp }[] = [
    { name: 'malformed CSV', setup: (cwd) => fs.writeFileSync(path.join(cwd, 's.csv'), 'Sat.SMA,Sat.ECC\n7000,"0.1\n'), args: ['run', LEO, '--samples', 's.csv'], message: /samples .*s\.csv: is not valid CSV: / },
    { name: 'malformed JSON samples', setup: (cwd) => fs.writeFileSync(path.join(cwd, 's.json'), '[{"Sat.SMA": 7000},'), args: ['run', LEO, '--samples', 's.json'], message: /samples .*s\.json: is not valid JSON: / },
    { name: 'a .parquet file that is not Parquet', setup: (cwd) => fs.writeFileSync(path.join(cwd, 's.parquet'), 'PAR1 this is not parquet'), args: ['run', LEO, '--samples', 's.parquet'], message: /samples .*s\.parquet: is not a readable Parquet file: / },
    { name: 'a FIFO as --samples (would block)', setup: (cwd) => spawnSync('mkfifo', [path.join(cwd, 'fifo.csv')]), args: ['run', LEO, '--samples', 'fifo.csv'], message: /fifo\.csv: is a FIFO \(named pipe\); give a regular \.csv, \.parquet or \.json file/ },
    { name: 'a FIFO as the script (would block)', setup: (cwd) => spawnSync('mkfifo', [path.join(cwd, 'm.script')]), args: ['run', 'm.script', '--grid', 'Sat.SMA=7000,7100'], message: /script: ".*m\.script" is a FIFO \(named pipe\); give the path of a GMAT \.script file \(a regular file\)/ },
    { name: 'monte-carlo --n that is not a number', args: ['monte-carlo', LEO, '--n', 'many', '--seed', '1', '--perturb', 'Sat.SMA=normal:7000:10'], message: 'monteCarlo.n: Invalid input: expected number, received NaN' },
    { name: 'duplicate sample columns', setup: (cwd) => fs.writeFileSync(path.join(cwd, 's.csv'), 'Sat.SMA,Sat.SMA\n7000,7100\n'), args: ['run', LEO, '--samples', 's.csv'], message: 'column "Sat.SMA" appears twice; give each override key one column' },
    { name: '__proto__ key in JSON samples', setup: (cwd) => fs.writeFileSync(path.join(cwd, 's.json'), '[{"Sat.SMA": 7000, "__proto__": {"x": 1}}]'), args: ['run', LEO, '--samples', 's.json'], message: 'column "__proto__" is not an override key' },
    { name: '__proto__ as a grid key', args: ['run', LEO, '--grid', '__proto__=1,2'], message: '--grid "__proto__=1,2": "__proto__" is not an override key' },
    { name: 'bad --perturb', args: ['monte-carlo', LEO, '--n', '4', '--seed', '1', '--perturb', 'Sat.SMA'], message: '--perturb "Sat.SMA": write NAME=normal:MU:SIGMA, NAME=uniform:LO:HI or NAME=lognormal:MU:SIGMA' },
    { name: '--out with a quote', args: ['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--out', "it's"], message: /out: ".*it's" contains "'"; GMAT reads output paths from quoted script strings/ },
    { name: '--out with a non-ASCII character', args: ['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--out', 'résultats'], message: /out: ".*résultats" contains a non-ASCII character \(U\+00E9\)/ },
    { name: 'run-one --out with a quote', args: ['run-one', LEO, '--set', 'Sat.SMA=7000', '--out', 'a"b'], message: /out: ".*a\\"b" contains "\""; GMAT reads output paths/ },
    { name: 'show on a directory that is no sweep', args: ['show', '.'], message: /out: .* has no manifest\.jsonl, so it is not a finished gsweep output directory/ },
    { name: 'an unreachable --address, named', args: ['status', 'some-id', '--address', '127.0.0.1:1'], message: 'cannot reach Temporal at 127.0.0.1:1 (namespace default) within 5 s' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const cwd = work();
      c.setup?.(cwd);
      const args = c.args[0] === 'show' || c.args[0] === 'status' ? c.args : [...c.args, '--engine', 'stand-in', ...(c.args.includes('--out') ? [] : ['--out', 'o'])];
      const r = await runCli(args, { cwd, env: ENV, timeoutMs: 60_000 });
      expectOneSentence(r, 2, c.message);
      expect(fs.existsSync(path.join(cwd, 'o'))).toBe(false);
    });
  }
});

describe('worker log lines', () => {
  it('a run a batch fails for good is one line with its run id, failure type and first error line', () => {
    const meta = { runId: 12, failureType: 'GmatRejected', reason: 'GMAT rejected the run (exit 1): **** ERROR **** bad SMA\n   "  39: GMAT Sat.SMA = 0;"', activityId: 'runs-8-15' };
    expect(formatLogEntry({ level: 'WARN', message: RUN_FAILED_LOG_MESSAGE, timestampNanos: 0n, meta })).toBe(
      'gsweep: run-12 failed (GmatRejected): GMAT rejected the run (exit 1): **** ERROR **** bad SMA',
    );
  });
  it('a failed run activity (sweeps started before batches) is one line with its activity id, failure type and first error line', () => {
    const error = ApplicationFailure.create({ type: 'GmatRejected', message: 'GMAT rejected the run (exit 1): **** ERROR **** bad SMA\n   "  39: GMAT Sat.SMA = 0;"', nonRetryable: true });
    const line = formatLogEntry({ level: 'WARN', message: 'Activity failed', timestampNanos: 0n, meta: { activityType: 'gsweep.runGmat', activityId: 'run-7', attempt: 1, error } });
    expect(line).toBe('gsweep: run-7 failed (GmatRejected): GMAT rejected the run (exit 1): **** ERROR **** bad SMA');
  });
  it('a retryable failure says it will be retried; other entries stay one line without stacks', () => {
    const error = ApplicationFailure.create({ message: 'ENOSPC: no space left on device\n    at write (fs.js:1:1)', nonRetryable: false });
    expect(formatLogEntry({ level: 'WARN', message: 'Activity failed', timestampNanos: 0n, meta: { activityType: 'runGmat', activityId: 'run-2', attempt: 3, error } })).toBe(
      'gsweep: run-2 failed: ENOSPC: no space left on device (attempt 3, will be retried)',
    );
    expect(formatLogEntry({ level: 'WARN', message: 'Activity failed', timestampNanos: 0n, meta: { activityType: 'gsweep.writeAggregate', activityId: '5', workflowId: 'sw', error: new Error('disk\n  at x') } })).toBe(
      'gsweep: [WARN] Activity failed (5 of sw): disk',
    );
  });
});

describe('programmatic requests (JSON)', () => {
  it.each([
    ['grid', '{"grid": {"__proto__": [1], "Sat.SMA": [7000]}}', 'grid: "__proto__" is not an override key or request field; remove it'],
    ['perturb', '{"monteCarlo": {"n": 3, "seed": 1, "perturb": {"__proto__": ["normal", 1, 2], "Sat.SMA": ["normal", 7000, 1]}}}', 'monteCarlo.perturb: "__proto__" is not an override key'],
    ['sample rows', '{"samples": [{"Sat.SMA": 7000, "__proto__": 1}]}', 'samples.0: "__proto__" is not an override key'],
  ])('a "__proto__" key in %s is refused, not dropped', async (_where, json, message) => {
    const raw = { script: LEO, ...JSON.parse(json) };
    await expect(prepareRequest(raw)).rejects.toThrow(message);
  });
});

describe('commands against a server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await startLocalTemporal();
  }, 120_000);
  afterAll(async () => {
    await env?.teardown();
  });

  for (const verb of ['status', 'wait', 'cancel']) {
    it(`${verb} on an unknown id`, async () => {
      const r = await runCli([verb, 'no-such-sweep', '--address', env.address]);
      expectOneSentence(r, 2, 'gsweep: error: no sweep with id "no-such-sweep" on this Temporal server');
    });
  }

  it('set on an unknown id', async () => {
    const r = await runCli(['set', 'no-such-sweep', '--max-in-flight', '3', '--address', env.address]);
    expectOneSentence(r, 2, 'no sweep with id "no-such-sweep"');
  });

  it('set with no worker polling: says so instead of blocking', async () => {
    const cwd = work();
    const queue = 'nobody-polls-this';
    const started = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', 'o', '--sweep-id', 'no-worker', '--task-queue', queue, '--no-wait', '--address', env.address], { cwd });
    expect(started.code, started.stderr).toBe(0);
    const r = await runCli(['set', 'no-worker', '--max-in-flight', '3', '--address', env.address, '--task-queue', queue]);
    expectOneSentence(r, 1, `no worker polls task queue ${queue} on ${env.address}, so no-worker cannot take the change now`);
    await env.client.workflow.getHandle('no-worker').terminate();
  });

  it('Ctrl-C while following a sweep on a server: says how to reattach, and the directory stays locked while it runs', async () => {
    const cwd = work();
    const out = path.join(cwd, 'o');
    const queue = 'nobody-runs-this';
    const child = startSweepProcess(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', out, '--sweep-id', 'ctrl-c-remote', '--task-queue', queue, '--address', env.address], {});
    try {
      const { code, stderr } = await child.interrupt();
      expect(code).toBe(1);
      expect(stderr).toContain(
        `gsweep: interrupted; sweep ctrl-c-remote keeps running on ${env.address}: \`gsweep wait ctrl-c-remote --address ${env.address}\` reattaches, \`gsweep cancel ctrl-c-remote --address ${env.address}\` stops it`,
      );
      expect(stderr).not.toMatch(STACK);
      expect(fs.existsSync(path.join(out, LOCK_NAME))).toBe(true);
      // prepareSweep never ran (no worker), so there is no request.json yet: a new run there is refused by the lock.
      fs.rmSync(path.join(out, 'runs'), { recursive: true, force: true });
      const again = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', out, '--task-queue', queue, '--address', env.address]);
      expectOneSentence(again, 2, /is in use by sweep ctrl-c-remote \(workflow ctrl-c-remote, pid \d+ on .*, Temporal .*\); one sweep per output directory at a time: wait for it \(`gsweep wait ctrl-c-remote --address /);
    } finally {
      child.kill();
      await env.client.workflow.getHandle('ctrl-c-remote').terminate().catch(() => undefined);
    }
  }, 150_000);

  it("a sweep whose script changed before it started fails with the real cause, not 'Activity task failed'", async () => {
    const cwd = work();
    const queue = 'changed-script';
    fs.copyFileSync(LEO, path.join(cwd, 'm.script'));
    const started = await runCli(['run', 'm.script', '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', 'o', '--sweep-id', 'changed', '--task-queue', queue, '--no-wait', '--address', env.address], { cwd });
    expect(started.code, started.stderr).toBe(0);
    fs.appendFileSync(path.join(cwd, 'm.script'), '% edited after the sweep started\n');
    const worker = spawnWorker(env.address, ['--task-queue', queue], ENV);
    try {
      const r = await runCli(['wait', 'changed', '--address', env.address]);
      expectOneSentence(r, 1, /gsweep: sweep changed failed: preparing the sweep failed: .*m\.script changed since the sweep was started \(SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}\); start a new sweep/);
      expect(r.stderr).not.toContain('Activity task failed');
    } finally {
      await worker.stop();
    }
  }, 120_000);
});

describe('a live sweep (embedded server)', () => {
  it('a run that fails for bad input at run time says why in the manifest, and logs one line', async () => {
    const cwd = work();
    const out = path.join(cwd, 'o');
    fs.writeFileSync(path.join(cwd, 's.csv'), 'Sat.SMA\n7000\n7100\n');
    const first = await runCli(['run', LEO, '--samples', path.join(cwd, 's.csv'), '--engine', 'stand-in', '--out', out], { env: ENV });
    expect(first.code, first.stderr).toBe(0);
    // The sample rows are data in `out`: edited together with the hash request.json records
    // for them (both are in `out`, so the hash proves nothing against a deliberate edit),
    // a value is still refused by the run itself.
    const request = JSON.parse(fs.readFileSync(path.join(out, 'request.json'), 'utf8'));
    const rows = fs.readFileSync(path.join(out, 'inputs', 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown[]);
    rows[0][0] = '7000;Stop';
    const edited = encodeValueTable('samples', rows);
    await writeInputTable(out, edited);
    request.runSet.rows = edited.ref;
    fs.writeFileSync(path.join(out, 'request.json'), JSON.stringify(request));
    fs.rmSync(path.join(out, 'runs', 'run-0', 'outcome.json'));
    const r = await runCli(['resume', out, '--engine', 'stand-in'], { env: ENV });
    expect(r.code, r.stderr).toBe(1);
    const failedLines = r.stderr.split('\n').filter((l) => l.includes('run-0'));
    expect(failedLines).toEqual([expect.stringMatching(/^gsweep: run-0 failed \(InvalidRunInput\): run 0: override "Sat.SMA" = "7000;Stop": string values must not contain ';'/)]);
    expect(r.stderr).not.toMatch(STACK);
    const entry = JSON.parse(fs.readFileSync(path.join(out, 'manifest.jsonl'), 'utf8').trim().split('\n')[1]);
    expect(entry.status).toBe('failed');
    expect(entry.stderr).toContain("string values must not contain ';'");
    expect(entry.stderr).not.toContain('infrastructure');
  }, 150_000);

  it('Ctrl-C says how to resume, exits 1 without a stack, and frees the directory', async () => {
    const cwd = work();
    const out = path.join(cwd, 'o');
    const child = startSweepProcess(['run', LEO, '--grid', 'Sat.SMA=7000:7100:4', '--engine', 'stand-in', '--out', out, '--concurrency', '1'], { GSWEEP_STANDIN_DELAY_MS: '5000' });
    try {
      const { code, stderr } = await child.interrupt();
      expect(code).toBe(1);
      expect(stderr).toMatch(/gsweep: interrupted; the embedded Temporal server stops with gsweep, so sweep \S+ stops here; `gsweep resume .* --engine stand-in` finishes it later \(runs already ok are kept\)/);
      expect(stderr).not.toMatch(STACK);
      expect(fs.existsSync(path.join(out, LOCK_NAME))).toBe(false);
    } finally {
      child.kill();
    }
  }, 150_000);
});
