/**
 * The HTML report of a finished sweep, from code: `gsweep report` writes it the same way and
 * adds a local copy (--output) and opening it.
 */
import { openStore } from '../output/open-store';
import { displayOf, type Store } from '../output/store';
import { AnalysisError } from '../analysis/table';
import { buildReport } from '../report/build';
import { collectSweep } from '../report/collect';
import { renderReport } from '../report/render';

/** The report's file name in the output directory. */
export const REPORT_NAME = 'report.html';

/** The page of the sweep in `store` and how many charts it has; nothing is written. */
export async function renderSweepReport(store: Store, options: { columns?: string[]; table?: string } = {}): Promise<{ html: string; charts: number }> {
  const facts = await collectSweep(store, { table: options.table });
  let model;
  try {
    model = buildReport(facts, { columns: options.columns });
  } catch (err) {
    throw new AnalysisError((err as Error).message);
  }
  const html = await renderReport(model);
  return { html, charts: model.sections.reduce((n, s) => n + s.charts.length, 0) };
}

/**
 * Builds the report of the sweep in `out` (a directory, `s3://bucket/prefix`, or its Store)
 * and writes `report.html` beside its tables, atomically; returns how the page is named (its
 * path, or its `s3://` address), its size and number of charts. Throws AnalysisError when the
 * out holds no finished sweep, or the columns asked for cannot be charted.
 */
export async function writeSweepReport(out: string | Store, options: { columns?: string[]; table?: string } = {}): Promise<{ file: string; bytes: number; charts: number }> {
  const store = typeof out === 'string' ? openStore(out) : out;
  const { html, charts } = await renderSweepReport(store, options);
  await store.put(REPORT_NAME, html);
  return { file: displayOf(store, REPORT_NAME), bytes: Buffer.byteLength(html), charts };
}
