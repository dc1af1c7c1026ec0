/** `gsweep show`: summarises a finished sweep from its output directory (no Temporal needed). */
import type { Command } from 'commander';
import { RequestError } from '../../request/request';
import { summarizeManifest } from '../../api/manifest-summary';
import { MANIFEST_NAME } from '../../output/layout';
import { displayOf, type Store } from '../../output/store';
import { withStore } from '../store-out';

async function show(store: Store, json?: boolean): Promise<void> {
  const shown = store.url;
  const missing = () =>
    new RequestError(
      'out',
      `${shown} has no manifest.jsonl, so it is not a finished gsweep output directory (a running or interrupted sweep writes it at the end; \`gsweep resume ${shown}\` finishes one)`,
    );
  if (!(await store.exists(MANIFEST_NAME))) throw missing();
  let summary: ReturnType<typeof summarizeManifest>;
  try {
    const text = await store.get(MANIFEST_NAME, { what: 'manifest' });
    if (text === undefined) throw missing();
    summary = summarizeManifest(text.toString('utf8'));
  } catch (err) {
    if (err instanceof RequestError) throw err;
    throw new RequestError('out', `${displayOf(store, MANIFEST_NAME)} is unreadable (${(err as Error).message.split('\n')[0]})`);
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
  const tables: string[] = [];
  // Whatever sits at the top named *.parquet, as a directory listing shows it.
  for await (const e of store.list('', { shallow: true, special: true })) if (e.key.endsWith('.parquet')) tables.push(e.key);
  for (const key of tables.sort()) process.stdout.write(`${displayOf(store, key)}\n`);
}

export function register(program: Command): void {
  program
    .command('show')
    .description('summarise a finished sweep from its output directory (no Temporal needed)')
    .argument('<out>')
    .option('--json', 'print JSON')
    .action((out: string, o: { json?: boolean }) => withStore(out, (store) => show(store, o.json)));
}
