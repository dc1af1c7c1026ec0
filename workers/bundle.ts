/**
 * The workflow bundle, built once per source version and cached on disk: webpack takes
 * seconds, and every `gsweep run`, worker start and test would otherwise pay it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { gsweepCacheDir } from '../client/temporal-cli';

const REPO_ROOT = path.resolve(__dirname, '..');
export const WORKFLOWS_PATH = path.join(REPO_ROOT, 'workflows', 'index.ts');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(full);
      return entry.name.endsWith('.ts') ? [full] : [];
    })
    .sort();
}

function bundleHash(): string {
  const hash = createHash('sha256');
  const sdk = JSON.parse(fs.readFileSync(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as { version: string };
  hash.update(sdk.version);
  for (const file of [...sourceFiles(path.join(REPO_ROOT, 'workflows')), ...sourceFiles(path.join(REPO_ROOT, 'spec'))]) {
    hash.update(path.relative(REPO_ROOT, file));
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

export async function workflowBundlePath(): Promise<string> {
  const dir = path.join(gsweepCacheDir(), 'workflow-bundles');
  const file = path.join(dir, `sweep-${bundleHash()}.js`);
  if (fs.existsSync(file)) return file;
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  fs.mkdirSync(dir, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, code);
  fs.renameSync(temp, file);
  return file;
}
