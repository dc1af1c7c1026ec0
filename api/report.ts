/**
 * The HTML report of a finished sweep, from code: `gsweep report` writes it the same way and
 * adds uploading it beside an object store's tables and opening it.
 */
import * as path from 'node:path';
import { writeFileAtomic } from '../output/atomic';
import { AnalysisError } from '../analysis/table';
import { buildReport } from '../report/build';
import { collectSweep } from '../report/collect';
import { renderReport } from '../report/render';

/** The report's file name in the output directory. */
export const REPORT_NAME = 'report.html';

/**
 * Builds the report of the sweep in `out` and writes `<out>/report.html` atomically; returns its
 * path, size and number of charts. Throws AnalysisError when the directory holds no finished
 * sweep, or the columns asked for cannot be charted.
 */
export async function writeSweepReport(out: string, options: { columns?: string[]; table?: string } = {}): Promise<{ file: string; bytes: number; charts: number }> {
  const facts = await collectSweep(out, { table: options.table });
  let model;
  try {
    model = buildReport(facts, { columns: options.columns });
  } catch (err) {
    throw new AnalysisError((err as Error).message);
  }
  const html = await renderReport(model);
  const file = path.join(facts.outDir, REPORT_NAME);
  writeFileAtomic(file, html);
  const charts = model.sections.reduce((n, s) => n + s.charts.length, 0);
  return { file, bytes: Buffer.byteLength(html), charts };
}
