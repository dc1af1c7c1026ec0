/**
 * gsweep's own package: where it is installed and its version. The same code runs from the
 * TypeScript sources of a checkout and from the compiled `dist/` of the npm package, so the
 * root is found by walking up to gsweep's package.json rather than by a fixed `..` count.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'gsweep') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no gsweep package.json above ${start}; is gsweep installed completely?`);
  }
}

/** The directory holding gsweep's package.json (the repository root in a checkout). */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

export const GSWEEP_VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
