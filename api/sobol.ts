/**
 * Sobol sensitivity as a sweep: `gsweep sobol` samples a Saltelli design (sensitivity/),
 * runs it as one explicit-row sweep and keeps the design's description in `<out>/sobol.json`;
 * `gsweep sobol-analyze` reads that file and the aggregate table back and computes the
 * indices of chosen outputs. Side effects (files) live here; the maths is in sensitivity/.
 */
import { openStore } from '../output/open-store';
import { displayOf, type Store } from '../output/store';
import { openSweep, pickTable, readSweepTable } from '../analysis/load';
import { AnalysisError, lastValues, type SweepTable } from '../analysis/table';
import type { DistSpec } from '../sweep/random/distributions';
import { saltelliRowCount, type SobolDesign } from '../sensitivity/saltelli';
import { sobolAnalyze, type SobolIndices } from '../sensitivity/sobol-indices';

/** The design's description in the output directory of a `gsweep sobol` sweep. */
export const SOBOL_FILE = 'sobol.json';

/** What sobol-analyze needs: the design without its rows (those are in samples.json / the manifest). */
export interface SobolFile {
  kind: 'saltelli';
  /** Parameter names in design (sorted) order. */
  names: string[];
  perturb: Record<string, DistSpec>;
  n: number;
  seed: number;
  calc_second_order: boolean;
  run_count: number;
  sampler: string;
}

/** The design's rows as a request's `samples`: one object of parameter values per run. */
export function designRequestRows(design: SobolDesign): Record<string, number>[] {
  return design.rows.map((row) => Object.fromEntries(design.names.map((name, j) => [name, row[j]])));
}

/** What `sobol.json` records of a design (everything but its rows). */
export function sobolFileOf(design: SobolDesign): SobolFile {
  return {
    kind: 'saltelli',
    names: design.names,
    perturb: design.perturb,
    n: design.n,
    seed: design.seed,
    calc_second_order: design.calcSecondOrder,
    run_count: saltelliRowCount(design.names.length, design.n, design.calcSecondOrder),
    sampler: 'SALib 1.6 sobol.sample (scrambled scipy Sobol, seed -> numpy default_rng), lifted through each parameter inverse CDF (gmat-sweep sobol_sample)',
  };
}

/** The design next to the sweep's runs, in its out (a directory or a store). */
export async function writeSobolFile(out: string, design: SobolDesign): Promise<void> {
  await openStore(out).put(SOBOL_FILE, `${JSON.stringify(sobolFileOf(design), null, 2)}\n`);
}


/** Reads the out's sobol.json back; throws AnalysisError when it is missing or not a gsweep design. */
async function readSobolFile(store: Store): Promise<SobolFile> {
  const missing = () => new AnalysisError(`${store.url} has no ${SOBOL_FILE}; sobol-analyze reads sweeps started with \`gsweep sobol\``);
  if (!(await store.exists(SOBOL_FILE))) throw missing();
  const bytes = await store.get(SOBOL_FILE, { what: 'Sobol design' });
  if (!bytes) throw missing();
  const data = JSON.parse(bytes.toString('utf8')) as Partial<SobolFile>;
  const ok =
    data.kind === 'saltelli' &&
    Array.isArray(data.names) &&
    data.names.every((n) => typeof n === 'string') &&
    Number.isInteger(data.n) &&
    Number.isInteger(data.seed) &&
    typeof data.calc_second_order === 'boolean' &&
    Number.isInteger(data.run_count);
  if (!ok) throw new AnalysisError(`${displayOf(store, SOBOL_FILE)} is not a gsweep Sobol design description; start the sweep again with \`gsweep sobol\``);
  return data as SobolFile;
}

/** Sobol indices of each metric of a sweep, with the design and bootstrap settings they came from. */
export interface SobolAnalysis {
  table: string;
  design: SobolFile;
  seed: number;
  numResamples: number;
  metrics: (SobolIndices & { metric: string; outputVariance: number })[];
}

/** Every run of the design, ok, with a final value of each metric: the Y vector SALib gets. */
function outputs(table: SweepTable, design: SobolFile, metric: string): number[] {
  const col = table.columns.find((c) => c.name === metric);
  if (!col) throw new AnalysisError(`--metric ${JSON.stringify(metric)} is not a numeric column; numeric columns: ${table.columns.map((c) => c.name).join(', ')}`);
  const all = lastValues(table, col.values, false);
  const failed = [...new Set(table.status.map((s, i) => (s !== 'ok' ? table.runId[i] : -1)).filter((id) => id >= 0))];
  if (failed.length) {
    throw new AnalysisError(
      `${failed.length} run(s) of the Sobol design are not ok (run ${failed.slice(0, 10).join(', ')}${failed.length > 10 ? ', …' : ''}); every run of a Saltelli design is needed: fix the cause and \`gsweep resume\` the sweep`,
    );
  }
  if (all.length !== design.run_count || all.some((r, i) => r.runId !== i)) {
    throw new AnalysisError(`the table has ${all.length} runs, the design ${design.run_count}; analyse the complete sweep (\`gsweep resume\` finishes missing runs)`);
  }
  const nan = all.findIndex((r) => Number.isNaN(r.value));
  if (nan >= 0) throw new AnalysisError(`run ${all[nan].runId} has no final value of ${metric}; choose another --metric`);
  return all.map((r) => r.value);
}

/**
 * First-order, total (and second-order) Sobol indices of a finished `gsweep sobol` sweep's
 * out (a directory, `s3://bucket/prefix`, or its Store). Throws AnalysisError when the
 * design, a metric or a run is missing.
 */
export async function analyzeSobolSweep(out: string | Store, options: { metrics?: string[]; table?: string; seed?: number; numResamples?: number }): Promise<SobolAnalysis> {
  const sweep = await openSweep(typeof out === 'string' ? openStore(out) : out);
  const design = await readSobolFile(sweep.store);
  const key = pickTable(sweep, options.table);
  const table = await readSweepTable(sweep, key);
  const seed = options.seed ?? (design.seed >= 1 ? design.seed : 1);
  const numResamples = options.numResamples ?? 100;
  const metrics = options.metrics ?? table.columns.map((c) => c.name);
  return {
    table: key,
    design,
    seed,
    numResamples,
    metrics: metrics.map((metric) => {
      const y = outputs(table, design, metric);
      const mean = y.reduce((a, b) => a + b, 0) / y.length;
      const variance = y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length;
      if (!(variance > 0)) {
        // SALib warns and returns zeros for a constant output; say so instead.
        const zeros = design.names.map(() => 0);
        return { metric, outputVariance: 0, names: design.names, S1: zeros, S1_conf: zeros, ST: zeros, ST_conf: zeros };
      }
      const res = sobolAnalyze(design.names, y, { calcSecondOrder: design.calc_second_order, seed, numResamples });
      return { metric, outputVariance: variance, ...res };
    }),
  };
}
