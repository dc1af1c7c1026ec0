// The run cache key: canonical overrides and the parts that do (and do not) change it.
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalOverrides, runCacheKey, runKeyDocument, type RunKeyParts } from '../../cache/key';
import { RUN_OUTPUT_FORMAT } from '../../output/run-format';

const base: RunKeyParts = {
  scriptSha256: 'a'.repeat(64),
  overrides: { 'Sat.SMA': 7000, 'Sat.ECC': 0.001 },
  engine: { kind: 'gmat', version: 'R2026a', fingerprint: 'b'.repeat(64) },
  postprocess: null,
};
const key = (change: Partial<RunKeyParts>) => runCacheKey({ ...base, ...change });

describe('canonical overrides', () => {
  it('sorts keys by code point and writes each value as GMAT reads it', () => {
    expect(canonicalOverrides({ 'Sat.SMA': 7000, 'Prop.Type': 'RungeKutta89', 'Sat.ECC': 1e-7, Flag: true, 'Sat.Epoch': '21 Mar 2026 00:00:00.000' })).toEqual([
      ['Flag', 'true'],
      ['Prop.Type', "'RungeKutta89'"],
      ['Sat.ECC', '1e-7'],
      ['Sat.Epoch', "'21 Mar 2026 00:00:00.000'"],
      ['Sat.SMA', '7000'],
    ]);
  });

  it('gives one form to one number however it is spelled', () => {
    for (const v of [7000, '7000', '7000.0', '7.0e3', '+7000.000']) expect(canonicalOverrides({ 'Sat.SMA': v }), String(v)).toEqual([['Sat.SMA', '7000']]);
    expect(canonicalOverrides({ x: -0 })).toEqual(canonicalOverrides({ x: 0 }));
    expect(canonicalOverrides({ x: '0.1' })).toEqual([['x', '0.1']]);
  });

  it('keeps a quoted string, a list literal and a boolean apart from each other', () => {
    expect(canonicalOverrides({ x: 'true' })).toEqual([['x', "'true'"]]);
    expect(canonicalOverrides({ x: true })).toEqual([['x', 'true']]);
    expect(canonicalOverrides({ x: '[255 0 0]' })).toEqual([['x', '[255 0 0]']]);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined, no whitespace', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: 'x' }], a: null, u: undefined })).toBe('{"a":null,"b":[1,{"c":"x","d":2}]}');
  });
  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson({ x: Number.NaN })).toThrow('canonicalJson: NaN has no JSON form');
  });
});

describe('runCacheKey', () => {
  it('is 64 hex digits, the same for overrides in another order or spelling', () => {
    expect(key({})).toMatch(/^[0-9a-f]{64}$/);
    expect(key({ overrides: { 'Sat.ECC': 0.001, 'Sat.SMA': '7000.0' } })).toBe(key({}));
  });

  it('changes with each part that decides the result', () => {
    const keys = [
      key({}),
      key({ scriptSha256: 'c'.repeat(64) }),
      key({ overrides: { 'Sat.SMA': 7000.5, 'Sat.ECC': 0.001 } }),
      key({ overrides: { 'Sat.SMA': 7000 } }),
      key({ engine: { ...base.engine, fingerprint: 'd'.repeat(64) } }),
      key({ engine: { ...base.engine, version: 'R2025a' } }),
      key({ engine: { ...base.engine, kind: 'stand-in' } }),
      key({ postprocess: 'command:python3 post.py' }),
      key({ postprocess: 'command:python3 post2.py' }),
      key({ postprocess: 'command:python3 post.py', context: { tag: 1 } }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('leaves the context out unless a hook reads it', () => {
    expect(key({ context: { tag: 1 } })).toBe(key({}));
  });

  it("hashes gsweep's run output format", () => {
    expect(JSON.parse(runKeyDocument(base)).run_output_format).toBe(RUN_OUTPUT_FORMAT);
  });
});
