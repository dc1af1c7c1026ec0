/**
 * A GMAT solver `.data` file (`<Type><Name>.data`, written by every Target / Optimize run)
 * -> one row per nominal pass, exactly the shape gmat-run 0.6's `parsers/solver_log.py`
 * gives (and so gmat-sweep's `solver__<name>.parquet`):
 *
 *  - `iteration` (int64), one double column per Vary variable (script names verbatim);
 *  - DifferentialCorrector: per Achieve goal `<goal>` (achieved), `<goal>_desired`,
 *    `<goal>_residual` (achieved - desired), `<goal>_tolerance`;
 *  - Yukon: `cost` and `<constraint>_residual` (GMAT's Delta);
 *  - `status`: `running` on every row but the last, which is `converged`, `max_iter`
 *    (not converged and iterations >= MaximumIterations, which the file does not record)
 *    or `failed`.
 *
 * Convergence: a DifferentialCorrector writes no verdict into its file, so (as gmat-run does)
 * it is every goal of the last iteration within tolerance; Yukon stamps
 * `*** The Optimizer Converged!`.
 */
import type { Column, Table } from '../table';
import { GmatOutputParseError } from './epoch';

export type SolverType = 'DifferentialCorrector' | 'Yukon';

export interface SolverLog {
  solverType: SolverType;
  /** From the `*** SolverMode:` line; `unknown` for Yukon. */
  solverMode: string;
  nIterations: number;
  converged: boolean;
  table: Table;
}

const DC_MARKER = 'Targeter Text File';
const YUKON_MARKER = 'Performing Yukon Optimization';
const DC_ITERATION = /^Iteration\s+(\d+)$/;
const DC_NVARS = /\*\*\*\s+(\d+)\s+variables/;
const DC_NGOALS = /\*\*\*\s+(\d+)\s+goals/;
const DC_MODE = /\*\*\*\s+SolverMode:\s+(\S+)/;
const DC_GOAL = /^(.+?)\s+Desired:\s+(\S+)\s+Achieved:\s+(\S+)$/;
const DC_TOLERANCE = /^Tolerance:\s+(\S+)$/;
const YUKON_NVARS = /\*\*\*\s+(\d+)\s+variables;\s+(\d+)\s+equality constraints;\s+(\d+)\s+inequality constraints/;
const YUKON_RECORD = /^(\S+)\s+Iteration\s+(\d+);\s+Function Evaluation\s+(\d+);\s+(.+)$/;
const YUKON_DELTA = /^Delta\s+(\S+)\s*=\s*(\S+)$/;
const YUKON_TERMINATOR = /Optimization Completed in\s+(\d+)\s+iterations/;
const ASSIGNMENT = /^(\S+)\s*=\s*(\S+)$/;

/** Python float(): decimal/exponent forms, inf/nan spellings; anything else is an error. */
function toFloat(token: string, where: string): number {
  const t = token.trim();
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?(?:inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  throw new GmatOutputParseError(`${where}: non-numeric value '${token}'`);
}

function scan(lines: string[], re: RegExp): RegExpExecArray | null {
  for (const l of lines) {
    const m = re.exec(l);
    if (m) return m;
  }
  return null;
}

function statusColumn(n: number, converged: boolean, nIterations: number, maxIterations: number | undefined): Column {
  const values: string[] = new Array<string>(n).fill('running');
  values[n - 1] = converged ? 'converged' : maxIterations !== undefined && nIterations >= maxIterations ? 'max_iter' : 'failed';
  return { name: 'status', type: 'string', values };
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Parses a solver log; `maxIterations` is the solver's MaximumIterations (tells max_iter from failed). */
export function parseSolverLog(text: string, maxIterations?: number): SolverLog {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (!lines.some((l) => l.trim() !== '')) throw new GmatOutputParseError('file is empty');
  const header = lines.slice(0, 12).join('\n');
  if (header.includes(DC_MARKER)) return parseDifferentialCorrector(lines, maxIterations);
  if (header.includes(YUKON_MARKER)) return parseYukon(lines, maxIterations);
  throw new GmatOutputParseError('unrecognised solver-log header; supported solver types: DifferentialCorrector, Yukon');
}

interface DcGoal {
  name: string;
  desired: number;
  achieved: number;
  tolerance: number;
}

function sectionStart(block: string[], label: string): number | undefined {
  const i = block.findIndex((l) => l.trim() === label);
  return i < 0 ? undefined : i + 1;
}

function parseDcBlock(block: string[]): { iteration: number; variables: Map<string, number>; goals: DcGoal[] } {
  const iteration = Number(DC_ITERATION.exec(block[0].trim())![1]);
  const vStart = sectionStart(block, 'Variables:');
  if (vStart === undefined) throw new GmatOutputParseError(`iteration ${iteration}: missing 'Variables:' section`);
  const variables = new Map<string, number>();
  for (const line of block.slice(vStart)) {
    const m = ASSIGNMENT.exec(line.trim());
    if (!line.trim() || !m) break;
    variables.set(m[1], toFloat(m[2], `iteration ${iteration}: variable '${m[1]}'`));
  }
  if (variables.size === 0) throw new GmatOutputParseError(`iteration ${iteration}: no variables listed`);
  const gStart = sectionStart(block, 'Goals and achieved values:');
  if (gStart === undefined) throw new GmatOutputParseError(`iteration ${iteration}: missing 'Goals and achieved values:' section`);
  const goals: DcGoal[] = [];
  for (let c = gStart; c < block.length; c += 2) {
    const m = DC_GOAL.exec(block[c].trim());
    if (!block[c].trim() || !m) break;
    const t = DC_TOLERANCE.exec((block[c + 1] ?? '').trim());
    if (!t) throw new GmatOutputParseError(`iteration ${iteration}: goal '${m[1]}' is not followed by a 'Tolerance:' line`);
    const where = `iteration ${iteration}: goal '${m[1]}'`;
    goals.push({
      name: m[1],
      desired: toFloat(m[2], `${where} desired`),
      achieved: toFloat(m[3], `${where} achieved`),
      tolerance: toFloat(t[1], `${where} tolerance`),
    });
  }
  if (goals.length === 0) throw new GmatOutputParseError(`iteration ${iteration}: no goals listed`);
  return { iteration, variables, goals };
}

function parseDifferentialCorrector(lines: string[], maxIterations: number | undefined): SolverLog {
  const solverMode = scan(lines, DC_MODE)?.[1] ?? 'unknown';
  const declaredVars = scan(lines, DC_NVARS);
  const declaredGoals = scan(lines, DC_NGOALS);
  const starts = lines.flatMap((l, i) => (DC_ITERATION.test(l.trim()) ? [i] : []));
  if (starts.length === 0) throw new GmatOutputParseError('targeter file contains no iterations');
  const bounds = [...starts, lines.length];
  const records = starts.map((s, k) => parseDcBlock(lines.slice(s, bounds[k + 1])));
  const varNames = [...records[0].variables.keys()];
  const goalNames = records[0].goals.map((g) => g.name);
  for (const r of records) {
    if (!sameNames([...r.variables.keys()], varNames)) {
      throw new GmatOutputParseError(`iteration ${r.iteration}: variable set differs from iteration ${records[0].iteration}'s`);
    }
    if (!sameNames(r.goals.map((g) => g.name), goalNames)) {
      throw new GmatOutputParseError(`iteration ${r.iteration}: goal set differs from iteration ${records[0].iteration}'s`);
    }
  }
  if (declaredVars && Number(declaredVars[1]) !== varNames.length) {
    throw new GmatOutputParseError(`header declares ${declaredVars[1]} variables but iterations carry ${varNames.length}`);
  }
  if (declaredGoals && Number(declaredGoals[1]) !== goalNames.length) {
    throw new GmatOutputParseError(`header declares ${declaredGoals[1]} goals but iterations carry ${goalNames.length}`);
  }
  const columns: Column[] = [{ name: 'iteration', type: 'int64', values: records.map((r) => BigInt(r.iteration)) }];
  for (const v of varNames) columns.push({ name: v, type: 'double', values: records.map((r) => r.variables.get(v)!) });
  goalNames.forEach((g, i) => {
    const at = (f: (x: DcGoal) => number) => records.map((r) => f(r.goals[i]));
    columns.push({ name: g, type: 'double', values: at((x) => x.achieved) });
    columns.push({ name: `${g}_desired`, type: 'double', values: at((x) => x.desired) });
    columns.push({ name: `${g}_residual`, type: 'double', values: at((x) => x.achieved - x.desired) });
    columns.push({ name: `${g}_tolerance`, type: 'double', values: at((x) => x.tolerance) });
  });
  const converged = records[records.length - 1].goals.every((g) => Math.abs(g.achieved - g.desired) <= g.tolerance);
  const nIterations = records.length;
  columns.push(statusColumn(records.length, converged, nIterations, maxIterations));
  return { solverType: 'DifferentialCorrector', solverMode, nIterations, converged, table: { columns, rowCount: records.length } };
}

interface YukonRecord {
  iteration: number;
  variables: Map<string, number>;
  cost: number;
  constraints: Map<string, number>;
}

function parseYukonRecord(block: string[]): YukonRecord | null {
  const m = YUKON_RECORD.exec(block[0].trim())!;
  if (m[4].trim() !== 'Nominal Pass') return null;
  const iteration = Number(m[2]);
  const where = `Yukon iteration ${iteration}`;
  let variables = new Map<string, number>();
  const constraints = new Map<string, number>();
  let cost: number | undefined;
  for (const line of block.slice(1)) {
    const s = line.trim();
    if (!s) continue;
    if (s.startsWith('Variables:')) {
      variables = new Map();
      for (const chunk of s.slice('Variables:'.length).split(',')) {
        const c = chunk.trim();
        if (!c) continue;
        const a = ASSIGNMENT.exec(c);
        if (!a) throw new GmatOutputParseError(`${where}: malformed assignment '${c}'`);
        variables.set(a[1], toFloat(a[2], `${where}: variable '${a[1]}'`));
      }
    } else if (s.startsWith('Cost Function Value:')) {
      cost = toFloat(s.slice('Cost Function Value:'.length), `${where}: cost`);
    } else if (s.startsWith('Delta ')) {
      const d = YUKON_DELTA.exec(s);
      if (d) constraints.set(d[1], toFloat(d[2], `${where}: constraint '${d[1]}'`));
    }
  }
  if (variables.size === 0) throw new GmatOutputParseError(`${where}: no variables listed`);
  if (cost === undefined) throw new GmatOutputParseError(`${where}: missing 'Cost Function Value:'`);
  return { iteration, variables, cost, constraints };
}

function parseYukon(lines: string[], maxIterations: number | undefined): SolverLog {
  const declared = scan(lines, YUKON_NVARS);
  const starts = lines.flatMap((l, i) => (YUKON_RECORD.test(l.trim()) ? [i] : []));
  if (starts.length === 0) throw new GmatOutputParseError('Yukon file contains no iteration records');
  const bounds = [...starts, lines.length];
  const records = starts.map((s, k) => parseYukonRecord(lines.slice(s, bounds[k + 1]))).filter((r): r is YukonRecord => r !== null);
  if (records.length === 0) throw new GmatOutputParseError('Yukon file has no nominal-pass records');
  const varNames = [...records[0].variables.keys()];
  const constraintNames = [...records[0].constraints.keys()];
  for (const r of records) {
    if (!sameNames([...r.variables.keys()], varNames)) throw new GmatOutputParseError(`Yukon iteration ${r.iteration}: variable set differs`);
    if (!sameNames([...r.constraints.keys()], constraintNames)) throw new GmatOutputParseError(`Yukon iteration ${r.iteration}: constraint set differs`);
  }
  if (declared && Number(declared[1]) !== varNames.length) {
    throw new GmatOutputParseError(`header declares ${declared[1]} variables but records carry ${varNames.length}`);
  }
  const columns: Column[] = [{ name: 'iteration', type: 'int64', values: records.map((r) => BigInt(r.iteration)) }];
  for (const v of varNames) columns.push({ name: v, type: 'double', values: records.map((r) => r.variables.get(v)!) });
  columns.push({ name: 'cost', type: 'double', values: records.map((r) => r.cost) });
  for (const c of constraintNames) columns.push({ name: `${c}_residual`, type: 'double', values: records.map((r) => r.constraints.get(c)!) });
  const converged = lines.some((l) => l.includes('The Optimizer Converged'));
  const terminator = scan(lines, YUKON_TERMINATOR);
  const nIterations = terminator ? Number(terminator[1]) : Math.max(...records.map((r) => r.iteration));
  columns.push(statusColumn(records.length, converged, nIterations, maxIterations));
  return { solverType: 'Yukon', solverMode: 'unknown', nIterations, converged, table: { columns, rowCount: records.length } };
}
