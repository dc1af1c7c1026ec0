// The layout's promise (docs/architecture.md): no import points to a higher room, and no
// module imports itself round a cycle. Also: everything in sweep/ is safe for the workflow
// sandbox, because the workflow bundle imports it.
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCycles, importEdges, REPO_ROOT, upwardImports } from './import-graph';

describe("gsweep's import graph", () => {
  const edges = importEdges();

  it('sees the imports between rooms', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(edges).toContainEqual(expect.objectContaining({ from: 'activities/index.ts', to: 'gmat/run-mission.ts' }));
  });

  it('has no upward import', () => {
    expect(upwardImports(edges).map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
  });

  it('has no cycle', () => {
    expect(importCycles(edges).map((c) => c.join(' -> '))).toEqual([]);
  });
});

describe('the checker itself', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-graph-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  write('sweep/a.ts', "import { g } from '../gmat/g';\nexport const a = g;\n");
  write('gmat/g.ts', "import { h } from './h';\nexport const g = h;\n");
  write('gmat/h.ts', "import {\n  g,\n} from './g';\nexport const h = 1 + g;\n");
  write('workflows/w.ts', "import type { X } from '../activities/x';\nexport type W = X;\n");
  write('activities/x.ts', 'export type X = number;\n');
  const edges = importEdges(root);

  it('reports an upward import with its file and target', () => {
    expect(upwardImports(edges).map((e) => `${e.from} -> ${e.to}`)).toEqual(['sweep/a.ts -> gmat/g.ts']);
  });

  it('reports a cycle, multi-line imports included', () => {
    expect(importCycles(edges).map((c) => c.join(' -> '))).toEqual(['gmat/g.ts -> gmat/h.ts -> gmat/g.ts']);
  });
});

describe('sweep/ is safe for the Temporal workflow sandbox', () => {
  const files = (function walk(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  })(path.join(REPO_ROOT, 'sweep'));

  it('has modules to check', () => expect(files.length).toBeGreaterThanOrEqual(15));
  for (const file of files) {
    const rel = path.relative(REPO_ROOT, file);
    it(`${rel}: only relative, @temporalio/common or @noble/hashes imports; no Buffer, process, Date, Math.random`, () => {
      const code = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      for (const m of code.matchAll(/(?:from|import|require)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const s = m[1] as string;
        expect(s.startsWith('node:') || builtinModules.includes(s), `${rel} imports ${s}`).toBe(false);
        expect(s.startsWith('.') || s === '@temporalio/common' || s.startsWith('@noble/hashes/'), `${rel} imports ${s}`).toBe(true);
      }
      for (const banned of [/\bBuffer\b/, /\bMath\.random\b/, /\bDate\b/, /\bTextEncoder\b/, /\bprocess\./, /\brequire\(/]) {
        expect(banned.test(code), `${rel} uses ${banned}`).toBe(false);
      }
    });
  }
});
