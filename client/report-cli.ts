/**
 * `gsweep report <out>`: writes `<out>/report.html` (atomically) from a finished sweep's
 * output directory, and with --open shows it in the desktop's browser.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withLocalView } from './store-out';
import type { Command } from 'commander';
import { writeFileAtomic } from '../output/atomic';
import { AnalysisError } from '../analysis/table';
import { buildReport } from '../report/build';
import { collectSweep } from '../report/collect';
import { renderReport } from '../report/render';

export const REPORT_NAME = 'report.html';

/** Builds and writes the report; returns its path and size. From code: the same function. */
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

function openInBrowser(file: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [file]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', file]] : ['xdg-open', [file]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', (err) => process.stderr.write(`gsweep: could not open a browser (${err.message}); open ${file} yourself\n`));
  child.unref();
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write <out>/report.html: one self-contained page of charts, summary and failures (no network needed to view it)')
    .argument('<out>', 'output directory of a finished sweep')
    .option('--columns <list>', 'numeric report columns to chart (default: every column that varies, at most 12)', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .option('--table <key>', 'aggregate table (default: the only report__*.parquet)')
    .option('--output <file>', 'also write the page to this local file (an s3:// out gets report.html beside its tables)')
    .option('--open', 'open the page in the default browser')
    .option('--json', 'print {file, bytes, charts} as JSON')
    .action(async (out: string, o: { columns?: string[]; table?: string; output?: string; open?: boolean; json?: boolean }) => {
      const result = await withLocalView(out, 'aggregate', async (view) => {
        const written = await writeSweepReport(view.dir, { columns: o.columns, table: o.table });
        if (o.output) fs.copyFileSync(written.file, path.resolve(o.output));
        if (view.workspace) {
          // Uploaded beside the tables; the local page (--output) is the one to open.
          await view.workspace.store.putFile('report.html', written.file);
          return { ...written, file: o.output ? path.resolve(o.output) : view.display(written.file) };
        }
        return o.output ? { ...written, file: path.resolve(o.output) } : written;
      });
      if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`${result.file} (${result.charts} charts, ${(result.bytes / 1024).toFixed(0)} KiB)\n`);
      if (o.open) openInBrowser(result.file);
    });
}
