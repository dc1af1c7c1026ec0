/**
 * GMAT script reading and patching (pure: no I/O).
 *
 * A run's script is the user's script with
 *  - every output `Filename` (ReportFile, EphemerisFile, ContactLocator) rewritten in place
 *    to `<runDir>/<basename>` (or, when the script relies on GMAT's default name, a
 *    `GMAT X.Filename = '<abs>';` line inserted before `BeginMissionSequence`), and
 *  - one `GMAT <key> = <value>;` line per override inserted directly before
 *    `BeginMissionSequence`, in the order given (resource-mode assignments apply in file
 *    order, so the override wins over the script's own value).
 *
 * Script syntax honoured (as GMAT R2026a's script parser reads it): optional `GMAT` keyword, optional
 * trailing `;`, `%` comments (not inside quotes), `...` line continuations, ASCII only.
 */
import { isOwnRunFileName, RESERVED_RUN_FILES } from '../output/layout';
import type { OutputKind } from '../tables/table';
import {
  GMAT_REAL_LITERAL,
  OverrideError,
  describeValue,
  overrideLine,
  parseOverrideKey,
  validateOverrideValue,
  type OverrideValue,
  type Overrides,
} from '../sweep/overrides';
import { outputPathFieldReason } from '../sweep/output-fields';

/** A script that gsweep cannot run as given. `line` is 1-based when known. */
export class ScriptError extends Error {
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(message);
    this.name = 'ScriptError';
    this.line = line;
  }
}

/** A position in the source text: 0-based physical line index and column. */
interface Pos {
  line: number;
  col: number;
}

export interface Statement {
  /** Statement text, trimmed, comments and continuations removed, without the `;`. */
  text: string;
  /** The same with a leading `GMAT ` keyword removed. */
  body: string;
  /** 1-based source line where the statement starts. */
  line: number;
  /** 1-based source line where it ends. */
  endLine: number;
  /** @internal source position of every character of `text` */
  readonly map: readonly Pos[];
}

export interface Resource {
  name: string;
  type: string;
  /** 1-based line of its `Create`. */
  line: number;
  /** `Create Array A[rows,cols]`: the declared size. */
  dims?: [rows: number, cols: number];
}

export type OutputResourceType = 'ReportFile' | 'EphemerisFile' | 'ContactLocator';

export interface OutputResource {
  name: string;
  type: OutputResourceType;
  kind: OutputKind;
  /** The Filename the script sets (last assignment before BeginMissionSequence), or null. */
  scriptedFilename: string | null;
  /** What GMAT would use: the scripted Filename, or its default for the type. */
  filename: string;
}

/** Solver types whose iteration log gsweep records (gmat-run 0.6 parses these two). */
export type SolverType = 'DifferentialCorrector' | 'Yukon';
export const SOLVER_TYPES: readonly SolverType[] = ['DifferentialCorrector', 'Yukon'];
/** GMAT's MaximumIterations defaults (DifferentialCorrector.cpp, Optimizer.cpp). */
const SOLVER_MAX_ITERATIONS: Record<SolverType, number> = { DifferentialCorrector: 25, Yukon: 200 };

export interface SolverResource {
  name: string;
  type: SolverType;
  /** The ReportFile the script sets, or null (GMAT then writes `<Type><Name>.data`). */
  scriptedReportFile: string | null;
  /** MaximumIterations as the script sets it (else GMAT's default); overrides may change it. */
  maxIterations: number;
}

export interface ParsedScript {
  statements: Statement[];
  resources: Resource[];
  outputs: OutputResource[];
  solvers: SolverResource[];
  /** Index into `statements` of BeginMissionSequence. */
  bmsIndex: number;
  /** 1-based line of BeginMissionSequence. */
  bmsLine: number;
}

export interface PatchedOutput {
  name: string;
  type: OutputResourceType;
  kind: OutputKind;
  /** Absolute path inside the run directory. */
  path: string;
}

export interface PatchedSolver {
  name: string;
  type: SolverType;
  /** Absolute path of its iteration log inside the run directory. */
  path: string;
  /** MaximumIterations after overrides (tells a max-iteration stop from a failure). */
  maxIterations: number;
}

export interface PatchResult {
  text: string;
  outputs: PatchedOutput[];
  solvers: PatchedSolver[];
}

const OUTPUT_TYPES: Record<OutputResourceType, OutputKind> = {
  ReportFile: 'report',
  EphemerisFile: 'ephemeris',
  ContactLocator: 'contact',
};

// ------------------------------------------------------------------------------------------
// Lexing

/** Splits text into physical lines, remembering each line's terminator. */
function splitLines(text: string): { lines: string[]; eols: string[] } {
  const lines: string[] = [];
  const eols: string[] = [];
  const re = /\r\n|\r|\n/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    lines.push(text.slice(last, m.index));
    eols.push(m[0]);
    last = m.index + m[0].length;
  }
  lines.push(text.slice(last));
  eols.push('');
  return { lines, eols };
}

/**
 * Is the `'` at `i` the start of a string (rather than a transpose operator `A'`)?
 * A quote that follows an identifier character, `)` or `]` is a transpose.
 */
function quoteOpensString(s: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (s[j] === ' ' || s[j] === '\t')) j--;
  if (j < 0) return true;
  const p = s[j] as string;
  if (j === i - 1 && /[A-Za-z0-9_)\].]/.test(p)) return false;
  return true;
}

/** The code part of a physical line: up to a `%` that is not inside quotes. */
function codeEnd(line: string): number {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '%') {
      return i;
    } else if (c === '"' || (c === "'" && quoteOpensString(line, i))) {
      quote = c;
    }
  }
  return line.length;
}

/** Tokenises a script into logical statements (split on `;` outside quotes/braces). */
export function tokenize(text: string): Statement[] {
  const { lines } = splitLines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const statements: Statement[] = [];
  let buf = '';
  let map: Pos[] = [];
  let quote: string | null = null;
  let depth = 0;

  const flush = () => {
    // trim, keeping the map aligned
    let a = 0;
    let b = buf.length;
    while (a < b && /\s/.test(buf[a] as string)) a++;
    while (b > a && /\s/.test(buf[b - 1] as string)) b--;
    if (b > a) {
      const t = buf.slice(a, b);
      const m = map.slice(a, b);
      const kw = /^GMAT\s+/.exec(t);
      statements.push({
        text: t,
        body: kw ? t.slice(kw[0].length) : t,
        line: (m[0] as Pos).line + 1,
        endLine: (m[m.length - 1] as Pos).line + 1,
        map: m,
      });
    }
    buf = '';
    map = [];
    quote = null;
    depth = 0;
  };

  for (let li = 0; li < lines.length; li++) {
    const line = lines[li] as string;
    let end = codeEnd(line);
    // `...` at the end of the code part continues the statement on the next line.
    const code = line.slice(0, end);
    const trimmed = code.replace(/\s+$/, '');
    const continued = trimmed.endsWith('...');
    if (continued) end = trimmed.length - 3;
    for (let col = 0; col < end; col++) {
      const c = line[col] as string;
      if (quote) {
        if (c === quote) quote = null;
      } else if (c === '"' || (c === "'" && quoteOpensString(line, col))) {
        quote = c;
      } else if (c === '{' || c === '(' || c === '[') {
        depth++;
      } else if ((c === '}' || c === ')' || c === ']') && depth > 0) {
        depth--;
      } else if (c === ';' && depth === 0) {
        flush();
        continue;
      }
      buf += c;
      map.push({ line: li, col });
    }
    if (continued) {
      buf += ' ';
      map.push({ line: li, col: end });
    } else {
      flush();
    }
  }
  flush();
  return statements;
}

// ------------------------------------------------------------------------------------------
// Checks and parsing

/**
 * Throws ScriptError unless the script is pure ASCII and parses (BeginMissionSequence, no
 * #Include, no Filename changed in the mission sequence); returns the parse.
 */
export function checkScript(text: string): ParsedScript {
  const { lines } = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    for (let c = 0; c < l.length; c++) {
      const code = l.charCodeAt(c);
      if (code > 0x7f && !(i === 0 && c === 0 && code === 0xfeff)) {
        const cp = l.codePointAt(c) ?? code;
        throw new ScriptError(
          `script line ${i + 1}, column ${c + 1}: non-ASCII character U+${cp
            .toString(16)
            .toUpperCase()
            .padStart(4, '0')}; GMAT only reads ASCII scripts (replace it, comments included)`,
          i + 1,
        );
      }
    }
  }
  return parseScript(text);
}

const CREATE_RE = /^Create\s+([A-Za-z][A-Za-z0-9_]*)\s+(.+)$/s;
const ASSIGN_RE = /^([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.*)$/s;

function firstWord(body: string): string {
  const m = /^[^\s(]+/.exec(body);
  return m ? m[0] : '';
}

/** The value of a Filename right-hand side: unquoted text of a `'...'` literal or a bare token. */
function unquote(rhs: string): string {
  const t = rhs.trim();
  if (t.length >= 2 && ((t[0] === "'" && t.endsWith("'")) || (t[0] === '"' && t.endsWith('"')))) {
    return t.slice(1, -1);
  }
  return t;
}

/** `Filename`, and EphemerisFile's deprecated `FileName`, which GMAT R2026a still honours. */
function isFilenameField(type: string | undefined, field: string): boolean {
  return field === 'Filename' || (type === 'EphemerisFile' && field === 'FileName');
}

function defaultFilename(type: OutputResourceType, name: string, fileFormat: string | null): string {
  if (type === 'EphemerisFile') {
    return `${name}.${fileFormat === 'SPK' ? 'bsp' : fileFormat && fileFormat.startsWith('STK') ? 'e' : 'oem'}`;
  }
  return `${name}.txt`;
}

/** Finds resources, BeginMissionSequence and output resources. Throws ScriptError. */
export function parseScript(text: string): ParsedScript {
  const statements = tokenize(text);
  const bmsIndex = beginMissionSequenceIndex(statements);
  const resources = createdResources(statements, bmsIndex);
  const outputs = outputResources(statements, bmsIndex, resources);
  const typeOf = new Map(resources.map((r) => [r.name, r.type] as const));
  checkUnredirectedOutputs(statements, bmsIndex, typeOf);
  const solvers = solverResources(statements, bmsIndex, resources);
  checkMissionSequence(statements, bmsIndex, typeOf);
  const bms = statements[bmsIndex] as Statement;
  return { statements, resources, outputs, solvers, bmsIndex, bmsLine: bms.line };
}

function beginMissionSequenceIndex(statements: Statement[]): number {
  const bmsIndex = statements.findIndex((s) => firstWord(s.body) === 'BeginMissionSequence');
  if (bmsIndex < 0) {
    throw new ScriptError(
      'script has no BeginMissionSequence; gsweep inserts overrides directly before it, so add a ' +
        '`BeginMissionSequence;` line between the resources and the mission commands',
    );
  }
  return bmsIndex;
}

/** The resources the `Create` lines before BeginMissionSequence make, first creation kept. */
function createdResources(statements: Statement[], bmsIndex: number): Resource[] {
  const resources: Resource[] = [];
  const byName = new Map<string, Resource>();
  for (let i = 0; i < bmsIndex; i++) {
    const s = statements[i] as Statement;
    if (/^#Include\b/i.test(s.body)) {
      throw new ScriptError(
        `script line ${s.line}: #Include is not supported: included files are not patched, so their ` +
          'outputs could not be redirected into the run directory; inline the included script',
        s.line,
      );
    }
    const m = CREATE_RE.exec(s.body);
    if (!m) continue;
    const type = m[1] as string;
    const dimsOf = new Map<string, [number, number]>();
    for (const d of (m[2] as string).matchAll(/([A-Za-z][A-Za-z0-9_]*)\s*\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]/g)) {
      dimsOf.set(d[1] as string, d[3] === undefined ? [1, Number(d[2])] : [Number(d[2]), Number(d[3])]);
    }
    const names = (m[2] as string)
      .replace(/\[[^\]]*\]/g, ' ')
      .split(/[\s,]+/)
      .filter((n) => n.length > 0);
    for (const name of names) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
        throw new ScriptError(`script line ${s.line}: cannot read the resource name ${JSON.stringify(name)} in \`${s.text}\``, s.line);
      }
      const r: Resource = { name, type, line: s.line };
      const dims = dimsOf.get(name);
      if (dims) r.dims = dims;
      if (!byName.has(name)) resources.push(r);
      byName.set(name, r);
    }
  }
  return resources;
}

/** ReportFile, EphemerisFile and ContactLocator resources with the file each would write. */
function outputResources(statements: Statement[], bmsIndex: number, resources: Resource[]): OutputResource[] {
  const outputs: OutputResource[] = [];
  for (const r of resources) {
    if (!(r.type in OUTPUT_TYPES)) continue;
    const type = r.type as OutputResourceType;
    let scripted: string | null = null;
    let fileFormat: string | null = null;
    for (let i = 0; i < bmsIndex; i++) {
      const m = ASSIGN_RE.exec((statements[i] as Statement).body);
      if (!m || m[1] !== r.name) continue;
      if (isFilenameField(type, m[2] as string)) scripted = unquote(m[3] as string);
      if (m[2] === 'FileFormat') fileFormat = unquote(m[3] as string);
    }
    outputs.push({
      name: r.name,
      type,
      kind: OUTPUT_TYPES[type],
      scriptedFilename: scripted,
      filename: scripted && scripted.length > 0 ? scripted : defaultFilename(type, r.name, fileFormat),
    });
  }
  return outputs;
}

/**
 * Files GMAT writes that gsweep does not redirect (optimizer reports, EclipseLocator, ...)
 * land in OUTPUT_PATH, the run directory, unless their name has a directory part. The
 * ReportFile of a DifferentialCorrector/Yukon is redirected into the run directory by
 * patchScript (solver results), so any name it has is harmless.
 */
function checkUnredirectedOutputs(statements: Statement[], bmsIndex: number, typeOf: Map<string, string>): void {
  for (let i = 0; i < bmsIndex; i++) {
    const s = statements[i] as Statement;
    const m = ASSIGN_RE.exec(s.body);
    if (!m) continue;
    const type = typeOf.get(m[1] as string);
    if (type === undefined || type in OUTPUT_TYPES || (SOLVER_TYPES as readonly string[]).includes(type)) continue;
    const reason = outputPathFieldReason(type, [m[2] as string]);
    if (reason && isOwnRunFileName(unquote(m[3] as string).trim())) {
      throw new ScriptError(
        `script line ${s.line}: \`${s.text}\`: ${reason}, and this name is one the run directory uses for itself ` +
          "(gsweep's own files and its <table>.parquet tables); give another file name",
        s.line,
      );
    }
    if (reason && /[/\\]/.test(unquote(m[3] as string))) {
      throw new ScriptError(
        `script line ${s.line}: \`${s.text}\`: ${reason}, and this name has a directory part, so the file would be ` +
          'written outside the run directory; give a plain file name (GMAT writes it into the run directory)',
        s.line,
      );
    }
  }
}

/** DifferentialCorrector and Yukon resources with their report file and iteration limit. */
function solverResources(statements: Statement[], bmsIndex: number, resources: Resource[]): SolverResource[] {
  const solvers: SolverResource[] = [];
  for (const r of resources) {
    if (!(SOLVER_TYPES as readonly string[]).includes(r.type)) continue;
    const type = r.type as SolverType;
    let reportFile: string | null = null;
    let maxIterations = SOLVER_MAX_ITERATIONS[type];
    for (let i = 0; i < bmsIndex; i++) {
      const m = ASSIGN_RE.exec((statements[i] as Statement).body);
      if (!m || m[1] !== r.name) continue;
      if (m[2] === 'ReportFile') reportFile = unquote(m[3] as string);
      if (m[2] === 'MaximumIterations' && /^\d+(\.0*)?$/.test((m[3] as string).trim())) maxIterations = Number((m[3] as string).trim());
    }
    solvers.push({ name: r.name, type, scriptedReportFile: reportFile, maxIterations });
  }
  return solvers;
}

/**
 * Anything that chooses an output file inside the mission sequence would write outside the
 * run directory (GMAT honours a mission-sequence `Track.Filename = ...` at run time).
 */
function checkMissionSequence(statements: Statement[], bmsIndex: number, typeOf: Map<string, string>): void {
  for (let i = bmsIndex + 1; i < statements.length; i++) {
    const s = statements[i] as Statement;
    const m = ASSIGN_RE.exec(s.body);
    const reason = m ? outputPathFieldReason(typeOf.get(m[1] as string), [m[2] as string]) : null;
    if (m && reason && typeOf.has(m[1] as string)) {
      throw new ScriptError(
        `script line ${s.line}: \`${s.text}\` changes an output file inside the mission sequence (${reason}); ` +
          'gsweep must redirect every output into the run directory, so set it before BeginMissionSequence',
        s.line,
      );
    }
    const word = firstWord(s.body);
    if (word === 'Create') {
      throw new ScriptError(
        `script line ${s.line}: \`${s.text}\` creates a resource inside the mission sequence; GMAT requires every ` +
          'resource to be created before BeginMissionSequence, so move the Create above it',
        s.line,
      );
    }
    const saved = word === 'SaveMission' ? unquote(s.body.slice('SaveMission'.length).trim()).trim() : '';
    if (saved && isOwnRunFileName(saved)) {
      throw new ScriptError(
        `script line ${s.line}: \`${s.text}\` saves the mission as ${JSON.stringify(saved)}, a name the run directory uses ` +
          "for itself (gsweep's own files and its <table>.parquet tables); give another file name",
        s.line,
      );
    }
    if (word === 'SaveMission' && /[/\\]/.test(s.body.slice('SaveMission'.length))) {
      throw new ScriptError(
        `script line ${s.line}: \`${s.text}\` saves the mission to a path with a directory part, outside the run ` +
          'directory; give a plain file name (GMAT writes it into the run directory) or remove the command',
        s.line,
      );
    }
    if (/^#Include\b/i.test(s.body)) {
      throw new ScriptError(
        `script line ${s.line}: #Include is not supported: included files are not patched; inline the included script`,
        s.line,
      );
    }
  }
}

// ------------------------------------------------------------------------------------------
// Overrides against a script

/**
 * Checks every override, key and value, and then against the script's resources. Throws
 * OverrideError.
 */
export function validateOverridesForScript(
  resources: readonly Pick<Resource, 'name' | 'type' | 'dims'>[],
  overrides: Overrides,
): void {
  const fitsScript = overrideFitsScript(resources);
  for (const [key, value] of Object.entries(overrides)) {
    parseOverrideKey(key);
    validateOverrideValue(key, value);
    fitsScript(key, value);
  }
}

/**
 * The check of one override against the script's resources, for a key and value that are
 * already valid on their own (a checked request's are): it does not judge them again. Throws
 * OverrideError.
 *
 * The first segment must be a resource the script creates; the rest of a nested path
 * (`FM.GravityField.Earth.Degree`) is GMAT's to judge, and a field GMAT does not know fails
 * the run with GMAT's own "field name ... is not permitted" line.
 */
export function overrideFitsScript(resources: readonly Pick<Resource, 'name' | 'type' | 'dims'>[]): (key: string, value: OverrideValue) => void {
  const byName = new Map(resources.map((r) => [r.name, r] as const));
  return (key, value) => {
    const target = parseOverrideKey(key);
    const head = `override ${describeValue(key)} = ${describeValue(value)}`;
    const r = byName.get(target.resource);
    if (!r) {
      const list = resources.map((x) => `${x.name} (${x.type})`).join(', ') || '(none)';
      throw new OverrideError(
        key,
        value,
        `${head}: the script creates no resource named "${target.resource}"; resources in the script: ${list}`,
      );
    }
    const isReal = typeof value === 'number' || (typeof value === 'string' && GMAT_REAL_LITERAL.test(value));
    if (target.kind === 'element') {
      if (r.type !== 'Array') {
        throw new OverrideError(
          key,
          value,
          `${head}: "${target.resource}" is a ${r.type}, not an Array; only Array elements are addressed as ` +
            `"Name(row,col)"` + (r.type === 'Variable' ? `; write "${target.resource}.Value"` : ''),
        );
      }
      if (r.dims && (target.row > r.dims[0] || target.col > r.dims[1])) {
        throw new OverrideError(
          key,
          value,
          `${head}: index (${target.row},${target.col}) is outside ${target.resource}[${r.dims[0]},${r.dims[1]}]` +
            (target.oneD ? ` (GMAT reads the 1-D form ${target.resource}(k) as ${target.resource}(1,k))` : '') +
            '; use indices within the declared size',
        );
      }
      if (!isReal) {
        throw new OverrideError(key, value, `${head}: an Array element holds a real number; give a number`);
      }
      return;
    }
    // Decided by the resource's type and the whole field path, so nested spellings are caught too.
    const reason = outputPathFieldReason(r.type, target.path);
    if (reason) {
      throw new OverrideError(
        key,
        value,
        `${head}: ${reason}; gsweep writes every output into the run's own directory, so output paths cannot ` +
          'be overridden: remove this key (set the file name in the script)',
      );
    }
    const field = target.path.join('.');
    if (r.type === 'Variable') {
      if (field !== 'Value') {
        throw new OverrideError(key, value, `${head}: "${target.resource}" is a Variable; address it as "${target.resource}.Value"`);
      }
      if (!isReal) {
        throw new OverrideError(key, value, `${head}: a Variable holds a real number; give a number`);
      }
    } else if (r.type === 'Array') {
      const size = r.dims ? `[${r.dims[0]},${r.dims[1]}]` : '';
      throw new OverrideError(
        key,
        value,
        `${head}: "${target.resource}" is an Array${size}; GMAT sets it one element at a time, so override ` +
          `elements as "${target.resource}(row,col)", e.g. "${target.resource}(1,1)"`,
      );
    } else if (field === 'Value') {
      const variables = resources.filter((x) => x.type === 'Variable').map((x) => x.name);
      throw new OverrideError(
        key,
        value,
        `${head}: ".Value" addresses a script Variable, but "${target.resource}" is a ${r.type}; Variables in the script: ${variables.join(', ') || '(none)'}`,
      );
    }
  };
}

// ------------------------------------------------------------------------------------------
// Patching

/** Characters that cannot appear in an absolute path written into a quoted GMAT string. */
function checkRunDir(runDir: string): string {
  if (!runDir.startsWith('/')) {
    throw new ScriptError(`run directory ${JSON.stringify(runDir)} must be an absolute path`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\uffff'";%{}]/.test(runDir)) {
    throw new ScriptError(
      `run directory ${JSON.stringify(runDir)} contains a character GMAT cannot take inside a quoted ` +
        "file name (quote, ';', '%', brace, control or non-ASCII); choose an output directory without it",
    );
  }
  const segs = runDir.split('/');
  if (segs.some((s) => s === '..' || s === '.')) {
    throw new ScriptError(`run directory ${JSON.stringify(runDir)} must be normalised (no "." or ".." segments)`);
  }
  return runDir.replace(/\/+$/, '') || '/';
}

/** The basename GMAT's Filename maps to inside the run directory (sub-directories dropped). */
export function outputBasename(filename: string, resource: string): string {
  const parts = filename.split(/[/\\]/);
  const base = (parts[parts.length - 1] ?? '').trim();
  if (base === '' || base === '.' || base === '..') {
    throw new ScriptError(`output ${resource}: Filename ${JSON.stringify(filename)} has no file name part`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\uffff'";%{}]/.test(base)) {
    throw new ScriptError(`output ${resource}: file name ${JSON.stringify(base)} contains a character that cannot be written into a GMAT string`);
  }
  return base;
}

export interface PatchOptions {
  /** Run-directory file names an output may not take (default RESERVED_RUN_FILES). */
  reserved?: readonly string[];
}

/**
 * Patches a script for one run. `overrides` are inserted in the given order (the caller
 * sorts). Throws ScriptError (bad script, output name clash) or OverrideError (bad override).
 */
export function patchScript(text: string, overrides: Overrides, runDir: string, options: PatchOptions = {}): PatchResult {
  const parsed = checkScript(text);
  const dir = checkRunDir(runDir);
  // A prepared request's values were checked before the sweep started, but not every value
  // that reaches GMAT came that way: `gsweep run-one`, and the table values of a resumed sweep,
  // read back from its output directory. This is the one check all of them pass.
  validateOverridesForScript(parsed.resources, overrides);

  const reservedNames = options.reserved ?? RESERVED_RUN_FILES;
  const reserved = { has: (lower: string) => isOwnRunFileName(lower, reservedNames) };
  const seen = new Map<string, string>();
  const outputs = pinOutputs(parsed, dir, reserved, seen);
  const solvers = pinSolvers(parsed, overrides, dir, reserved, seen);

  // GMAT reads ASCII only: a UTF-8 byte-order mark is dropped from the patched copy.
  const { lines, eols } = splitLines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const { edits, inserts } = filenameEdits(parsed, outputs);
  const typeOf = new Map(parsed.resources.map((r) => [r.name, r.type] as const));
  for (const [key, value] of Object.entries(overrides)) {
    inserts.push(overrideLine(key, value as OverrideValue, typeOf.get(parseOverrideKey(key).resource)));
  }
  // Solver logs are pinned after the overrides, so no override can move one out of the run.
  for (const sv of solvers) inserts.push(`GMAT ${sv.name}.ReportFile = '${sv.path}';`);

  const outLines = lines.slice();
  for (const [li, list] of edits) {
    let l = outLines[li] as string;
    for (const e of list.sort((x, y) => y.col - x.col)) l = l.slice(0, e.col) + e.text + l.slice(e.end);
    outLines[li] = l;
  }
  return { text: insertBeforeBeginMissionSequence(parsed, outLines, eols, inserts), outputs, solvers };
}

type ReservedNames = { has: (lower: string) => boolean };

/** Each output's file inside the run directory; `seen` collects the names taken (lower case). */
function pinOutputs(parsed: ParsedScript, dir: string, reserved: ReservedNames, seen: Map<string, string>): PatchedOutput[] {
  const outputs: PatchedOutput[] = [];
  for (const o of parsed.outputs) {
    const base = outputBasename(o.filename, o.name);
    const lower = base.toLowerCase();
    if (reserved.has(lower)) {
      throw new ScriptError(
        `output ${o.name} (${o.type}) would be written as "${base}", a name the run directory uses for itself (gsweep's own files and its <table>.parquet tables); rename its Filename`,
      );
    }
    const other = seen.get(lower);
    if (other !== undefined) {
      throw new ScriptError(
        `outputs ${other} and ${o.name} would both be written to "${base}" in the run directory; give them different Filename basenames`,
      );
    }
    seen.set(lower, o.name);
    outputs.push({ name: o.name, type: o.type, kind: o.kind, path: `${dir === '/' ? '' : dir}/${base}` });
  }
  return outputs;
}

/** Solver iteration logs are pinned into the run directory like every other output. */
function pinSolvers(parsed: ParsedScript, overrides: Overrides, dir: string, reserved: ReservedNames, seen: Map<string, string>): PatchedSolver[] {
  const solvers: PatchedSolver[] = [];
  for (const sv of parsed.solvers) {
    const declared = sv.scriptedReportFile && sv.scriptedReportFile.length > 0 ? sv.scriptedReportFile : `${sv.type}${sv.name}.data`;
    const base = outputBasename(declared, sv.name);
    const lower = base.toLowerCase();
    const other = seen.get(lower);
    if (reserved.has(lower) || other !== undefined) {
      throw new ScriptError(
        `solver ${sv.name} (${sv.type}) would write its log as "${base}", a name ${other ? `output ${other} also uses` : 'the run directory uses for itself'}; set ${sv.name}.ReportFile to another name`,
      );
    }
    seen.set(lower, sv.name);
    const fromOverride = overrides[`${sv.name}.MaximumIterations`];
    const maxIterations = typeof fromOverride === 'number' && Number.isInteger(fromOverride) ? fromOverride : sv.maxIterations;
    solvers.push({ name: sv.name, type: sv.type, path: `${dir === '/' ? '' : dir}/${base}`, maxIterations });
  }
  return solvers;
}

/**
 * In-place rewrites of existing Filename assignments (all of them before BMS, so that an
 * earlier relative name never gets resolved against another directory at parse time), by
 * line; outputs without one get an inserted assignment instead.
 */
function filenameEdits(parsed: ParsedScript, outputs: PatchedOutput[]): { edits: Map<number, { col: number; end: number; text: string }[]>; inserts: string[] } {
  const inserts: string[] = [];
  const edits = new Map<number, { col: number; end: number; text: string }[]>();
  for (const out of outputs) {
    let rewritten = false;
    for (let i = 0; i < parsed.bmsIndex; i++) {
      const s = parsed.statements[i] as Statement;
      const m = ASSIGN_RE.exec(s.body);
      if (!m || m[1] !== out.name || !isFilenameField(out.type, m[2] as string)) continue;
      const rhs = m[3] as string;
      const rhsTrim = rhs.trim();
      const bodyOffset = s.text.length - s.body.length;
      const rhsStart = bodyOffset + s.body.length - rhs.length + (rhs.length - rhs.trimStart().length);
      const rhsEnd = rhsStart + rhsTrim.length; // exclusive
      const a = s.map[rhsStart];
      const b = s.map[rhsEnd - 1];
      if (rhsTrim.length > 0 && a && b && a.line === b.line && b.col - a.col === rhsTrim.length - 1) {
        const list = edits.get(a.line) ?? [];
        list.push({ col: a.col, end: b.col + 1, text: `'${out.path}'` });
        edits.set(a.line, list);
        rewritten = true;
      }
    }
    if (!rewritten) inserts.push(`GMAT ${out.name}.Filename = '${out.path}';`);
  }
  return { edits, inserts };
}

/**
 * The script text with `inserts` before the BeginMissionSequence line; if something precedes
 * BMS on its line, the line is split there first. Line endings are kept as they were.
 */
function insertBeforeBeginMissionSequence(parsed: ParsedScript, outLines: string[], eols: string[], inserts: string[]): string {
  const eol = eols.find((e) => e !== '') ?? '\n';
  const bms = parsed.statements[parsed.bmsIndex] as Statement;
  const bmsPos = bms.map[0] as Pos;
  const bmsStartCol = bmsPos.col;
  const bmsLineText = outLines[bmsPos.line] as string;
  const before = bmsLineText.slice(0, bmsStartCol);
  const result: string[] = [];
  const resultEols: string[] = [];
  for (let li = 0; li < outLines.length; li++) {
    if (li === bmsPos.line && inserts.length > 0) {
      if (before.trim() !== '') {
        result.push(before.replace(/\s+$/, ''));
        resultEols.push(eol);
      }
      for (const ins of inserts) {
        result.push(ins);
        resultEols.push(eol);
      }
      result.push(before.trim() !== '' ? bmsLineText.slice(bmsStartCol) : (outLines[li] as string));
      resultEols.push(eols[li] as string);
      continue;
    }
    result.push(outLines[li] as string);
    resultEols.push(eols[li] as string);
  }
  let patched = '';
  for (let i = 0; i < result.length; i++) patched += (result[i] as string) + (resultEols[i] as string);
  return patched;
}

export type { OverrideValue, Overrides };
