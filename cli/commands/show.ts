/** `gsweep show`: summarises a finished sweep from its output directory (no Temporal needed). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { RequestError } from '../../request/request';
import { readManifestSummary } from '../../api/manifest-summary';
import { withLocalView, type LocalView } from '../store-out';

async function show(view: LocalView, json?: boolean): Promise<void> {
  const dir = view.dir;
  const shown = view.out;
  if (!fs.existsSync(path.join(dir, 'manifest.jsonl'))) {
    throw new RequestError(
      'out',
      `${shown} has no manifest.jsonl, so it is not a finished gsweep output directory (a running or interrupted sweep writes it at the end; \`gsweep resume ${shown}\` finishes one)`,
    );
  }
  let summary: ReturnType<typeof readManifestSummary>;
  try {
    summary = readManifestSummary(dir);
  } catch (err) {
    throw new RequestError('out', `${view.display(path.join(dir, 'manifest.jsonl'))} is unreadable (${(err as Error).message.split('\n')[0]})`);
  }
  const { header, counts } = summary;
  if (json) {
    process.stdout.write(`${JSON.stringify({ header, counts }, null, 2)}\n`);
    return;
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const spec = header.parameter_spec as { _kind: string };
  process.stdout.write(
    `${total} runs (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}) · ${spec._kind} · script sha256 ${header.script_sha256}\n`,
  );
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort()) process.stdout.write(`${view.display(path.join(dir, f))}\n`);
}

export function register(program: Command): void {
  program
    .command('show')
    .description('summarise a finished sweep from its output directory (no Temporal needed)')
    .argument('<out>')
    .option('--json', 'print JSON')
    .action((out: string, o: { json?: boolean }) => withLocalView(out, 'aggregate', (view) => show(view, o.json)));
}
