// workers/bundle.ts keys the cached workflow bundle on the import closure of the workflows
// entry, so a workflow import from any folder invalidates a stale bundle.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleSourceFiles, WORKFLOWS_PATH } from '../../workers/bundle';

const REPO = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-bundle-src-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const file = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe('bundleSourceFiles', () => {
  it('follows value imports into any folder, index files and re-exports, and skips type-only imports', () => {
    const entry = write('workflows/index.ts', "export { a } from './a';\nimport type { T } from '../types/t';\n");
    write('workflows/a.ts', "import { b } from '../elsewhere/b';\nimport { c, type C } from '../lib';\nexport const a = b + c;\n");
    write('elsewhere/b.ts', 'export const b = 1;\n');
    write('lib/index.ts', 'export const c = 2;\nexport type C = number;\n');
    write('types/t.ts', 'export type T = string;\n');
    const rel = bundleSourceFiles(entry).map((f) => path.relative(tmp, f));
    expect(rel).toEqual(['elsewhere/b.ts', 'lib/index.ts', 'workflows/a.ts', 'workflows/index.ts']);
  });

  it('names the import it cannot resolve', () => {
    const entry = write('broken/index.ts', "import { x } from './missing';\n");
    expect(() => bundleSourceFiles(entry)).toThrow(/broken\/index\.ts: cannot resolve \.\/missing/);
  });

  it("covers the real workflow's imports from sweep/", () => {
    const rel = bundleSourceFiles(WORKFLOWS_PATH).map((f) => path.relative(REPO, f));
    expect(rel).toContain('workflows/sweep-workflow.ts');
    expect(rel).toContain('sweep/runset.ts');
    expect(rel).toContain('sweep/random/pcg64.ts');
    expect(rel.filter((f) => f.startsWith('activities/'))).toEqual([]);
  });
});
