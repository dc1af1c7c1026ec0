// pythonJsonDumps must equal Python's `json.dumps(obj, sort_keys=True)` byte for byte.
// Every expected string below was produced by running Python 3.11.7's
// `json.dumps(<the same value>, sort_keys=True)` (default ensure_ascii=True, allow_nan=True,
// separators ", " and ": ") and pasting its output here; they are not derived from the code
// under test.
import { describe, expect, it } from 'vitest';
import { manifestHeader, parseManifest, pythonJsonDumps } from '../../output/manifest';

describe('pythonJsonDumps = json.dumps(obj, sort_keys=True)', () => {
  it('sorts keys at every level of nested objects and arrays', () => {
    // {"b": {"z": [1, 2.5, {"y": None, "x": True}], "a": []}, "a": {}, "run_id": 3}
    expect(pythonJsonDumps({ b: { z: [1, 2.5, { y: null, x: true }], a: [] }, a: {}, run_id: 3 })).toBe(
      '{"a": {}, "b": {"a": [], "z": [1, 2.5, {"x": true, "y": null}]}, "run_id": 3}',
    );
    // [{}, [], ""]
    expect(pythonJsonDumps([{}, [], ''])).toBe('[{}, [], ""]');
  });

  it('sorts keys by code point, astral characters after the BMP', () => {
    // {"\uff61": 1, "\U0001F600": 2, "B": 3, "a": 4, "_": 5, "Z": 6}
    expect(pythonJsonDumps({ '\uff61': 1, '\u{1F600}': 2, B: 3, a: 4, _: 5, Z: 6 })).toBe(
      '{"B": 3, "Z": 6, "_": 5, "a": 4, "\\uff61": 1, "\\ud83d\\ude00": 2}',
    );
  });

  it('escapes non-ASCII (ensure_ascii), control characters, quotes and backslashes', () => {
    // {"name": "Ñandú – 𝛑 ✓", "ctl": "tab\there\nnl \x01 \x7f \"q\" \\ /", "é": 1}
    expect(pythonJsonDumps({ name: 'Ñandú – 𝛑 ✓', ctl: 'tab\there\nnl \x01 \x7f "q" \\ /', é: 1 })).toBe(
      '{"ctl": "tab\\there\\nnl \\u0001 \\u007f \\"q\\" \\\\ /", "name": "\\u00d1and\\u00fa \\u2013 \\ud835\\uded1 \\u2713", "\\u00e9": 1}',
    );
    // "\b\f\r\x1f"
    expect(pythonJsonDumps('\b\f\r\x1f')).toBe('"\\b\\f\\r\\u001f"');
  });

  it('writes floats as Python repr does', () => {
    // [0.1, 7100.5, 1e-05, 0.0001, 1.5e-07, 1e-100, 6.02214076e+23, 1e+21, 123456.789,
    //  -2.5e-05, 0.30000000000000004, 5e-324, 1.7976931348623157e+308]
    expect(
      pythonJsonDumps([0.1, 7100.5, 1e-5, 0.0001, 1.5e-7, 1e-100, 6.02214076e23, 1e21, 123456.789, -2.5e-5, 0.1 + 0.2, 5e-324, 1.7976931348623157e308]),
    ).toBe('[0.1, 7100.5, 1e-05, 0.0001, 1.5e-07, 1e-100, 6.02214076e+23, 1e+21, 123456.789, -2.5e-05, 0.30000000000000004, 5e-324, 1.7976931348623157e+308]');
    // -0.0
    expect(pythonJsonDumps(-0)).toBe('-0.0');
    // Integral numbers are Python ints (a JS number cannot say whether it was 7000 or
    // 7000.0): json.dumps([7000, -3, 0, 10000000000000000]) gives
    expect(pythonJsonDumps([7000, -3, 0, 1e16])).toBe('[7000, -3, 0, 10000000000000000]');
  });

  it('writes NaN and the infinities as Python does (allow_nan=True)', () => {
    // [float("nan"), float("inf"), float("-inf")]
    expect(pythonJsonDumps([NaN, Infinity, -Infinity])).toBe('[NaN, Infinity, -Infinity]');
    // {"x": float("nan")}
    expect(pythonJsonDumps({ x: NaN })).toBe('{"x": NaN}');
  });

  it('writes booleans and null', () => {
    // {"t": True, "f": False, "n": None}
    expect(pythonJsonDumps({ t: true, f: false, n: null })).toBe('{"f": false, "n": null, "t": true}');
    // None / True / False
    expect(pythonJsonDumps(null)).toBe('null');
    expect(pythonJsonDumps(true)).toBe('true');
    expect(pythonJsonDumps(false)).toBe('false');
  });

  it('writes a manifest entry line like gmat-sweep', () => {
    // {"run_id": 2, "overrides": {"Sat.SMA": 7100.5, "Sat.ECC": 0.001}, "status": "failed",
    //  "output_paths": {}, "started_at": "2026-03-20T06:00:00.000+00:00", "ended_at": None,
    //  "duration_s": 0.25, "stderr": "**** ERROR **** SMA", "log_path": "/r/GmatLog.txt"}
    expect(
      pythonJsonDumps({
        run_id: 2,
        overrides: { 'Sat.SMA': 7100.5, 'Sat.ECC': 0.001 },
        status: 'failed',
        output_paths: {},
        started_at: '2026-03-20T06:00:00.000+00:00',
        ended_at: null,
        duration_s: 0.25,
        stderr: '**** ERROR **** SMA',
        log_path: '/r/GmatLog.txt',
      }),
    ).toBe(
      '{"duration_s": 0.25, "ended_at": null, "log_path": "/r/GmatLog.txt", "output_paths": {}, "overrides": {"Sat.ECC": 0.001, "Sat.SMA": 7100.5}, "run_id": 2, "started_at": "2026-03-20T06:00:00.000+00:00", "status": "failed", "stderr": "**** ERROR **** SMA"}',
    );
  });

  it('drops undefined object members (they have no JSON form)', () => {
    expect(pythonJsonDumps({ a: 1, b: undefined })).toBe('{"a": 1}');
  });
});

describe('manifest header and parser', () => {
  it('writes schema_version 1, the script hash, the parameter spec with _kind and backend "temporal"', () => {
    const header = manifestHeader({
      scriptSha256: 'ab'.repeat(32),
      runSet: { kind: 'grid', axes: { 'Sat.SMA': [7000, 7100] } },
      runCount: 2,
      gmatInstallVersion: 'R2026a',
      temporal: { workflowId: 'sweep-1', namespace: 'default' },
    });
    expect(header).toMatchObject({
      schema_version: 1,
      script_sha256: 'ab'.repeat(32),
      gmat_install_version: 'R2026a',
      sweep_seed: null,
      parameter_spec: { _kind: 'grid', 'Sat.SMA': [7000, 7100] },
      run_count: 2,
      backend: 'temporal',
    });
    const line = pythonJsonDumps(header);
    expect(line).toContain('"parameter_spec": {"Sat.SMA": [7000, 7100], "_kind": "grid"}');
    expect(JSON.parse(line)).toEqual(header);
  });

  it('reads back what it writes, folding repeated run_ids last-wins and dropping a torn last line', () => {
    const entry = (id: number, status: string, d: number) =>
      pythonJsonDumps({ run_id: id, overrides: { 'Sat.SMA': 7000 + id }, status, output_paths: {}, started_at: null, ended_at: null, duration_s: d, stderr: null, log_path: null });
    const text = [pythonJsonDumps({ schema_version: 1, x: NaN }), entry(0, 'failed', NaN), entry(1, 'ok', 1), entry(0, 'ok', 2), '{"run_id": 3, "sta'].join('\n');
    const { header, entries } = parseManifest(text);
    expect(header).toEqual({ schema_version: 1, x: null });
    expect([...entries.keys()]).toEqual([0, 1]);
    expect(entries.get(0)?.status).toBe('ok');
    expect(entries.get(0)?.duration_s).toBe(2);
    expect(entries.get(1)?.overrides).toEqual({ 'Sat.SMA': 7001 });
    expect(() => parseManifest('')).toThrow('manifest is empty');
    expect(() => parseManifest('{"schema_version": 1}\n{not json\n')).toThrow('manifest line 2 is not valid JSON');
  });
});
