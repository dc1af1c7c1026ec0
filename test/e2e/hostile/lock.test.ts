/**
 * Class 3 of docs/security.md: one sweep per output directory at a time, with a lock that a crashed
 * sweep does not leave stuck: pure lock logic first, then `gsweep resume` refused while the
 * original sweep still runs (stand-in engine slowed down, embedded Temporal).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireOutLock, LOCK_NAME, type LockInfo } from '../../../request/out-lock';
import { GSWEEP_BIN, MISSIONS, runCli, tempDir, waitFor } from '../../helpers/temporal';
import { spawn } from 'node:child_process';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function work(): string {
  const d = fs.realpathSync(tempDir('gsweep-lock-'));
  roots.push(d);
  return d;
}
/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}
function plantLock(out: string, lock: Partial<LockInfo>): void {
  fs.mkdirSync(out, { recursive: true });
  const full: LockInfo = { sweepId: 's-old', workflowId: 'wf-old', host: os.hostname(), pid: deadPid(), embedded: true, startedAt: '2026-01-01T00:00:00.000Z', ...lock };
  fs.writeFileSync(path.join(out, LOCK_NAME), JSON.stringify(full));
}
const ME = { sweepId: 's-new', workflowId: 'wf-new', embedded: true };

describe('acquireOutLock', () => {
  it('two sweeps racing for one directory: exactly one gets it, the other is told who holds it', async () => {
    const out = path.join(work(), 'o');
    const results = await Promise.allSettled([acquireOutLock(out, ME), acquireOutLock(out, { ...ME, sweepId: 's-other', workflowId: 'wf-other' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason.message).toMatch(/^out: .* is in use by sweep s-(new|other) \(workflow wf-(new|other), pid \d+ on .*, embedded Temporal, since .*\); one sweep per output directory at a time: wait for that gsweep \(pid \d+\) to finish, or stop it with Ctrl-C$/);
  });

  it('release removes the lock; the directory can be locked again', async () => {
    const out = path.join(work(), 'o');
    (await acquireOutLock(out, ME)).release();
    expect(fs.existsSync(path.join(out, LOCK_NAME))).toBe(false);
    (await acquireOutLock(out, ME)).release();
  });

  it('takes over the lock of a crashed embedded sweep on this host (its process is gone)', async () => {
    const out = path.join(work(), 'o');
    plantLock(out, { embedded: true });
    const lock = await acquireOutLock(out, ME);
    expect(JSON.parse(fs.readFileSync(lock.file, 'utf8'))).toMatchObject({ sweepId: 's-new', pid: process.pid });
  });

  it('a dead client of a sweep still running on a server keeps the directory locked; a closed one frees it', async () => {
    const out = path.join(work(), 'o');
    plantLock(out, { embedded: false, address: 'temporal:7233' });
    await expect(acquireOutLock(out, { ...ME, embedded: false }, async () => 'running')).rejects.toThrow(
      /is in use by sweep s-old \(workflow wf-old, pid \d+ on .*, Temporal temporal:7233, since 2026-01-01T00:00:00.000Z\); one sweep per output directory at a time: wait for it \(`gsweep wait wf-old --address temporal:7233`\) or cancel it first/,
    );
    await acquireOutLock(out, { ...ME, embedded: false }, async () => 'closed');
  });

  it('a lock from another host that our server does not know: refused, with how to clear it', async () => {
    const out = path.join(work(), 'o');
    plantLock(out, { host: 'other-host.example', embedded: false, address: 'elsewhere:7233' });
    await expect(acquireOutLock(out, ME, async () => 'unknown')).rejects.toThrow(`; if it is no longer running, delete ${path.join(out, LOCK_NAME)}`);
  });
});

describe('the CLI', () => {
  it('a lone stale lock (a sweep that crashed while starting) does not block a new run there', async () => {
    const cwd = work();
    const out = path.join(cwd, 'o');
    plantLock(out, { embedded: true });
    const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', out], { env: { GMAT_ROOT: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(out, LOCK_NAME))).toBe(false);
  }, 150_000);

  it('a lone lock held by a live process refuses a new run there, naming it', async () => {
    const cwd = work();
    const out = path.join(cwd, 'o');
    plantLock(out, { embedded: true, pid: process.pid, sweepId: 'still-starting', workflowId: 'still-starting' });
    const r = await runCli(['run', LEO, '--grid', 'Sat.SMA=7000,7100', '--engine', 'stand-in', '--out', out], { env: { GMAT_ROOT: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is in use by sweep still-starting (workflow still-starting, pid');
  });

  it('refuses gsweep resume while the original sweep still runs, naming it; the sweep then finishes and frees the directory', async () => {
    const cwd = work();
    const out = path.join(cwd, 'o');
    const first = spawn(process.execPath, [GSWEEP_BIN, 'run', LEO, '--grid', 'Sat.SMA=7000:7100:6', '--engine', 'stand-in', '--out', out, '--sweep-id', 'lock-test', '--concurrency', '1'], {
      env: { ...process.env, GMAT_ROOT: '', GSWEEP_STANDIN_DELAY_MS: '1500' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    first.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => first.on('exit', resolve));
    try {
      await waitFor(() => fs.existsSync(path.join(out, 'request.json')), 'the first sweep to start', 90_000);
      const r = await runCli(['resume', out, '--engine', 'stand-in'], { env: { GMAT_ROOT: '' } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/gsweep: error: out: .* is in use by sweep lock-test \(workflow lock-test, pid \d+ on .*, embedded Temporal, since .*\); one sweep per output directory at a time/);
      expect(await exited).toBe(0);
      expect(stderr).toContain('6/6 runs ok');
      expect(fs.existsSync(path.join(out, LOCK_NAME))).toBe(false);
    } finally {
      first.kill('SIGKILL');
    }
  }, 150_000);
});
