/**
 * The run cache's key: a SHA-256 over everything that decides a run's result and nothing
 * else. Pure functions: the same inputs give the same key on every host and every day.
 *
 *   script      canonical SHA-256 of the mission script (output/script-hash.ts; the script
 *               can include no other file: `#Include` is refused by gmat/script.ts)
 *   overrides   canonical form (canonicalOverrides): keys sorted, each value as the text
 *               GMAT reads, plain real literals in shortest round-trip form
 *   engine      kind, GMAT version and the fingerprint of its engine libraries and data
 *               files (gmat/engine-identity.ts)
 *   format      RUN_OUTPUT_FORMAT: how gsweep turns GMAT's outputs into tables
 *   postprocess the hook's identity and the run's context when a hook runs, else null
 *
 * Not in the key, because they do not change the result: the run id, the output directory,
 * the timeout, the engine mode (warm and fresh runs are byte-identical), the worker.
 */
import { createHash } from 'node:crypto';
import { formatGmatValue, GMAT_REAL_LITERAL, type Overrides } from '../sweep/overrides';
import { RUN_OUTPUT_FORMAT } from '../output/run-format';

/** Raised when the parts of the key change shape (not the values): old entries stop matching. */
const CACHE_KEY_VERSION = 1;

/** Which GMAT ran: identical identities give byte-identical results for identical inputs. */
export interface EngineIdentity {
  /** `gmat` or `stand-in`. */
  kind: string;
  version: string | null;
  /** SHA-256 over the engine's libraries and the data files its startup file names. */
  fingerprint: string;
}

export interface RunKeyParts {
  /** canonicalScriptSha256 of the script. */
  scriptSha256: string;
  overrides: Overrides;
  engine: EngineIdentity;
  /**
   * The postprocess hook that runs after GMAT (`command:<text>` or `function:<name>:<sha256>`),
   * or null. Its extra tables are part of the result, and so is what it is given: the context.
   */
  postprocess: string | null;
  /** The run's context: in the key only with a hook, the one thing that reads it. */
  context?: Record<string, unknown>;
}

/** Code point order (not UTF-16 units), so the order never depends on the platform's sort. */
function compareKeys(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i].codePointAt(0) as number) - (y[i].codePointAt(0) as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * One override value as GMAT reads it: the patcher's own text (formatGmatValue), with a plain
 * real literal rewritten in shortest round-trip form. So the number 7000, the string `7000.0`
 * (written bare) and `7.0e3` are one value, as they are to GMAT's strtod; the quoted string
 * `'abc'` and the boolean `true` keep their own text.
 */
function canonicalOverrideValue(value: Overrides[string]): string {
  const text = formatGmatValue(value);
  if (GMAT_REAL_LITERAL.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return Object.is(n, -0) ? '0' : String(n);
  }
  return text;
}

/** Overrides with sorted keys and canonical values: `[["Sat.ECC", "0.001"], ["Sat.SMA", "7000"]]`. */
export function canonicalOverrides(overrides: Overrides): [string, string][] {
  return Object.keys(overrides)
    .sort(compareKeys)
    .map((key) => [key, canonicalOverrideValue(overrides[key])]);
}

/** JSON with sorted object keys and no whitespace; numbers in JS's shortest round-trip form. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonicalJson: ${value} has no JSON form`);
    return Object.is(value, -0) ? '0' : JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort(compareKeys);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  throw new Error(`canonicalJson: a ${typeof value} has no JSON form`);
}

/** The document the key hashes (also useful to see why two runs got different keys). */
export function runKeyDocument(parts: RunKeyParts): string {
  return canonicalJson({
    cache_key_version: CACHE_KEY_VERSION,
    run_output_format: RUN_OUTPUT_FORMAT,
    script_sha256: parts.scriptSha256,
    overrides: canonicalOverrides(parts.overrides),
    engine: { kind: parts.engine.kind, version: parts.engine.version, fingerprint: parts.engine.fingerprint },
    postprocess: parts.postprocess === null ? null : { hook: parts.postprocess, context: parts.context ?? {} },
  });
}

/** 64 lowercase hex digits. */
export function runCacheKey(parts: RunKeyParts): string {
  return createHash('sha256').update(runKeyDocument(parts), 'utf8').digest('hex');
}

export const CACHE_KEY_RE = /^[0-9a-f]{64}$/;
