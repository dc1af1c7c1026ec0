/**
 * `gsweep report <out>`: writes `report.html` beside a finished sweep's tables (api/report.ts),
 * for a directory and an `s3://` out alike; --output also writes it to a local file, and
 * --open shows the local page in the desktop's browser.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { REPORT_NAME, renderSweepReport } from '../../api/report';
import { displayOf } from '../../output/store';
import { list } from '../options';
import { withStore } from '../store-out';

function openInBrowser(file: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [file]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', file]] : ['xdg-open', [file]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', (err) => process.stderr.write(`gsweep: could not open a browser (${err.message}); open ${file} yourself\n`));
  child.unref();
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write <out>/report.html: one self-contained page of charts, summary and failures (no network needed to view it)')
    .argument('<out>', 'output directory of a finished sweep')
    .option('--columns <list>', 'numeric report columns to chart (default: every column that varies, at most 12)', list)
    .option('--table <key>', 'aggregate table (default: the only report__*.parquet)')
    .option('--output <file>', 'also write the page to this local file (an s3:// out gets report.html beside its tables)')
    .option('--open', 'open the page in the default browser')
    .option('--json', 'print {file, bytes, charts} as JSON')
    .action(async (out: string, o: { columns?: string[]; table?: string; output?: string; open?: boolean; json?: boolean }) => {
      const result = await withStore(out, async (store) => {
        const { html, charts } = await renderSweepReport(store, { columns: o.columns, table: o.table });
        await store.put(REPORT_NAME, html);
        // The local page (--output) is the one to name and open.
        if (o.output) fs.writeFileSync(path.resolve(o.output), html);
        return { file: o.output ? path.resolve(o.output) : displayOf(store, REPORT_NAME), bytes: Buffer.byteLength(html), charts };
      });
      if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`${result.file} (${result.charts} charts, ${(result.bytes / 1024).toFixed(0)} KiB)\n`);
      if (o.open) openInBrowser(result.file);
    });
}
