/**
 * A request's run set (grid, samples, Monte Carlo or Latin hypercube), checked against the
 * script, and turned into the run set the workflow carries. This is the one place a
 * request's override keys and values are judged: the workflow, the activities and the run's
 * script patch take what leaves here as checked.
 */
import * as path from 'node:path';
import { overrideFitsScript, validateOverridesForScript, type Resource } from '../gmat/script';
import { encodeValueTable, INLINE_LIST_MAX_BYTES, type EncodedTable } from '../output/input-tables';
import { sortedKeys } from '../sweep/grid';
import { formatCount, MAX_PARAMETERS, MAX_SAMPLE_ROW_BYTES } from '../sweep/limits';
import { describeValue, OverrideError, validateOverrideKey, validateOverrideValue, type Overrides, type OverrideValue } from '../sweep/overrides';
import { lhsMedian, validatePerturb } from '../sweep/random';
import { runSetSize } from '../sweep/runset';
import { expandStochasticRun } from '../sweep/stochastic';
import type { GridAxis, PerturbSpec, RunSet } from '../sweep/types';
import { checkRunCount } from './limits';
import { RequestError } from './request-error';
import { readSamplesFileAsync, SamplesError, tableFromObjects, type SamplesTable } from './samples';
import { linspaceStepProblem, type GridAxisRequest, type StochasticRequest, type SweepRequest } from './schema';

type ScriptResources = readonly Pick<Resource, 'name' | 'type' | 'dims'>[];

/** The run set as the workflow carries it, and the long value lists it names (written to `<out>/inputs/`). */
export interface CheckedRunSet {
  runSet: RunSet;
  runCount: number;
  tables: EncodedTable[];
}

/** An OverrideError names its key; the request names the field it came from. */
function asRequestError(field: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    if (err instanceof OverrideError) throw new RequestError(`${field}.${err.key}`, err.message);
    throw err;
  }
}

export async function checkRunSet(request: SweepRequest, resources: ScriptResources, cwd: string): Promise<CheckedRunSet> {
  const kinds = (['grid', 'samples', 'monteCarlo', 'latinHypercube'] as const).filter((k) => request[k] !== undefined);
  if (kinds.length !== 1) {
    throw new RequestError(
      'runSet',
      kinds.length === 0
        ? 'no run set given; give exactly one of grid, samples, monteCarlo, latinHypercube'
        : `${kinds.join(' and ')} given together; give exactly one run set`,
    );
  }
  const tables: EncodedTable[] = [];
  const runSet = request.grid
    ? gridRunSet(request.grid, resources, tables)
    : request.samples !== undefined
      ? await samplesRunSet(request.samples, resources, cwd, tables)
      : stochasticRunSet(request.monteCarlo ? 'monteCarlo' : 'latinHypercube', (request.monteCarlo ?? request.latinHypercube)!, resources);
  const runCount = runSetSize(runSet);
  if (runCount < 1) throw new RequestError('runSet', 'the run set has no runs; give at least one');
  checkRunCount(runSet.kind === 'samples' ? 'samples' : runSet.kind, runCount);
  return { runSet, runCount, tables };
}

/** Each key and value on its own terms, every axis before any is held against the script. */
function checkGridValues(axes: Record<string, GridAxisRequest>): void {
  for (const [key, values] of Object.entries(axes)) {
    try {
      validateOverrideKey(key);
    } catch (err) {
      throw new RequestError(`grid.${key}`, (err as Error).message);
    }
    if (!Array.isArray(values)) {
      const { lo, hi, count } = values;
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
        throw new RequestError(`grid.${key}`, `lo and hi must be finite numbers, got ${describeValue(lo)} and ${describeValue(hi)}`);
      }
      if (!Number.isSafeInteger(count) || count < 2) {
        throw new RequestError(`grid.${key}.count`, `${describeValue(count)} is not an integer >= 2; both ends are included, so give at least 2`);
      }
      const stepProblem = linspaceStepProblem(lo, hi, count);
      if (stepProblem) throw new RequestError(`grid.${key}`, stepProblem);
      continue;
    }
    if (values.length === 0) {
      throw new RequestError(`grid.${key}`, 'the value list is empty; give at least one value');
    }
    values.forEach((v, i) => {
      try {
        validateOverrideValue(key, v);
      } catch (err) {
        throw new RequestError(`grid.${key}[${i}]`, (err as Error).message);
      }
    });
  }
}

function gridRunSet(grid: Record<string, GridAxisRequest>, resources: ScriptResources, tables: EncodedTable[]): RunSet {
  const keys = Object.keys(grid).length;
  if (keys > MAX_PARAMETERS) throw new RequestError('grid', `${keys} axes is more than the limit of ${MAX_PARAMETERS}; sweep fewer parameters`);
  // Counted from list lengths and COUNTs before anything is checked value by value or
  // written as a table (a LO:HI:COUNT axis is never expanded here).
  checkRunCount(
    'grid',
    Object.values(grid).reduce((n, axis) => n * (Array.isArray(axis) ? axis.length : Number.isFinite(axis.count) ? Math.max(1, axis.count) : 1), 1),
  );
  checkGridValues(grid);
  // One representative per axis value is enough: every key and value is checked once
  // (a linspace's values are all finite numbers: its ends stand for it).
  const fitsScript = overrideFitsScript(resources);
  for (const [key, values] of Object.entries(grid)) {
    for (const value of Array.isArray(values) ? values : [values.lo, values.hi]) asRequestError('grid', () => fitsScript(key, value));
  }
  const axes: Record<string, GridAxis> = {};
  sortedKeys(grid).forEach((key, k) => {
    const values = grid[key];
    if (!Array.isArray(values)) axes[key] = { linspace: [values.lo, values.hi, values.count] };
    else if (JSON.stringify(values).length <= INLINE_LIST_MAX_BYTES) axes[key] = values;
    else {
      const table = encodeValueTable(`grid-${k}`, values);
      tables.push(table);
      axes[key] = { values: table.ref };
    }
  });
  return { kind: 'grid', axes };
}

async function samplesRunSet(source: NonNullable<SweepRequest['samples']>, resources: ScriptResources, cwd: string, tables: EncodedTable[]): Promise<RunSet> {
  let samples: SamplesTable;
  try {
    samples = typeof source === 'string' ? await readSamplesFileAsync(path.resolve(cwd, source)) : tableFromObjects('(rows given in the request)', source);
  } catch (err) {
    if (err instanceof SamplesError) throw new RequestError('samples', err.message);
    throw err;
  }
  if (samples.columns.length === 0) throw new RequestError('samples', 'no columns; give one column per override key');
  if (samples.columns.length > MAX_PARAMETERS) {
    throw new RequestError('samples', `${samples.columns.length} columns is more than the limit of ${MAX_PARAMETERS}; sweep fewer parameters`);
  }
  samples.rows.forEach((row, r) => {
    const overrides: Overrides = {};
    samples.columns.forEach((c, i) => {
      overrides[c] = row[i] as OverrideValue;
    });
    // A row's values come from a file or the request as they are: key, value and script in one check.
    try {
      asRequestError(`samples[${r}]`, () => validateOverridesForScript(resources, overrides));
    } catch (err) {
      throw err instanceof RequestError ? err : new RequestError(`samples[${r}]`, (err as Error).message);
    }
    // A row is one run's overrides, carried to and recorded by that run: bounded as a whole.
    const rowBytes = Buffer.byteLength(JSON.stringify(row));
    if (rowBytes > MAX_SAMPLE_ROW_BYTES) {
      throw new RequestError(`samples[${r}]`, `is ${formatCount(rowBytes)} bytes of JSON, over gsweep's limit of ${formatCount(MAX_SAMPLE_ROW_BYTES)} bytes for one row (one run's overrides); split large values out of the sweep`);
    }
  });
  const table = encodeValueTable('samples', samples.rows);
  tables.push(table);
  return { kind: 'samples', columns: samples.columns, rowCount: samples.rows.length, rows: table.ref };
}

function stochasticRunSet(kind: 'monteCarlo' | 'latinHypercube', spec: StochasticRequest, resources: ScriptResources): RunSet {
  // A huge n is refused before it is tested for integrality (1e30 is an "integer").
  if (spec.n > 0) checkRunCount(`${kind}.n`, spec.n);
  if (!Number.isInteger(spec.n) || spec.n < 1) {
    throw new RequestError(`${kind}.n`, `${describeValue(spec.n)} is not a positive integer; give the number of runs (n >= 1)`);
  }
  if (!Number.isSafeInteger(spec.seed) || spec.seed < 0) {
    throw new RequestError(`${kind}.seed`, `${describeValue(spec.seed)} is not a non-negative integer; give an integer seed`);
  }
  const parameters = Object.keys(spec.perturb).length;
  if (parameters > MAX_PARAMETERS) {
    throw new RequestError(`${kind}.perturb`, `${parameters} parameters is more than the limit of ${MAX_PARAMETERS}; perturb fewer`);
  }
  try {
    validatePerturb(spec.perturb);
  } catch (err) {
    throw new RequestError(`${kind}.perturb`, (err as Error).message);
  }
  const runSet = { kind, n: spec.n, perturb: spec.perturb as Record<string, PerturbSpec>, seed: spec.seed };
  // A Latin hypercube's first run needs the whole design; its median point has the same keys and kinds of value.
  const representative = kind === 'latinHypercube' ? lhsMedian(runSet.perturb) : expandStochasticRun(runSet, 0);
  asRequestError(`${kind}.perturb`, () => validateOverridesForScript(resources, representative));
  return runSet;
}
