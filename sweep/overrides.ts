/**
 * Override keys and values: validation and the exact GMAT text they become.
 *
 * Sandbox-safe: no Node builtins. Imported by the client, the workflow and the activities.
 *
 * A key is `Resource.Field` (`Sat.SMA`, `Kick.Element1`), a nested owned-object path
 * (`FM.GravityField.Earth.Degree`, as gmat-run 0.5+ takes it), or an Array element `A(2,1)`.
 * A script Variable is addressed as `Name.Value` (gmat-sweep's spelling) and written as
 * `Name = v`. Values are finite numbers, strings or booleans; a string that could inject
 * script text (newline, `;`, `%`, quotes, braces, control or non-ASCII characters) is
 * rejected, except a plain list literal (`[255 0 0]`, `{Earth, Luna}`) written bare.
 */

import { formatCount, MAX_OVERRIDE_STRING_CHARS } from './limits';

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
const GMAT_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * A plain decimal real literal as GMAT's `GmatStringUtil::IsValidReal` accepts it
 * (sign, digits, at most one dot, optional exponent with optional sign).
 */
export const GMAT_REAL_LITERAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Smallest positive normal double; glibc's strtod reports ERANGE below it and GMAT rejects. */
const MIN_NORMAL = 2.2250738585072014e-308;

/** How a value is shown inside an error message: strings JSON-quoted (escapes visible). */
export function describeValue(value: unknown): string {
  // A message quotes at most the start of a long string (a refusal must stay one line).
  if (typeof value === 'string') return value.length > 80 ? `${JSON.stringify(value.slice(0, 60))}... (${formatCount(value.length)} characters)` : JSON.stringify(value);
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

/**
 * What an override key addresses, as GMAT's script language spells it:
 *  - `field`: `Resource.Field` or a nested owned-object path `Resource.A.B.Field`
 *    (`FM.GravityField.Earth.Degree`, `FM.Drag.AtmosphereModel`); GMAT takes everything
 *    after the first dot as one field name and routes it to the owned object (gmat-run
 *    passes the same string to `SetField`). `Name.Value` of a script Variable is a field key too.
 *  - `element`: one element of a script Array, `A(i,j)` (1-based); `A(k)` is GMAT's 1-D
 *    form and means `A(1,k)`.
 */
export type OverrideTarget =
  | { kind: 'field'; resource: string; path: string[] }
  | { kind: 'element'; resource: string; row: number; col: number; oneD: boolean };

const ELEMENT_KEY = /^([A-Za-z][A-Za-z0-9_]*)\(([1-9][0-9]{0,8})(?:,([1-9][0-9]{0,8}))?\)$/;

/** Parses and validates a key; throws OverrideError naming the key and the fix. */
export function parseOverrideKey(key: unknown): OverrideTarget {
  if (typeof key !== 'string') {
    throw new OverrideError(String(key), undefined, `override key ${describeValue(key)} must be a string "Resource.Field"`);
  }
  if (key.includes('(')) {
    const m = ELEMENT_KEY.exec(key);
    if (!m) {
      throw new OverrideError(
        key,
        undefined,
        `override key ${describeValue(key)}: an Array element is written "Name(row,col)" or "Name(index)" with ` +
          'positive integer indices and no spaces (e.g. "A(2,1)")',
      );
    }
    const a = Number(m[2]);
    const b = m[3] === undefined ? undefined : Number(m[3]);
    return b === undefined
      ? { kind: 'element', resource: m[1] as string, row: 1, col: a, oneD: true }
      : { kind: 'element', resource: m[1] as string, row: a, col: b, oneD: false };
  }
  const parts = key.split('.');
  if (parts.length < 2) {
    throw new OverrideError(
      key,
      undefined,
      `override key ${describeValue(key)} has no dot: write it as "Resource.Field" (e.g. "Sat.SMA"), a nested field ` +
        `as "Resource.Owned.Field" (e.g. "FM.GravityField.Earth.Degree"); a script Variable is "${key || 'Name'}.Value"`,
    );
  }
  parts.forEach((seg, i) => {
    if (!GMAT_IDENTIFIER.test(seg)) {
      const what = i === 0 ? 'resource' : parts.length === 2 ? 'field' : `path segment ${i + 1}`;
      throw new OverrideError(
        key,
        undefined,
        `override key ${describeValue(key)}: ${what} name ${describeValue(seg)} is not a GMAT identifier` +
          ' (a letter, then letters, digits or underscores)',
      );
    }
  });
  return { kind: 'field', resource: parts[0] as string, path: parts.slice(1) };
}

export function validateOverrideKey(key: unknown): asserts key is string {
  parseOverrideKey(key);
}

/**
 * List values GMAT takes as literals: a numeric array `[255 0 0]` / `[1, 2, 3]` (e.g.
 * `Sat.OrbitColor`, `Sat.Cr` matrices) and a list of names `{Earth, Luna}` (e.g.
 * `FM.PrimaryBodies`). Written bare; nothing else may contain brackets or braces.
 */
const REAL = '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?';
const GMAT_NUMERIC_ARRAY_LITERAL = new RegExp(`^\\[ *${REAL}(?:(?: *, *| +)${REAL})* *\\]$`);
const GMAT_NAME_LIST_LITERAL = /^\{ *[A-Za-z][A-Za-z0-9_]*(?: *, *[A-Za-z][A-Za-z0-9_]*)* *\}$/;

function isListLiteral(value: unknown): value is string {
  return typeof value === 'string' && (GMAT_NUMERIC_ARRAY_LITERAL.test(value) || GMAT_NAME_LIST_LITERAL.test(value));
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
    if (value.length > MAX_OVERRIDE_STRING_CHARS) {
      throw new OverrideError(
        key,
        value,
        `${head}: is longer than gsweep's limit of ${formatCount(MAX_OVERRIDE_STRING_CHARS)} characters for one value (it becomes one line of a GMAT script); give a shorter value`,
      );
    }
    if (isListLiteral(value)) return;
    if (/^\s*\[.*;.*\]\s*$/s.test(value)) {
      throw new OverrideError(
        key,
        value,
        `${head}: matrix literals ("[a b; c d]") cannot be overridden: ";" would end the GMAT statement; ` +
          'override a numeric array ("[1 2 3]"), or the elements of a script Array one by one as "Name(row,col)"',
      );
    }
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
  if (GMAT_REAL_LITERAL.test(value) || isListLiteral(value)) return value;
  return `'${value}'`;
}

/**
 * One override statement, e.g. `GMAT Sat.SMA = 7100;`, `GMAT FM.GravityField.Earth.Degree = 4;`,
 * `GMAT A(2,1) = 5;`. When `resourceType` is `Variable` and the key is `Name.Value`, the
 * line is `GMAT Name = v;` (how GMAT sets a Variable). Validates the key and the value.
 */
export function overrideLine(key: string, value: OverrideValue, resourceType?: string): string {
  const target = parseOverrideKey(key);
  validateOverrideValue(key, value);
  const isVariableValue =
    resourceType === 'Variable' && target.kind === 'field' && target.path.length === 1 && target.path[0] === 'Value';
  return `GMAT ${isVariableValue ? target.resource : key} = ${formatGmatValue(value)};`;
}
