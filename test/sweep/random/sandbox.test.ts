import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const DIR = join(__dirname, '..', '..', '..', 'sweep', 'random');

describe('sweep/random is safe for the Temporal workflow sandbox', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));
  it('has modules to check', () => expect(files.length).toBeGreaterThanOrEqual(8));
  for (const f of files) {
    it(`${f}: no Node builtins, Buffer, crypto, Math.random, Date, TextEncoder`, () => {
      const src = readFileSync(join(DIR, f), 'utf8');
      const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      const specifiers = [...code.matchAll(/(?:from|import|require)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
      for (const s of specifiers) {
        const bare = s.replace(/^node:/, '');
        expect(s.startsWith('node:') || builtinModules.includes(bare), `${f} imports ${s}`).toBe(false);
        expect(s.startsWith('./') || s.startsWith('@noble/hashes/'), `${f} imports ${s}`).toBe(true);
      }
      for (const banned of [/\bBuffer\b/, /\bMath\.random\b/, /\bDate\b/, /\bTextEncoder\b/, /\bprocess\./, /\bcrypto\b/]) {
        expect(banned.test(code), `${f} uses ${banned}`).toBe(false);
      }
    });
  }
});
