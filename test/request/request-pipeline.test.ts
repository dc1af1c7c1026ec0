/**
 * request/: one `--grid` value through the request pipeline. The flag grammar yields the
 * request's own (zod-inferred) types, so its output passes the schema as it is; the script
 * check judges a value once; and every field a request leaves out is filled from DEFAULTS.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkScript, overrideFitsScript } from '../../gmat/script';
import { parseGridArgs, parsePerturbArgs } from '../../request/grid-args';
import { DEFAULTS, prepareRequest } from '../../request/request';
import { parseRequest, sweepRequestSchema } from '../../request/schema';
import { MISSIONS, tempDir } from '../helpers/temporal';

const LEO = path.join(MISSIONS, 'leo_point_mass.script');
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});
function work(): string {
  const d = fs.realpathSync(tempDir('gsweep-pipeline-'));
  roots.push(d);
  return d;
}

describe('the request pipeline', () => {
  it('takes what the flag grammar parses as a request, unchanged', () => {
    const grid = parseGridArgs(['Sat.SMA=6800:7400:16', 'Sat.ECC=0.001,0.002']);
    const perturb = parsePerturbArgs(['Sat.SMA=normal:7000:10']);
    expect(parseRequest({ script: LEO, grid }).grid).toEqual(grid);
    expect(sweepRequestSchema.parse({ script: LEO, monteCarlo: { n: 2, seed: 1, perturb } }).monteCarlo?.perturb).toEqual(perturb);
  });

  it('fills every field the request leaves out from DEFAULTS', async () => {
    const prepared = await prepareRequest({ script: LEO, grid: parseGridArgs(['Sat.SMA=6800:7400:16']), out: path.join(work(), 'o') });
    const { input } = prepared;
    expect(prepared.engine).toBe(DEFAULTS.engine);
    expect(input.context.engine).toEqual({ kind: DEFAULTS.engine, mode: DEFAULTS.engineMode });
    expect(input.context.runTimeoutMs).toBe(1000 * DEFAULTS.runTimeoutSeconds);
    expect(input.heartbeatTimeoutMs).toBe(1000 * DEFAULTS.heartbeatTimeoutSeconds);
    expect(input.maxInFlight).toBe(DEFAULTS.maxInFlight);
    expect(input.retry).toEqual({
      maximumAttempts: DEFAULTS.retry.maximumAttempts,
      initialIntervalMs: 1000 * DEFAULTS.retry.initialIntervalSeconds,
      backoffCoefficient: DEFAULTS.retry.backoffCoefficient,
      maximumIntervalMs: 1000 * DEFAULTS.retry.maximumIntervalSeconds,
    });
    // No batch spec: the workflow sizes batches by its own default, which DEFAULTS names.
    expect(input.batch).toBeUndefined();
    expect(input.runSet).toEqual({ kind: 'grid', axes: { 'Sat.SMA': { linspace: [6800, 7400, 16] } } });
    expect(input.runCount).toBe(16);
  });

  it('checks an override against the script without judging its key and value again', () => {
    const fits = overrideFitsScript(checkScript(fs.readFileSync(LEO, 'utf8')).resources);
    expect(() => fits('Sat.SMA', 7000)).not.toThrow();
    expect(() => fits('Nope.SMA', 7000)).toThrow('the script creates no resource named "Nope"');
  });
});
