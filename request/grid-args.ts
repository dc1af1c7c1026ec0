/**
 * gmat-sweep's CLI grammar for `--grid`, `--perturb` and `--set`, as pure functions that turn
 * flag text into the request's own types (request/schema.ts): `NAME=LO:HI:COUNT` (inclusive
 * linspace) or `NAME=v1,v2,...` (int, else float, else string per token).
 *
 * What the values mean (override keys, values GMAT takes, the script) is the request's check,
 * made once for the CLI and the API alike. The few rules a flag's own text can break (COUNT,
 * the linspace step, the run limit) are also judged here, so the refusal quotes the flag as
 * the user typed it; the step rule is the request's own function. The grammar lives in
 * request/ rather than with the CLI because the samples reader coerces CSV cells with the
 * same token rules.
 */
import { formatCount, MAX_RUNS } from '../sweep/limits';
import type { OverrideValue, Overrides } from '../sweep/overrides';
import { linspaceStepProblem, type GridAxisRequest, type PerturbRequest } from './schema';

/** api/request-file.ts holds a recorded linspace to the same rule. */
export { linspaceStepProblem };
/** A parsed `--grid` axis is a request's grid axis. */
export type GridAxisArg = GridAxisRequest;

export class GridArgError extends Error {
  /** `option` is the flag the spec came from: `--grid`, or `--set` for `gsweep run-one`. */
  constructor(spec: string, message: string, option = '--grid') {
    super(`${option} ${JSON.stringify(spec)}: ${message}`);
    this.name = 'GridArgError';
  }
}

export function coerceToken(token: string): OverrideValue {
  if (/^[+-]?\d+$/.test(token)) return Number(token);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token)) return Number(token);
  if (/^[+-]?(nan|inf|infinity)$/i.test(token)) return Number.NaN; // rejected by the caller
  return token;
}

/** Names that would set a JavaScript object's prototype instead of becoming a key. */
function refuseObjectKeyName(spec: string, name: string, option: string): void {
  if (name === '__proto__' || name === 'constructor' || name === 'prototype') {
    throw new GridArgError(spec, `"${name}" is not an override key; write Resource.Field (e.g. Sat.SMA)`, option);
  }
}

function splitNameValue(spec: string): [string, string] {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new GridArgError(spec, 'missing "="; write NAME=LO:HI:COUNT or NAME=v1,v2,...');
  const name = spec.slice(0, eq).trim();
  const rhs = spec.slice(eq + 1).trim();
  if (!name) throw new GridArgError(spec, 'empty NAME before "="; write e.g. Sat.SMA=7000:7400:5');
  refuseObjectKeyName(spec, name, '--grid');
  if (!rhs) throw new GridArgError(spec, 'no values after "="; write e.g. Sat.SMA=7000:7400:5 or Sat.SMA=7000,7100');
  return [name, rhs];
}

/** `NAME=value` of `--set`: the same split, with errors that name `--set` and its form. */
function splitSetArg(spec: string): [string, string] {
  const fix = 'write NAME=value, e.g. Sat.SMA=7100';
  const eq = spec.indexOf('=');
  if (eq < 0) throw new GridArgError(spec, `missing "="; ${fix}`, '--set');
  const name = spec.slice(0, eq).trim();
  const rhs = spec.slice(eq + 1).trim();
  if (!name) throw new GridArgError(spec, `empty NAME before "="; ${fix}`, '--set');
  refuseObjectKeyName(spec, name, '--set');
  if (!rhs) throw new GridArgError(spec, `no value after "="; ${fix}`, '--set');
  return [name, rhs];
}

export function parseGridArg(spec: string): [string, GridAxisRequest] {
  const [name, rhs] = splitNameValue(spec);
  // LO:HI:COUNT only when the text before the first ':' is a number; otherwise the
  // values are a list, so epochs like '01 Jan 2026 00:00:00.000' can be swept
  // (gmat-sweep's grammar cannot express them).
  if (/^\s*[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|nan|inf(inity)?)\s*:/i.test(rhs)) {
    const parts = rhs.split(':');
    if (parts.length !== 3) throw new GridArgError(spec, `linspace form needs exactly LO:HI:COUNT, got ${parts.length} parts`);
    const [lo, hi] = parts.slice(0, 2).map((p) => Number(p.trim()));
    if (!parts[0].trim() || !parts[1].trim() || !Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw new GridArgError(spec, `LO and HI must be finite numbers, got "${parts[0]}" and "${parts[1]}"`);
    }
    const countText = parts[2].trim();
    const count = Number(countText);
    if (!/^\d+$/.test(countText) || count < 2) {
      throw new GridArgError(spec, `COUNT must be an integer >= 2 (both ends are included), got "${parts[2]}"`);
    }
    if (count > MAX_RUNS) {
      throw new GridArgError(spec, `COUNT ${countText} is more than gsweep's limit of ${formatCount(MAX_RUNS)} runs per sweep; use fewer values`);
    }
    const stepProblem = linspaceStepProblem(lo, hi, count);
    if (stepProblem) throw new GridArgError(spec, stepProblem);
    return [name, { lo, hi, count }];
  }
  const values = rhs.split(',').map((token, i) => {
    if (token.trim() === '') throw new GridArgError(spec, `value ${i + 1} is empty; remove the extra comma`);
    const value = coerceToken(token.trim());
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new GridArgError(spec, `value "${token.trim()}" is not a finite number; give finite values`);
    }
    return value;
  });
  return [name, values];
}

/** Values an axis spec will expand to, counted without expanding it (so a huge grid is refused, not allocated). */
function axisLength(spec: string): number {
  const rhs = spec.slice(spec.indexOf('=') + 1).trim();
  const linspaceForm = /^\s*[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|nan|inf(inity)?)\s*:[^:]*:\s*(\d+)\s*$/i.exec(rhs);
  if (linspaceForm) return Number(linspaceForm[5]);
  return rhs.split(',').length;
}

export function parseGridArgs(specs: string[]): Record<string, GridAxisRequest> {
  const total = specs.reduce((n, spec) => n * (spec.includes('=') ? axisLength(spec) : 1), 1);
  if (total > MAX_RUNS) {
    throw new GridArgError(
      specs.join(' '),
      `this grid has ${total < 1e21 ? formatCount(total) : String(total)} runs, more than gsweep's limit of ${formatCount(MAX_RUNS)} runs per sweep; use fewer values or split the sweep`,
    );
  }
  const axes: Record<string, GridAxisRequest> = {};
  for (const spec of specs) {
    const [name, values] = parseGridArg(spec);
    if (name in axes) throw new GridArgError(spec, `"${name}" is given twice; give each name once`);
    axes[name] = values;
  }
  return axes;
}

/** `NAME=TAG:P1:P2` for --perturb (normal:mu:sigma, uniform:lo:hi, lognormal:mu:sigma). */
export function parsePerturbArgs(specs: string[]): Record<string, PerturbRequest> {
  const perturb: Record<string, PerturbRequest> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = eq < 0 ? '' : spec.slice(0, eq).trim();
    const parts = eq < 0 ? [] : spec.slice(eq + 1).split(':');
    if (!name || parts.length !== 3) {
      throw new GridArgError(spec, 'write NAME=normal:MU:SIGMA, NAME=uniform:LO:HI or NAME=lognormal:MU:SIGMA', '--perturb');
    }
    refuseObjectKeyName(spec, name, '--perturb');
    if (name in perturb) throw new GridArgError(spec, `"${name}" is given twice; give each name once`, '--perturb');
    const [tag, p1, p2] = parts.map((p) => p.trim());
    const n1 = p1 === '' ? Number.NaN : Number(p1);
    const n2 = p2 === '' ? Number.NaN : Number(p2);
    perturb[name] = [tag, n1, n2];
  }
  return perturb;
}

/** `--set NAME=value` pairs of `gsweep run-one`: one value each, coerced like grid tokens. */
export function parseSetArgs(specs: string[]): Overrides {
  const overrides: Overrides = {};
  for (const spec of specs) {
    const [name, rhs] = splitSetArg(spec);
    if (name in overrides) throw new GridArgError(spec, `"${name}" is given twice; give each name once`, '--set');
    const value = coerceToken(rhs);
    if (typeof value === 'number' && !Number.isFinite(value)) throw new GridArgError(spec, `"${rhs}" is not a finite number`, '--set');
    overrides[name] = value;
  }
  return overrides;
}
