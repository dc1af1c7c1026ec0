/**
 * `<out>/samples.json`: the rows of an explicit-row sweep. The client writes it before the
 * sweep starts (history carries only the column names and row count); workers read pages
 * of it and the aggregate reads it for each run's overrides.
 */
import * as fs from 'node:fs';
import type { Overrides, OverrideValue } from '../sweep/overrides';
import { writeJsonAtomic } from './atomic';
import { samplesPath } from './layout';

export interface SamplesJson {
  columns: string[];
  rows: OverrideValue[][];
}

export function writeSamplesJson(outDir: string, samples: SamplesJson): void {
  fs.mkdirSync(outDir, { recursive: true });
  writeJsonAtomic(samplesPath(outDir), samples);
}

export function readSamplesJson(outDir: string): SamplesJson {
  return JSON.parse(fs.readFileSync(samplesPath(outDir), 'utf8')) as SamplesJson;
}

/** Row `row` as overrides, column name -> value. */
export function sampleOverrides(samples: SamplesJson, row: number): Overrides {
  const overrides: Overrides = {};
  samples.columns.forEach((column, i) => {
    overrides[column] = samples.rows[row]![i] as OverrideValue;
  });
  return overrides;
}
