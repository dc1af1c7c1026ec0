/** `gsweep archive <out>`: registers the command; the bundle itself is output/archive.ts. */
import * as path from 'node:path';
import type { Command } from 'commander';
import { GSWEEP_VERSION } from '../../output/manifest';
import { writeArchive } from '../../output/archive';
import { isS3Url } from '../../output/store';
import { log } from '../log';
import { outArgument, withStore } from '../store-out';

export function register(program: Command): void {
  program
    .command('archive')
    .description("pack a finished sweep into gmat-sweep's deterministic .zip bundle (script, manifest, per-run tables, MANIFEST.hash)")
    .argument('<out>', 'the sweep output directory (or s3://bucket/prefix)')
    .option('--output <file>', 'destination .zip (default: <out>.zip beside the directory)')
    .option('--script <file>', "the script the sweep ran (default: the sweep's copy in <out>/script/)")
    .option('--include-logs', "bundle each run's GmatLog.txt")
    .option('--allow-script-drift', "archive even if the script's canonical SHA-256 differs from the manifest's")
    .option('--json', 'print the summary as JSON')
    .action(async (out: string, o: { output?: string; script?: string; includeLogs?: boolean; allowScriptDrift?: boolean; json?: boolean }) => {
      const outDir = outArgument(out);
      // withStore: a store that cannot be reached is named with the fix, as for every reading command.
      const summary = await withStore(outDir, () => writeArchive({
        outDir,
        // An s3:// out: <last part of the prefix>.zip in the current directory.
        zipPath: o.output ?? (isS3Url(outDir) ? path.resolve(`${outDir.split('/').pop()}.zip`) : `${outDir.replace(/\/+$/, '')}.zip`),
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
