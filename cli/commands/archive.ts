/** `gsweep archive <out>`: registers the command; the bundle itself is output/archive.ts. */
import * as path from 'node:path';
import type { Command } from 'commander';
import { GSWEEP_VERSION } from '../../output/manifest';
import { writeArchive } from '../../output/archive';
import { log } from '../log';
import { withLocalView } from '../store-out';

export function register(program: Command): void {
  program
    .command('archive')
    .description("pack a finished sweep into gmat-sweep's deterministic .zip bundle (script, manifest, per-run tables, MANIFEST.hash)")
    .argument('<out>', 'the sweep output directory')
    .option('--output <file>', 'destination .zip (default: <out>.zip beside the directory)')
    .option('--script <file>', "the script the sweep ran (default: the sweep's copy in <out>/script/)")
    .option('--include-logs', "bundle each run's GmatLog.txt")
    .option('--allow-script-drift', "archive even if the script's canonical SHA-256 differs from the manifest's")
    .option('--json', 'print the summary as JSON')
    .action(async (out: string, o: { output?: string; script?: string; includeLogs?: boolean; allowScriptDrift?: boolean; json?: boolean }) => {
      const summary = await withLocalView(out, 'all', (view) => writeArchive({
        outDir: view.dir,
        // An s3:// out: <last part of the prefix>.zip in the current directory.
        zipPath: o.output ?? (view.workspace ? path.resolve(`${view.out.split('/').pop()}.zip`) : `${view.dir.replace(/\/+$/, '')}.zip`),
        scriptPath: o.script,
        includeLogs: o.includeLogs,
        allowScriptDrift: o.allowScriptDrift,
        packagerVersion: `gsweep ${GSWEEP_VERSION}`,
      }));
      if (o.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else {
        log(`gsweep: ${summary.runs} runs (${summary.ok} ok, ${summary.failed} failed, ${summary.cancelled} cancelled), ${summary.members} files`);
        process.stdout.write(`archive: ${summary.zipPath}\n`);
      }
    });
}
