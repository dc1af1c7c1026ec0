/**
 * rooms.json is the one list of source rooms: the build, the bin entries and the import-graph
 * test read it, and what cannot read it (the tsconfig files, the architecture doc) must agree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, ROOMS } from './import-graph';

/** Top-level folders with TypeScript that are not rooms: never compiled into the package. */
const NOT_ROOMS = ['test', 'bench', 'examples', 'gmat-stand-in', 'node_modules', 'dist'];

function includeOf(file: string): string[] {
  const { config, error } = ts.readConfigFile(path.join(REPO_ROOT, file), ts.sys.readFile);
  if (error) throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  return (config as { include: string[] }).include;
}

describe('rooms.json', () => {
  it('tsconfig.build.json compiles exactly the rooms', () => {
    expect([...includeOf('tsconfig.build.json')].sort()).toEqual([...ROOMS].sort());
  });

  it('tsconfig.json type-checks every room (and the tests, benches, examples, stand-in)', () => {
    const include = includeOf('tsconfig.json');
    for (const room of ROOMS) expect(include, room).toContain(room);
  });

  it('every top-level folder holding TypeScript is a room or one of the known non-rooms', () => {
    const folders = fs
      .readdirSync(REPO_ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .filter((name) => {
        const has = (dir: string): boolean =>
          fs.readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? e.name !== 'node_modules' && has(path.join(dir, e.name)) : e.name.endsWith('.ts')));
        return !NOT_ROOMS.includes(name) && has(path.join(REPO_ROOT, name));
      });
    expect(folders.sort()).toEqual([...ROOMS].sort());
  });

  it('docs/architecture.md has a row for every room', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
    for (const room of ROOMS) expect(doc, room).toContain(`| \`${room}/\` |`);
  });
});
