/**
 * The import graph of gsweep's own source: which room (top-level folder) imports which.
 * docs/architecture.md draws the same rules; import-graph.test.ts holds the code to them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * What each room may import, lowest rooms first (`rooms.json`, the one list of source rooms).
 * A room always may import itself. `workflows` may import `activities` for types only
 * (erased: nothing reaches the bundle).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ROOMS_FILE = require('../../rooms.json') as { rooms: Record<string, string[]>; typeOnly: Record<string, string[]> };
export const ALLOWED: Record<string, readonly string[]> = ROOMS_FILE.rooms;
export const TYPE_ONLY_ALLOWED: Record<string, readonly string[]> = ROOMS_FILE.typeOnly;
export const ROOMS = Object.keys(ALLOWED);

export interface Edge {
  from: string;
  to: string;
  specifier: string;
  typeOnly: boolean;
}

export function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return sourceFiles(full);
      return /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
    })
    .sort();
}

function resolve(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts'), base].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

export const roomOf = (file: string): string => path.relative(REPO_ROOT, file).split(path.sep)[0] as string;

/** Every relative import in the rooms' source files (tests, bench and bin are left out). */
export function importEdges(root: string = REPO_ROOT): Edge[] {
  const edges: Edge[] = [];
  for (const room of ROOMS) {
    for (const file of sourceFiles(path.join(root, room))) {
      const code = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      const statements = [
        ...[...code.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s*['"]([^'"]+)['"]/gm)].map((m) => ({ spec: m[3] as string, typeOnly: !!m[2] })),
        ...[...code.matchAll(/\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => ({ spec: m[1] as string, typeOnly: false })),
      ];
      for (const { spec, typeOnly } of statements) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(file, spec);
        if (!target) throw new Error(`${path.relative(root, file)}: cannot resolve ${spec}`);
        edges.push({ from: path.relative(root, file), to: path.relative(root, target), specifier: spec, typeOnly });
      }
    }
  }
  return edges;
}

/** Imports that point to a room the importing room may not use. */
export function upwardImports(edges: Edge[]): Edge[] {
  return edges.filter((e) => {
    const from = e.from.split('/')[0] as string;
    const to = e.to.split('/')[0] as string;
    if (from === to || to === 'package.json') return false;
    if ((ALLOWED[from] ?? []).includes(to)) return false;
    return !(e.typeOnly && (TYPE_ONLY_ALLOWED[from] ?? []).includes(to));
  });
}

/** Module-level import cycles (each reported once, as the list of files around it). */
export function importCycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const to of next.get(node) ?? []) {
      if (state.get(to) === 'open') cycles.push([...stack.slice(stack.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...next.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

if (require.main === module) {
  const edges = importEdges();
  const upward = upwardImports(edges);
  const cycles = importCycles(edges);
  for (const e of upward) console.log(`upward: ${e.from} -> ${e.to} (${e.specifier})`);
  for (const c of cycles) console.log(`cycle: ${c.join(' -> ')}`);
  console.log(`${edges.length} imports, ${upward.length} upward, ${cycles.length} cycles`);
  process.exitCode = upward.length + cycles.length > 0 ? 1 : 0;
}
