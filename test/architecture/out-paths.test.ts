/**
 * Only output/ knows where a sweep's files sit in an out. Everything else names them by Store
 * key (output/layout.ts: MANIFEST_NAME, runKey, scriptKey, ...) and reads or writes them
 * through the Store, so an `s3://` out and a directory out take one code path. Of the helpers
 * that join a path into a directory out, output/layout.ts keeps `runDir` for output/ itself (the
 * Workspace, pull); tests and benches have their own (test/helpers/out-paths.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, ROOMS, sourceFiles } from './import-graph';

/** Every helper of output/layout.ts that takes an out's directory and returns a path in it. */
function outPathHelpers(): string[] {
  const layout = fs.readFileSync(path.join(REPO_ROOT, 'output', 'layout.ts'), 'utf8');
  return [...layout.matchAll(/export (?:const|function) (\w+)\s*=?\s*\(outDir: string/g)].map((m) => m[1] as string);
}

const OUT_PATH_HELPERS = outPathHelpers();

/** The out-path helpers a module's source imports from output/layout. */
export function outPathImports(code: string): string[] {
  const found: string[] = [];
  for (const m of code.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"][./]*(?:\.\.\/)*output\/layout['"]/g)) {
    for (const name of (m[1] as string).split(',').map((n) => n.trim().split(/\s+as\s+/)[0])) {
      if (OUT_PATH_HELPERS.includes(name as string)) found.push(name as string);
    }
  }
  return found;
}

describe('paths into an out', () => {
  it('output/layout.ts offers one helper that joins a path into an out: runDir, for output/ itself', () => {
    expect(OUT_PATH_HELPERS).toEqual(['runDir']);
  });

  it('are joined only inside output/', () => {
    const offenders: string[] = [];
    for (const room of ROOMS.filter((r) => r !== 'output')) {
      for (const file of sourceFiles(path.join(REPO_ROOT, room))) {
        const names = outPathImports(fs.readFileSync(file, 'utf8'));
        if (names.length > 0) offenders.push(`${path.relative(REPO_ROOT, file)}: ${names.join(', ')}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the scan finds such an import, and passes a key', () => {
    expect(outPathImports("import { MANIFEST_NAME, runDir as rd } from '../output/layout';")).toEqual(['runDir']);
    expect(outPathImports("import { runKey, scriptKey } from '../../output/layout';")).toEqual([]);
  });
});
