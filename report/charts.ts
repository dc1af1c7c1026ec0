/**
 * Vega-Lite specifications of the report's charts. Pure: plain rows in, a spec out. Field
 * names inside the data are fixed short keys (`x`, `y`, `v`, ...) and every axis carries an
 * explicit title, because GMAT names contain dots that Vega-Lite would read as nesting.
 * Every chart aggregates or is fed a bounded sample, so its SVG stays small whatever the
 * number of runs (see build.ts for the limits).
 */
import type { TopLevelSpec } from 'vega-lite';

export type Spec = TopLevelSpec;

const W = 300;
const H = 190;
const BASE = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', background: 'white', config: { font: 'sans-serif', axis: { labelFontSize: 10, titleFontSize: 11 }, view: { stroke: '#ddd' } } } as const;

/** Number of runs (or anything) per bin of a quantity. */
export function histogram(values: number[], title: string, options: { maxbins?: number; color?: string } = {}): Spec {
  return {
    ...BASE,
    width: W,
    height: H,
    data: { values: values.map((v) => ({ v })) },
    mark: { type: 'bar', color: options.color ?? '#4c78a8', binSpacing: 0 },
    encoding: {
      x: { field: 'v', type: 'quantitative', bin: { maxbins: options.maxbins ?? 30 }, title },
      y: { aggregate: 'count', type: 'quantitative', title: 'runs' },
    },
  } as Spec;
}

/**
 * Final value against one swept parameter. Numeric parameters on a linear axis (binned to
 * at most `maxPoints` means when there are more runs), text parameters as categories.
 */
export function responseLine(rows: { x: number | string; y: number }[], xTitle: string, yTitle: string, maxPoints = 400): Spec {
  const numeric = rows.every((r) => typeof r.x === 'number');
  const binned = numeric && rows.length > maxPoints;
  return {
    ...BASE,
    width: W,
    height: H,
    data: { values: rows },
    mark: { type: 'line', point: !binned, color: '#4c78a8' },
    encoding: {
      x: binned
        ? { field: 'x', type: 'quantitative', bin: { maxbins: maxPoints }, title: `${xTitle} (binned)` }
        : { field: 'x', type: numeric ? 'quantitative' : 'ordinal', title: xTitle, scale: numeric ? { zero: false } : undefined },
      y: binned ? { aggregate: 'mean', field: 'y', type: 'quantitative', title: `mean ${yTitle}`, scale: { zero: false } } : { field: 'y', type: 'quantitative', title: yTitle, scale: { zero: false } },
    },
  } as Spec;
}

/**
 * Final value over two swept parameters; `facet` makes small multiples over the other axes.
 * Rows marked `failed` (runs GMAT rejected) are drawn as grey cells with a cross.
 */
export function heatmap(
  rows: { x: number | string; y: number | string; v: number | null; failed?: boolean; facet?: string }[],
  xTitle: string,
  yTitle: string,
  vTitle: string,
  options: { binned?: boolean; facetTitle?: string } = {},
): Spec {
  const axis = (field: 'x' | 'y', title: string) =>
    options.binned
      ? { field, type: 'quantitative', bin: { maxbins: 40 }, title: `${title} (binned)` }
      : { field, type: 'ordinal', title, sort: field === 'x' ? 'ascending' : 'descending', axis: field === 'x' ? { labelAngle: 0, labelOverlap: true } : {} };
  const position = { x: axis('x', xTitle), y: axis('y', yTitle) };
  const anyFailed = !options.binned && rows.some((r) => r.failed);
  const layer = [
    {
      transform: [{ filter: 'datum.failed !== true' }],
      mark: { type: 'rect' },
      encoding: { ...position, color: { aggregate: 'mean', field: 'v', type: 'quantitative', title: vTitle, scale: { scheme: 'viridis' } } },
    },
    ...(anyFailed
      ? [
          { transform: [{ filter: 'datum.failed === true' }], mark: { type: 'rect', color: '#d4d4d4' }, encoding: position },
          { transform: [{ filter: 'datum.failed === true' }], mark: { type: 'text', text: '✕ failed', color: '#8a1c1c', fontSize: 10 }, encoding: position },
        ]
      : []),
  ];
  if (rows.some((r) => r.facet !== undefined)) {
    return {
      ...BASE,
      data: { values: rows },
      facet: { field: 'facet', type: 'ordinal', title: options.facetTitle ?? '' },
      columns: 3,
      spec: { width: 180, height: 150, layer },
      resolve: { scale: { color: 'shared' } },
    } as Spec;
  }
  return { ...BASE, width: W, height: H, data: { values: rows }, layer } as Spec;
}

/** X-Y trajectories of several runs overlaid, coloured by a run's parameter value. */
export function trajectories(rows: { x: number; y: number; run: number; i: number; c: number }[], xTitle: string, yTitle: string, colorTitle: string): Spec {
  return {
    ...BASE,
    width: 360,
    height: 360,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 1, opacity: 0.8 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: yTitle, scale: { zero: false } },
      detail: { field: 'run', type: 'nominal' },
      order: { field: 'i', type: 'quantitative' },
      color: { field: 'c', type: 'quantitative', title: colorTitle, scale: { scheme: 'viridis' } },
    },
  } as Spec;
}

/**
 * Corner plot: lower triangle of pairwise scatter plots of inputs and outputs, each
 * variable's histogram on the diagonal.
 */
export function corner(rows: Record<string, number>[], vars: { key: string; title: string }[]): Spec {
  const size = vars.length > 4 ? 110 : 140;
  const last = vars.length - 1;
  const cell = (i: number, j: number) => {
    const xv = vars[j];
    const yv = vars[i];
    const xAxis = i === last ? { title: xv.title, titleLimit: size + 60, titleFontSize: 10, labelOverlap: true, tickCount: 4 } : { title: null, labels: false, ticks: false, tickCount: 4 };
    const yAxis = j === 0 ? { title: yv.title, titleLimit: size + 30, titleFontSize: 10, tickCount: 4 } : { title: null, labels: false, ticks: false, tickCount: 4 };
    if (j > i) {
      // Upper triangle: an empty cell keeps the grid aligned.
      return { width: size, height: size, mark: { type: 'point', opacity: 0 }, encoding: {}, view: { stroke: null } };
    }
    if (i === j) {
      return {
        width: size,
        height: size,
        mark: { type: 'bar', color: '#4c78a8', binSpacing: 0 },
        encoding: {
          x: { field: xv.key, type: 'quantitative', bin: { maxbins: 20 }, axis: xAxis },
          y: { aggregate: 'count', type: 'quantitative', axis: j === 0 ? { title: 'runs', tickCount: 4 } : { title: null, tickCount: 3 } },
        },
      };
    }
    return {
      width: size,
      height: size,
      // No per-point ARIA labels: up to 500 points per panel would dominate the page's size.
      mark: { type: 'point', filled: true, size: 9, opacity: 0.5, color: '#4c78a8', aria: false },
      encoding: {
        x: { field: xv.key, type: 'quantitative', scale: { zero: false }, axis: xAxis },
        y: { field: yv.key, type: 'quantitative', scale: { zero: false }, axis: yAxis },
      },
    };
  };
  return {
    ...BASE,
    data: { values: rows },
    columns: vars.length,
    spacing: 8,
    concat: vars.flatMap((_, i) => vars.map((__, j) => cell(i, j))),
  } as Spec;
}

/** Running mean against n with its 95 % confidence band (mean ± 1.96 SE). */
export function runningMean(rows: { n: number; mean: number; lo: number | null; hi: number | null }[], title: string): Spec {
  return {
    ...BASE,
    width: W,
    height: H,
    data: { values: rows },
    layer: [
      { mark: { type: 'area', color: '#9ecae9', opacity: 0.6 }, encoding: { x: { field: 'n', type: 'quantitative', title: 'runs (n)' }, y: { field: 'lo', type: 'quantitative', title: `running mean of ${title}`, scale: { zero: false } }, y2: { field: 'hi' } } },
      { mark: { type: 'line', color: '#1f4e79' }, encoding: { x: { field: 'n', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative' } } },
    ],
  } as Spec;
}

/** Median of a column across runs over time with its 5-95 % band (gmat-sweep sweep_band_plot). */
export function bandOverTime(rows: { t: number; lo: number | null; mid: number | null; hi: number | null }[], title: string, timeTitle: string): Spec {
  return {
    ...BASE,
    width: W,
    height: H,
    data: { values: rows },
    layer: [
      { mark: { type: 'area', color: '#fdd0a2', opacity: 0.8 }, encoding: { x: { field: 't', type: 'quantitative', title: timeTitle }, y: { field: 'lo', type: 'quantitative', title, scale: { zero: false } }, y2: { field: 'hi' } } },
      { mark: { type: 'line', color: '#d94801' }, encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'mid', type: 'quantitative' } } },
    ],
  } as Spec;
}

/** Sobol indices (S1 and ST) per parameter with their confidence intervals. */
export function sobolBars(rows: { param: string; kind: string; value: number; lo: number; hi: number }[]): Spec {
  return {
    ...BASE,
    data: { values: rows },
    facet: { column: { field: 'kind', type: 'nominal', title: null } },
    spec: {
      width: 200,
      height: { step: 22 },
      layer: [
        { mark: { type: 'bar', color: '#4c78a8' }, encoding: { y: { field: 'param', type: 'nominal', title: null }, x: { field: 'value', type: 'quantitative', title: 'index' } } },
        { mark: { type: 'rule', color: '#222' }, encoding: { y: { field: 'param', type: 'nominal' }, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } },
      ],
    },
  } as Spec;
}
