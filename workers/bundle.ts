/**
 * The workflow bundle, built once per source version and cached on disk: webpack takes
 * seconds, and every `gsweep run`, worker start and test would otherwise pay it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { PACKAGE_ROOT } from '../output/package-info';
import { gsweepCacheDir } from '../temporal/temporal-cli';

/** gsweep's workflows entry: the TypeScript source in a checkout, the compiled file in the package. */
export const WORKFLOWS_PATH = ['index.ts', 'index.js']
  .map((name) => path.join(__dirname, '..', 'workflows', name))
  .find((file) => fs.existsSync(file)) as string;

/**
 * Every local module the bundle can contain: the import closure of `workflows/index.ts`,
 * following relative imports (type-only imports are erased by the compiler, so skipped).
 * Hashing the closure rather than a fixed list of folders means a workflow import from any
 * room invalidates the cached bundle.
 */
export function bundleSourceFiles(entry: string = WORKFLOWS_PATH): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    const specifiers = [
      ...code.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s*['"](\.[^'"]*)['"]/gm),
      ...code.matchAll(/^\s*import\s*['"](\.[^'"]*)['"]/gm),
      ...code.matchAll(/\b(?:require|import)\s*\(\s*['"](\.[^'"]*)['"]\s*\)/g),
    ].map((m) => m[1]);
    for (const specifier of specifiers) {
      const base = path.resolve(path.dirname(file), specifier);
      const target = [base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts'), path.join(base, 'index.js')].find(
        (candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile(),
      );
      if (!target) throw new Error(`${file}: cannot resolve ${specifier} while hashing the workflow bundle`);
      visit(target);
    }
  };
  visit(entry);
  return [...seen].sort();
}

function bundleHash(): string {
  const hash = createHash('sha256');
  const sdk = JSON.parse(fs.readFileSync(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as { version: string };
  hash.update(sdk.version);
  for (const file of bundleSourceFiles()) {
    hash.update(path.relative(PACKAGE_ROOT, file));
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
