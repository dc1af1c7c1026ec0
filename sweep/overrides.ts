/**
 * Override keys and values (SPEC §3): validation and the exact GMAT text they become.
 *
 * Sandbox-safe: no Node builtins. Imported by the client, the workflow and the activities.
 *
 * A key is `Resource.Field` with exactly one dot (`Sat.SMA`, `Kick.Element1`). A script
 * Variable is addressed as `Name.Value` (gmat-sweep's spelling) and written as `Name = v`.
 * Values are finite numbers, strings or booleans; a string that could inject script text
 * (newline, `;`, `%`, quotes, braces, control or non-ASCII characters) is rejected.
 */

export type OverrideValue = number | string | boolean;
export type Overrides = Record<string, OverrideValue>;

/** A bad override key or value. The message names the key, the value and the fix. */
export class OverrideError extends Error {
  readonly key: string;
  readonly value: unknown;
  constructor(key: string, value: unknown, message: string) {
    super(message);
    this.name = 'OverrideError';
    this.key = key;
    this.value = value;
  }
}

/** GMAT object and field names: a letter, then letters, digits or underscores. */
export const GMAT_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * A plain decimal real literal as GMAT's `GmatStringUtil::IsValidReal` accepts it
 * (sign, digits, at most one dot, optional exponent with optional sign).
 */
export const GMAT_REAL_LITERAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Smallest positive normal double; glibc's strtod reports ERANGE below it and GMAT rejects. */
const MIN_NORMAL = 2.2250738585072014e-308;

/** How a value is shown inside an error message: strings JSON-quoted (escapes visible). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'undefined';
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s;
  } catch {
    return String(value);
  }
}

/** The `(resource, field)` pair of a valid key; throws OverrideError otherwise. */
export function splitOverrideKey(key: string): { resource: string; field: string } {
  validateOverrideKey(key);
  const dot = key.indexOf('.');
  return { resource: key.slice(0, dot), field: key.slice(dot + 1) };
}

export function validateOverrideKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') {
    throw new OverrideError(String(key), undefined, `override key ${describeValue(key)} must be a string "Resource.Field"`);
  }
  const parts = key.split('.');
  if (parts.length !== 2) {
    const fix =
      parts.length < 2
        ? `write it as "Resource.Field" (e.g. "Sat.SMA"); a script Variable is "${key || 'Name'}.Value"`
        : 'only one dot is allowed: "Resource.Field" (nested owned-object fields such as "FM.GravityField.Earth.Degree" cannot be overridden)';
    throw new OverrideError(
      key,
      undefined,
      `override key ${describeValue(key)} has ${parts.length - 1} dots: ${fix}`,
    );
  }
  const [resource, field] = parts as [string, string];
  for (const [what, seg] of [
    ['resource', resource],
    ['field', field],
  ] as const) {
    if (!GMAT_IDENTIFIER.test(seg)) {
      throw new OverrideError(
        key,
        undefined,
        `override key ${describeValue(key)}: ${what} name ${describeValue(seg)} is not a GMAT identifier` +
          ' (a letter, then letters, digits or underscores)',
      );
    }
  }
}

/** Characters that could end a statement, start a comment, close a string or a list, or break a line. */
function forbiddenCharIn(s: string): { index: number; char: string } | null {
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    const code = c.charCodeAt(0);
    if (
      code < 0x20 ||
      code === 0x7f ||
      code > 0x7e ||
      c === ';' ||
      c === '%' ||
      c === "'" ||
      c === '"' ||
      c === '{' ||
      c === '}'
    ) {
      return { index: i, char: c };
    }
  }
  return null;
}

function charName(c: string): string {
  switch (c) {
    case '\n':
      return 'a newline';
    case '\r':
      return 'a carriage return';
    case '\t':
      return 'a tab';
    case ';':
      return "';' (statement separator)";
    case '%':
      return "'%' (comment)";
    case "'":
    case '"':
      return `a quote (${c})`;
    case '{':
    case '}':
      return `a brace (${c})`;
    default: {
      const code = c.codePointAt(0) ?? 0;
      const hex = 'U+' + code.toString(16).toUpperCase().padStart(4, '0');
      return code > 0x7e && code !== 0x7f ? `a non-ASCII character (${hex})` : `a control character (${hex})`;
    }
  }
}

export function validateOverrideValue(key: string, value: unknown): asserts value is OverrideValue {
  const head = `override ${describeValue(key)} = ${describeValue(value)}`;
  if (typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new OverrideError(key, value, `${head}: values must be finite numbers, strings or booleans`);
    }
    if (value !== 0 && Math.abs(value) < MIN_NORMAL) {
      throw new OverrideError(
        key,
        value,
        `${head}: subnormal numbers are out of GMAT's range (it parses reals with strtod and rejects underflow); use 0 or a value of magnitude >= 2.2250738585072014e-308`,
      );
    }
    return;
  }
  if (typeof value === 'string') {
    const bad = forbiddenCharIn(value);
    if (bad) {
      throw new OverrideError(
        key,
        value,
        `${head}: string values must not contain ${charName(bad.char)} (at index ${bad.index}); ` +
          'newlines, control and non-ASCII characters, quotes, braces, ";" and "%" could change the script, so remove it',
      );
    }
    return;
  }
  throw new OverrideError(key, value, `${head}: values must be finite numbers, strings or booleans (got ${value === null ? 'null' : typeof value})`);
}

/** Validates every key and value of an override set (in its own order). */
export function validateOverrides(overrides: Record<string, unknown>): asserts overrides is Overrides {
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new OverrideError('', overrides, `overrides must be an object of "Resource.Field": value pairs, got ${describeValue(overrides)}`);
  }
  for (const [k, v] of Object.entries(overrides)) {
    validateOverrideKey(k);
    validateOverrideValue(k, v);
  }
}

/**
 * The GMAT script text of a value.
 * - numbers: JS's shortest round-trip form (`String(n)`): integers as integers (`7100`),
 *   reals like `0.0012`, exponent forms like `1e-7` / `1e+21`, all of which GMAT's
 *   IsValidReal accepts and strtod reads back to the same double;
 * - booleans: `true` / `false`;
 * - strings: single-quoted (`'21 Mar 2026 00:00:00.000'`), EXCEPT a string that is
 *   exactly a plain real literal (`'1.0'`, `'21545.0'`, `'-3e-5'`), which is written bare
 *   so the user controls the digits GMAT sees (JSON/JS cannot tell 1 from 1.0; ModJulian
 *   epochs are bare numbers in GMAT).
 */
export function formatGmatValue(value: OverrideValue): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`formatGmatValue: non-finite number ${value}`);
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (GMAT_REAL_LITERAL.test(value)) return value;
  return `'${value}'`;
}

/**
 * One override statement, e.g. `GMAT Sat.SMA = 7100;`.
 * When `resourceType` is `Variable` and the field is `Value`, the line is `GMAT Name = v;`.
 * Validates the key and the value.
 */
export function overrideLine(key: string, value: OverrideValue, resourceType?: string): string {
  validateOverrideKey(key);
  validateOverrideValue(key, value);
  const { resource, field } = splitOverrideKey(key);
  const target = resourceType === 'Variable' && field === 'Value' ? resource : key;
  return `GMAT ${target} = ${formatGmatValue(value)};`;
}
