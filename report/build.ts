/**
 * Chooses the report's contents from the run set (header; grid responses, heatmaps, small
 * multiples and trajectories; Monte Carlo histograms, corner plot and running means; Sobol
 * indices; failures) and bounds them so the page stays small for any number of runs:
 *
 *   - at most MAX_COLUMNS output columns get charts (choose others with --columns);
 *   - line charts bin more than 400 runs into 400 means, heatmaps bin more than 2 500 cells;
 *   - scatter (corner) plots show an evenly spaced sample of at most 500 runs;
 *   - trajectory overlays show at most 40 runs, 200 points each;
 *   - running means are drawn at at most 400 values of n;
 *   - the failures table lists the first 200 failed runs (the manifest has them all).
 *
 * Pure: facts in, a model of sections with Vega-Lite specs out.
 */
import type { ManifestEntry } from '../output/manifest';
import { runningStats } from '../analysis/mc-convergence';
import { lastValues, runRanges, type SweepTable } from '../analysis/table';
import { sobolAnalyze } from '../sensitivity/sobol-indices';
import { sweepSummary } from '../analysis/summary';
import { bandOverTime, corner, heatmap, histogram, responseLine, runningMean, sobolBars, trajectories, type Spec } from './charts';
import type { SweepFacts } from './collect';

export const LIMITS = {
  columns: 12,
  linePoints: 400,
  heatmapCells: 2500,
  scatterRuns: 500,
  trajectoryRuns: 40,
  trajectoryPoints: 200,
  runningMeanPoints: 400,
  bandTimes: 400,
  failures: 200,
  facets: 12,
} as const;

export interface Chart {
  id: string;
  title: string;
  spec: Spec;
  note?: string;
}

export interface FailureRow {
  runId: number;
  status: string;
  overrides: string;
  error: string;
  log: string | null;
}

export interface Section {
  id: string;
  title: string;
  notes: string[];
  charts: Chart[];
  failures?: { rows: FailureRow[]; total: number };
}

export interface ReportModel {
  title: string;
  facts: [string, string][];
  sections: Section[];
}

const KIND_NAMES: Record<SweepFacts['kind'], string> = {
  grid: 'grid',
  monte_carlo: 'Monte Carlo',
  latin_hypercube: 'Latin hypercube',
  explicit: 'explicit rows',
  sobol: 'Sobol (Saltelli design)',
};

/** `k` indices spread evenly over [0, n), always including the first and last. */
export function evenly(n: number, k: number): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  if (k <= 1) return [0];
  return Array.from({ length: k }, (_, i) => Math.round((i * (n - 1)) / (k - 1)));
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return 'n/a';
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(2)} h`;
}

function wallTime(entries: ManifestEntry[]): number {
  const starts = entries.map((e) => (e.started_at ? Date.parse(e.started_at) : NaN)).filter(Number.isFinite);
  const ends = entries.map((e) => (e.ended_at ? Date.parse(e.ended_at) : NaN)).filter(Number.isFinite);
  if (!starts.length || !ends.length) return NaN;
  return (ends.reduce((a, b) => (b > a ? b : a)) - starts.reduce((a, b) => (b < a ? b : a))) / 1000;
}

function overridesText(o: Record<string, unknown>): string {
  return Object.entries(o)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(10)) : String(v)}`)
    .join(', ');
}

/** GMAT's own error lines from a manifest entry's stderr, without the noise around them. */
export function errorLines(stderr: string | null): string {
  if (!stderr) return '';
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const gmat = lines.filter((l) => /error|\*\*\*\*|exception|failed|not an allowed|timed out|timeout|killed/i.test(l));
  const chosen = gmat.length ? gmat : lines;
  const text = chosen.slice(0, 12).join('\n');
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

interface Finals {
  /** run id -> final value, ok runs only, per column. */
  byColumn: Map<string, Map<number, number>>;
  okRuns: number[];
}

function finalsOf(table: SweepTable | undefined, columns: string[]): Finals {
  const byColumn = new Map<string, Map<number, number>>();
  let okRuns: number[] = [];
  if (!table) return { byColumn, okRuns };
  for (const name of columns) {
    const col = table.columns.find((c) => c.name === name)!;
    const values = lastValues(table, col.values, true);
    byColumn.set(name, new Map(values.map((v) => [v.runId, v.value])));
    okRuns = values.map((v) => v.runId);
  }
  return { byColumn, okRuns };
}

function chooseColumns(table: SweepTable | undefined, wanted: string[] | undefined, notes: string[]): string[] {
  if (!table) return [];
  if (wanted && wanted.length) {
    const missing = wanted.filter((w) => !table.columns.some((c) => c.name === w));
    if (missing.length) throw new Error(`--columns ${missing.map((m) => JSON.stringify(m)).join(', ')}: not numeric columns of the table; numeric columns: ${table.columns.map((c) => c.name).join(', ')}`);
    return wanted;
  }
  const varying: string[] = [];
  const constant: string[] = [];
  for (const c of table.columns) {
    const finals = lastValues(table, c.values, true)
      .map((v) => v.value)
      .filter((v) => !Number.isNaN(v));
    if (finals.length === 0) continue;
    const lo = finals.reduce((a, b) => (b < a ? b : a), Infinity);
    const hi = finals.reduce((a, b) => (b > a ? b : a), -Infinity);
    if (hi - lo <= 1e-12 * Math.max(1, Math.abs(hi), Math.abs(lo))) constant.push(c.name);
    else varying.push(c.name);
  }
  if (constant.length) notes.push(`Final values the same in every run (not charted): ${constant.join(', ')}.`);
  if (varying.length > LIMITS.columns) {
    notes.push(`Charts show the first ${LIMITS.columns} of ${varying.length} varying columns; choose others with --columns.`);
    return varying.slice(0, LIMITS.columns);
  }
  return varying;
}

/** `Sat.EarthMJ2000Eq.X` -> `EarthMJ2000Eq.X`: corner-plot axes are small. */
function shortName(c: string): string {
  const parts = c.split('.');
  return parts.length > 2 ? parts.slice(1).join('.') : c;
}

/** A pair of position columns (`<prefix>.X`, `<prefix>.Y`) for the trajectory overlay. */
export function positionColumns(table: SweepTable | undefined): { x: string; y: string } | undefined {
  if (!table) return undefined;
  for (const c of table.columns) {
    if (!c.name.endsWith('.X')) continue;
    const y = `${c.name.slice(0, -2)}.Y`;
    if (table.columns.some((d) => d.name === y)) return { x: c.name, y };
  }
  return undefined;
}

function numericInput(entries: Map<number, ManifestEntry>, runId: number, key: string): number | undefined {
  const v = entries.get(runId)?.overrides[key];
  return typeof v === 'number' ? v : undefined;
}

function trajectoryChart(facts: SweepFacts, runs: number[], colorKey: string | undefined, entries: Map<number, ManifestEntry>): Chart | undefined {
  const table = facts.table;
  const pos = positionColumns(table);
  if (!table || !pos || runs.length === 0) return undefined;
  const xs = table.columns.find((c) => c.name === pos.x)!.values;
  const ys = table.columns.find((c) => c.name === pos.y)!.values;
  const ranges = new Map(runRanges(table).map((r) => [r.runId, r]));
  const chosen = evenly(runs.length, LIMITS.trajectoryRuns).map((i) => runs[i]);
  const rows: { x: number; y: number; run: number; i: number; c: number }[] = [];
  for (const run of chosen) {
    const r = ranges.get(run);
    if (!r) continue;
    const c = (colorKey ? numericInput(entries, run, colorKey) : undefined) ?? run;
    evenly(r.end - r.start, LIMITS.trajectoryPoints).forEach((k, i) => {
      const at = r.start + k;
      if (!Number.isNaN(xs[at]) && !Number.isNaN(ys[at])) rows.push({ x: xs[at], y: ys[at], run, i, c });
    });
  }
  if (!rows.length) return undefined;
  const shown = chosen.length < runs.length ? `${chosen.length} of ${runs.length} ok runs, evenly spaced` : `all ${runs.length} ok runs`;
  return {
    id: 'trajectories',
    title: `Trajectories: ${pos.y} against ${pos.x}`,
    spec: trajectories(rows, pos.x, pos.y, colorKey ?? 'run_id'),
    note: `${shown}; colour = ${colorKey ?? 'run_id'}.`,
  };
}

function gridSection(facts: SweepFacts, columns: string[], finals: Finals, entries: Map<number, ManifestEntry>): Section {
  const axes = facts.axes ?? {};
  const names = Object.keys(axes);
  const section: Section = { id: 'grid', title: `Grid: final value against ${names.join(' × ')}`, notes: [], charts: [] };
  const value = (run: number, key: string) => entries.get(run)?.overrides[key] as number | string | undefined;
  const failedRuns = [...entries.values()].filter((e) => e.status === 'failed').map((e) => e.run_id);
  for (const column of columns) {
    const per = finals.byColumn.get(column)!;
    const runs = [...per.keys()].filter((r) => !Number.isNaN(per.get(r)!));
    if (names.length === 1) {
      const rows = runs.map((r) => ({ x: value(r, names[0])!, y: per.get(r)! })).filter((r) => r.x !== undefined);
      section.charts.push({
        id: `grid-${column}`,
        title: `${column} (final) against ${names[0]}`,
        spec: responseLine(rows, names[0], column, LIMITS.linePoints),
        ...(rows.length > LIMITS.linePoints ? { note: `${rows.length} runs shown as ${LIMITS.linePoints} bins (mean per bin).` } : {}),
      });
      continue;
    }
    // The two axes with the most values span the heatmap; the others make the small multiples.
    const bySize = [...names].sort((x, y) => axes[y].length - axes[x].length);
    const [a, b] = bySize;
    const rest = names.filter((k) => k !== a && k !== b);
    const numericAxes = typeof axes[a][0] === 'number' && typeof axes[b][0] === 'number';
    const cells = axes[a].length * axes[b].length;
    const binned = numericAxes && cells > LIMITS.heatmapCells;
    const combos = rest.reduce((n, k) => n * axes[k].length, 1);
    const facetted = rest.length > 0 && combos <= LIMITS.facets;
    const facetOf = (r: number) => (facetted ? { facet: rest.map((k) => `${k}=${value(r, k)}`).join(', ') } : {});
    const rows = [
      ...runs.map((r) => ({ x: value(r, a)!, y: value(r, b)!, v: per.get(r)!, failed: false, ...facetOf(r) })),
      // Runs GMAT rejected keep their cell, drawn as failed.
      ...failedRuns.map((r) => ({ x: value(r, a)!, y: value(r, b)!, v: null, failed: true, ...facetOf(r) })),
    ];
    const notes: string[] = [];
    if (binned) notes.push(`${cells} cells binned to at most 40 × 40 (mean per bin).`);
    if (rest.length && !facetted) notes.push(`mean over ${rest.join(', ')} (${combos} combinations; more than ${LIMITS.facets} small multiples).`);
    if (facetted) notes.push(`one panel per ${rest.join(', ')} combination.`);
    section.charts.push({
      id: `grid-${column}`,
      title: `${column} (final) over ${a} × ${b}`,
      spec: heatmap(rows, a, b, column, { binned, facetTitle: rest.join(', ') }),
      ...(notes.length ? { note: notes.join(' ') } : {}),
    });
  }
  const distinct = (k: string) => new Set(finals.okRuns.map((r) => value(r, k))).size;
  const colorKey = names.filter((k) => typeof axes[k][0] === 'number').sort((x, y) => distinct(y) - distinct(x))[0];
  const traj = trajectoryChart(facts, finals.okRuns, colorKey, entries);
  if (traj) section.charts.push(traj);
  return section;
}

function dispersionSection(facts: SweepFacts, columns: string[], finals: Finals, entries: Map<number, ManifestEntry>): Section {
  const section: Section = { id: 'dispersion', title: `${KIND_NAMES[facts.kind]}: distribution of final values`, notes: [], charts: [] };
  for (const column of columns) {
    const values = [...finals.byColumn.get(column)!.values()].filter((v) => !Number.isNaN(v));
    section.charts.push({ id: `hist-${column}`, title: `${column} (final): histogram`, spec: histogram(values, column) });
  }
  // Corner plot: numeric inputs and the first outputs, on a bounded sample of runs.
  const inputs = facts.inputs.filter((k) => finals.okRuns.some((r) => numericInput(entries, r, k) !== undefined)).slice(0, 3);
  const outputs = columns.slice(0, Math.max(2, 6 - inputs.length)).slice(0, 6 - inputs.length);
  const vars = [...inputs.map((k, i) => ({ key: `i${i}`, title: k, from: (r: number) => numericInput(entries, r, k) })), ...outputs.map((c, i) => ({ key: `o${i}`, title: shortName(c), from: (r: number) => finals.byColumn.get(c)!.get(r) }))];
  if (vars.length >= 2 && finals.okRuns.length >= 2) {
    const sample = evenly(finals.okRuns.length, LIMITS.scatterRuns).map((i) => finals.okRuns[i]);
    const rows = sample.map((r) => Object.fromEntries(vars.map((v) => [v.key, v.from(r) ?? NaN]))).filter((row) => Object.values(row).every((v) => Number.isFinite(v)));
    section.charts.push({
      id: 'corner',
      title: 'Corner plot: inputs against final outputs',
      spec: corner(rows, vars),
      note: sample.length < finals.okRuns.length ? `${sample.length} of ${finals.okRuns.length} ok runs, evenly spaced by run_id.` : undefined,
    });
  }
  if (facts.kind === 'monte_carlo' || facts.kind === 'latin_hypercube') {
    for (const column of columns.slice(0, 6)) {
      const per = finals.byColumn.get(column)!;
      const ordered = finals.okRuns.map((r) => per.get(r)!).filter((v) => !Number.isNaN(v));
      const stats = runningStats(ordered);
      const rows = evenly(stats.length, LIMITS.runningMeanPoints).map((i) => {
        const s = stats[i];
        const half = Number.isNaN(s.se) ? null : 1.96 * s.se;
        return { n: s.n, mean: s.mean, lo: half === null ? null : s.mean - half, hi: half === null ? null : s.mean + half };
      });
      section.charts.push({ id: `conv-${column}`, title: `${column} (final): running mean, 95 % band`, spec: runningMean(rows, column) });
    }
    if (columns.length > 6) section.notes.push('Running means and bands over time are drawn for the first 6 charted columns; `gsweep mc-convergence` and `gsweep summary` give every column.');
    const band = bandCharts(facts.table!, columns.slice(0, 6));
    section.charts.push(...band);
  }
  const traj = trajectoryChart(facts, finals.okRuns, inputs[0], entries);
  if (traj) section.charts.push(traj);
  return section;
}

/** Median and 5-95 % band across ok runs at each time step, against time since the first epoch. */
function bandCharts(table: SweepTable, columns: string[]): Chart[] {
  const summary = sweepSummary(table, { columns, include: [], q: [0.05, 0.5, 0.95] });
  const times = table.time.filter((t): t is bigint => t !== null);
  if (summary.index.length < 2 || times.length === 0) return [];
  const t0 = times.reduce((a, b) => (b < a ? b : a));
  // Group keys are ISO strings; their order is the time order, and the nanoseconds come back from the table.
  const sorted = [...new Set(times)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const span = Number(sorted[sorted.length - 1] - t0) / 1e9;
  const [unit, scale] = span > 3 * 86400 ? ['days', 86400] : span > 3 * 3600 ? ['hours', 3600] : span > 180 ? ['minutes', 60] : ['seconds', 1];
  if (sorted.length !== summary.index.length) return [];
  const picks = evenly(sorted.length, LIMITS.bandTimes);
  return columns.map((column) => ({
    id: `band-${column}`,
    title: `${column}: median and 5–95 % band across runs`,
    spec: bandOverTime(
      picks.map((g) => ({
        t: Number(sorted[g] - t0) / 1e9 / scale,
        lo: summary.values['q0.05'][column][g],
        mid: summary.values['q0.5'][column][g],
        hi: summary.values['q0.95'][column][g],
      })),
      column,
      `time since first epoch (${unit})`,
    ),
    ...(sorted.length > LIMITS.bandTimes ? { note: `${LIMITS.bandTimes} of ${sorted.length} time steps, evenly spaced.` } : {}),
  }));
}

function sobolSection(facts: SweepFacts, columns: string[], finals: Finals): Section | undefined {
  const design = facts.sobol;
  if (!design) return undefined;
  const section: Section = { id: 'sobol', title: 'Sobol sensitivity of final values', notes: [], charts: [] };
  if (finals.okRuns.length !== design.run_count) {
    section.notes.push(`${design.run_count - finals.okRuns.length} run(s) of the design are not ok: indices need every run (finish with \`gsweep resume\`).`);
    return section;
  }
  const seed = design.seed >= 1 ? design.seed : 1;
  section.notes.push(`SALib's estimators (S1: Saltelli 2010, ST: Jansen); bars are indices, lines 95 % bootstrap intervals (100 resamples, seed ${seed}). \`gsweep sobol-analyze\` prints them.`);
  for (const column of columns.slice(0, 6)) {
    const per = finals.byColumn.get(column)!;
    const y = finals.okRuns.map((r) => per.get(r)!);
    if (y.some((v) => !Number.isFinite(v))) continue;
    const res = sobolAnalyze(design.names, y, { calcSecondOrder: design.calc_second_order, seed });
    const rows = design.names.flatMap((param, j) => [
      { param, kind: 'first order S1', value: res.S1[j], lo: res.S1[j] - res.S1_conf[j], hi: res.S1[j] + res.S1_conf[j] },
      { param, kind: 'total ST', value: res.ST[j], lo: res.ST[j] - res.ST_conf[j], hi: res.ST[j] + res.ST_conf[j] },
    ]);
    section.charts.push({ id: `sobol-${column}`, title: `${column} (final): Sobol indices`, spec: sobolBars(rows) });
  }
  return section;
}

function failuresSection(entries: ManifestEntry[], outDir: string): Section | undefined {
  const bad = entries.filter((e) => e.status !== 'ok');
  if (!bad.length) return undefined;
  const rows = bad.slice(0, LIMITS.failures).map((e) => ({
    runId: e.run_id,
    status: e.status,
    overrides: overridesText(e.overrides),
    error: errorLines(e.stderr),
    log: e.log_path ? (e.log_path.startsWith(`${outDir}/`) ? e.log_path.slice(outDir.length + 1) : e.log_path) : null,
  }));
  const failed = bad.filter((e) => e.status === 'failed').length;
  return {
    id: 'failures',
    title: `Runs that did not succeed (${failed} failed, ${bad.length - failed} cancelled)`,
    notes: bad.length > LIMITS.failures ? [`The first ${LIMITS.failures} of ${bad.length} are listed; manifest.jsonl has them all.`] : [],
    charts: [],
    failures: { rows, total: bad.length },
  };
}

export function buildReport(facts: SweepFacts, options: { columns?: string[] } = {}): ReportModel {
  const entries = facts.entries;
  const byId = new Map(entries.map((e) => [e.run_id, e]));
  const counts = { ok: 0, failed: 0, cancelled: 0 } as Record<string, number>;
  for (const e of entries) counts[e.status] = (counts[e.status] ?? 0) + 1;
  const total = Number(facts.header.run_count ?? entries.length);
  const durations = entries.filter((e) => e.status !== 'cancelled' && Number.isFinite(e.duration_s)).map((e) => e.duration_s);
  const busy = durations.reduce((a, b) => a + b, 0);

  const header: Section = { id: 'header', title: 'Sweep', notes: [], charts: [] };
  if (durations.length) header.charts.push({ id: 'durations', title: 'Run durations', spec: histogram(durations, 'run duration (s)', { color: '#72b7b2' }) });
  const columns = chooseColumns(facts.table, options.columns, header.notes);
  if (!facts.table) header.notes.push('No report table was written (no run produced a ReportFile): only the header and failures are shown.');
  if (facts.otherTables.length) header.notes.push(`Other tables (not charted): ${facts.otherTables.join(', ')}.`);
  const finals = finalsOf(facts.table, columns);

  const sections: Section[] = [header];
  if (columns.length) {
    if (facts.kind === 'grid') sections.push(gridSection(facts, columns, finals, byId));
    else sections.push(dispersionSection(facts, columns, finals, byId));
    const sobol = sobolSection(facts, columns, finals);
    if (sobol) sections.push(sobol);
  }
  const failures = failuresSection(entries, facts.outDir);
  if (failures) sections.push(failures);

  const spec = facts.header.parameter_spec as Record<string, unknown> | undefined;
  const setText =
    facts.kind === 'grid'
      ? Object.entries(facts.axes ?? {})
          .map(([k, v]) => `${k} (${v.length} values)`)
          .join(' × ')
      : facts.kind === 'monte_carlo' || facts.kind === 'latin_hypercube'
        ? `${Object.entries((spec?.perturb ?? {}) as Record<string, unknown[]>)
            .map(([k, v]) => `${k} ~ ${v[0]}(${v.slice(1).join(', ')})`)
            .join('; ')} · seed ${String(spec?.seed)}`
        : facts.kind === 'sobol'
          ? `${facts.sobol!.names.join(', ')} · N=${facts.sobol!.n} · seed ${facts.sobol!.seed}`
          : `${facts.inputs.join(', ')}`;
  const facts_: [string, string][] = [
    ['script', facts.scriptName],
    ['script SHA-256', facts.scriptSha256],
    ['run set', `${KIND_NAMES[facts.kind]}: ${setText}`],
    ['runs', `${total} · ${counts.ok ?? 0} ok · ${counts.failed ?? 0} failed · ${counts.cancelled ?? 0} cancelled${entries.length < total ? ` · ${total - entries.length} not run` : ''}`],
    ['GMAT', facts.engine === 'stand-in' ? 'stand-in engine (a test double of GmatConsole, not GMAT)' : `${facts.gmatVersion}`],
    ['wall time', `${seconds(wallTime(entries))} (runs busy ${seconds(busy)} in total; median run ${seconds(durations.length ? [...durations].sort((a, b) => a - b)[Math.floor(durations.length / 2)] : NaN)})`],
    ['table', facts.tableKey ? `${facts.tableKey}.parquet · ${facts.table!.rowCount} rows` : 'none'],
    ['produced by', String(facts.header.gmat_sweep_version ?? '')],
  ];
  return { title: `${facts.scriptName} · ${KIND_NAMES[facts.kind]} · ${total} runs`, facts: facts_, sections };
}
