/**
 * gsweep against gmat-sweep 0.6 on the same GMAT install, same grid, same slots.
 *
 *   npm run bench:vs-peer -- [--runs 1000] [--slots 2] [--repeats 3] [--small 200]
 *       [--fresh-runs 40] [--gmat-root DIR] [--script FILE] [--axis Sat.SMA=6800:7400]
 *       [--only plain,peer-warm,peer-fresh,gsweep-warm,gsweep-fresh,base-warm] [--keep]
 *       [--baseline CHECKOUT]
 *
 * Tools (each a whole command, timed from outside by bench/vs-peer/measure.py):
 *  - plain:        the floor. P `GmatConsole --batch` processes, each fed its share of
 *                  pre-patched scripts (patching happens before the clock starts), no parsing.
 *  - peer-warm:    gmat_sweep.sweep(..., LocalJoblibPool(max_workers=P, reuse_gmat_context=True))
 *  - peer-fresh:   the same with reuse_gmat_context=False (--fresh-runs runs: it is slow)
 *  - gsweep-warm:  `node bin/gsweep.js run … --engine-mode warm --concurrency P` (embedded server)
 *  - gsweep-fresh: the same with --engine-mode fresh (--fresh-runs runs)
 *  - base-warm:    gsweep-warm from another checkout (--baseline DIR, e.g. a `git worktree`
 *                  of the commit before a change): before/after pairs for docs/benchmarks.md
 * Each repeat runs every tool once, in an order that reverses every repeat, at the full
 * size and at the small size; start-up and marginal cost come from the two sizes. After the
 * first full-size repeat, gsweep's aggregate is checked against gmat-sweep's DataFrame.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { locateGmat } from '../gmat/install';
import { patchScript } from '../gmat/script';
import { renderStartupFile } from '../gmat/startup';
import { linspace } from '../sweep/grid';
import { ensurePeerEnv } from './vs-peer/peer-env';
import { fmt, numberFlag, parseArgs, printMachine, REPO_ROOT, SHARED_MISSIONS } from './lib/common';

const TOOLS = ['plain', 'peer-warm', 'peer-fresh', 'gsweep-warm', 'gsweep-fresh', 'base-warm'] as const;
type Tool = (typeof TOOLS)[number];
const HERE = path.join(REPO_ROOT, 'bench', 'vs-peer');

interface Measured {
  code: number | null;
  wall_s: number;
  cpu_s: number;
  max_rss_mib: number;
  tree_rss_mib: number;
  /** CPU seconds by command name over the process tree (sampled every 50 ms: a lower bound). */
  cpu_by_command?: Record<string, number>;
  stdout: string;
  stderr: string;
}

const { flags } = parseArgs(process.argv.slice(2));
const runs = numberFlag(flags, 'runs', 1000);
const slots = numberFlag(flags, 'slots', 2);
const repeats = numberFlag(flags, 'repeats', 3);
const small = numberFlag(flags, 'small', Math.max(2, Math.round(runs / 5)));
const freshRuns = numberFlag(flags, 'fresh-runs', Math.min(runs, 40));
const script = path.resolve(typeof flags.script === 'string' ? flags.script : path.join(SHARED_MISSIONS, 'leo_point_mass.script'));
if (!fs.existsSync(script)) throw new Error(`--script ${script} does not exist; pass --script <mission.script>`);
const [axisKey, axisRange] = (typeof flags.axis === 'string' ? flags.axis : 'Sat.SMA=6800:7400').split('=');
const [lo, hi] = axisRange.split(':').map(Number);
const baseline = typeof flags.baseline === 'string' ? path.resolve(flags.baseline) : undefined;
const only = new Set<Tool>(
  typeof flags.only === 'string' ? (flags.only.split(',') as Tool[]) : TOOLS.filter((t) => t !== 'base-warm' || baseline),
);
if (only.has('base-warm') && !baseline) throw new Error('base-warm needs --baseline <checkout of gsweep>');
for (const t of only) if (!TOOLS.includes(t)) throw new Error(`--only: unknown tool ${t}; choose from ${TOOLS.join(',')}`);
const keep = flags.keep === true;

// The same install gsweep would use: --gmat-root, else GMAT_ROOT, else gsweep's locator.
const install = locateGmat({ gmatRoot: typeof flags['gmat-root'] === 'string' ? flags['gmat-root'] : undefined });
const log = (s: string) => process.stderr.write(`${s}\n`);
const peer = only.has('peer-warm') || only.has('peer-fresh') ? ensurePeerEnv(install, log) : undefined;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-vs-peer-'));
const measurePython = process.env.PYTHON ?? 'python3';

function sizesOf(tool: Tool): number[] {
  if (tool.endsWith('fresh')) return [freshRuns];
  return small < runs ? [runs, small] : [runs];
}

function gridFile(n: number): string {
  const file = path.join(work, `grid-${n}.json`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify({ [axisKey]: linspace(lo, hi, n) }));
  return file;
}

/** The floor's inputs, made before its clock starts: patched scripts, startup files, batch lists. */
function preparePlain(n: number, dir: string): string[] {
  const text = fs.readFileSync(script, 'utf8');
  const values = linspace(lo, hi, n);
  const lists: string[][] = Array.from({ length: slots }, () => []);
  for (let i = 0; i < n; i++) {
    const runDir = path.join(dir, 'runs', `run-${i}`);
    fs.mkdirSync(runDir, { recursive: true });
    const patched = patchScript(text, { [axisKey]: values[i] }, runDir);
    const file = path.join(runDir, 'patched.script');
    fs.writeFileSync(file, patched.text);
    lists[i % slots].push(file);
  }
  const commands: string[] = [];
  for (let s = 0; s < slots; s++) {
    const slotDir = path.join(dir, `slot-${s}`);
    fs.mkdirSync(slotDir, { recursive: true });
    const startup = path.join(slotDir, 'gmat_startup_file.txt');
    fs.writeFileSync(startup, renderStartupFile(install, slotDir));
    const list = path.join(slotDir, 'batch.txt');
    fs.writeFileSync(list, lists[s].join('\n') + '\n');
    commands.push(
      `cd ${slotDir} && ${install.consolePath} --verbose off --startup_file ${startup} --batch ${list} > ${slotDir}/stdout.txt`,
    );
  }
  return commands;
}

function plainSucceeded(dir: string): number {
  let ok = 0;
  for (let s = 0; s < slots; s++) {
    const text = fs.readFileSync(path.join(dir, `slot-${s}`, 'stdout.txt'), 'utf8');
    const m = /successful\D*(\d+)/i.exec(text.slice(text.lastIndexOf('Batch Run Statistics')));
    ok += m ? Number(m[1]) : 0;
  }
  return ok;
}

function commandFor(tool: Tool, n: number, dir: string, framePath?: string): string[] {
  switch (tool) {
    case 'plain':
      return ['sh', '-c', preparePlain(n, dir).map((c) => `(${c}) &`).join(' ') + ' wait'];
    case 'peer-warm':
    case 'peer-fresh':
      return [
        peer!.python,
        path.join(HERE, 'peer_sweep.py'),
        script,
        gridFile(n),
        String(slots),
        tool === 'peer-warm' ? 'reuse' : 'fresh',
        dir,
        ...(framePath ? [framePath] : []),
      ];
    case 'gsweep-warm':
    case 'gsweep-fresh':
    case 'base-warm':
      return [
        process.execPath,
        path.join(tool === 'base-warm' ? baseline! : REPO_ROOT, 'bin', 'gsweep.js'),
        'run',
        script,
        '--grid',
        `${axisKey}=${lo}:${hi}:${n}`,
        '--engine-mode',
        tool === 'gsweep-fresh' ? 'fresh' : 'warm',
        '--concurrency',
        String(slots),
        '--gmat-root',
        install.root,
        '--out',
        dir,
        '--json',
      ];
  }
}

function measure(tool: Tool, n: number, dir: string, framePath?: string): Measured {
  const cmd = commandFor(tool, n, dir, framePath);
  const out = path.join(work, 'measure.json');
  const env = { ...process.env, GMAT_ROOT: tool.startsWith('peer') ? peer!.overlayRoot : install.root };
  execFileSync(measurePython, [path.join(HERE, 'measure.py'), out, '--', ...cmd], { env, stdio: 'inherit' });
  const m = JSON.parse(fs.readFileSync(out, 'utf8')) as Measured;
  if (m.code !== 0) throw new Error(`${tool} (${n} runs) exited with ${m.code}:\n${m.stderr}\n${m.stdout}`);
  if (tool === 'plain') {
    const ok = plainSucceeded(dir);
    if (ok !== n) throw new Error(`plain console pool: ${ok}/${n} scripts succeeded (see ${dir})`);
  }
  if (tool.startsWith('gsweep') || tool === 'base-warm') {
    const summary = JSON.parse(m.stdout.slice(m.stdout.indexOf('{'))) as { summary?: { ok: number } };
    if (summary.summary?.ok !== n) throw new Error(`${tool}: ${summary.summary?.ok}/${n} runs ok\n${m.stdout}`);
  }
  return m;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function compareTables(gsweepDir: string, frame: string): void {
  const python = peer!.python;
  const ours = path.join(gsweepDir, 'report__Track.parquet');
  const text = execFileSync(python, [path.join(HERE, 'compare.py'), ours, frame, '1e-9'], { encoding: 'utf8' }).trim();
  const r = JSON.parse(text) as { equal: boolean; rows: number; columns: string[]; problems: string[] };
  console.log(`check: gsweep aggregate == gmat-sweep DataFrame (rtol 1e-9): ${r.equal ? 'EQUAL' : 'DIFFERENT'} — ${r.rows} rows × ${r.columns.length} columns`);
  if (!r.equal) throw new Error(`tables differ: ${r.problems.join('; ')}`);
}

const results = new Map<string, Measured[]>();
const keyOf = (tool: Tool, n: number) => `${tool}@${n}`;

printMachine();
console.log(
  `engine: GmatConsole ${install.version ?? '(version unknown)'} at ${install.root}` +
    (peer ? `; gmat-sweep via GMAT_ROOT=${peer.overlayRoot} (overlay of the same install)` : ''),
);
console.log(`script: ${script}; grid ${axisKey}=${lo}:${hi}:N; slots ${slots}; sizes N=${runs}, small=${small}, fresh=${freshRuns}; repeats ${repeats}`);

const order = TOOLS.filter((t) => only.has(t));
// Run each gsweep checkout once on a 2-run sweep (not timed), so no measured repeat pays for
// compiling (tsx) or for building the workflow bundle (cached per content in ~/.cache).
for (const tool of new Set(order.filter((t) => t === 'gsweep-warm' || t === 'base-warm'))) {
  execFileSync(commandFor(tool, 2, path.join(work, `warm-up-${tool}`))[0], commandFor(tool, 2, path.join(work, `warm-up-${tool}`)).slice(1), { stdio: 'ignore' });
  fs.rmSync(path.join(work, `warm-up-${tool}`), { recursive: true, force: true });
}
let compared = false;
for (let r = 0; r < repeats; r++) {
  const tools = r % 2 === 0 ? order : [...order].reverse();
  for (const tool of tools) {
    for (const n of sizesOf(tool)) {
      const dir = path.join(work, `${tool}-${n}-r${r}`);
      const frame = r === 0 && tool === 'peer-warm' && n === runs ? path.join(work, 'peer-frame.parquet') : undefined;
      const m = measure(tool, n, dir, frame);
      const list = results.get(keyOf(tool, n)) ?? [];
      list.push(m);
      results.set(keyOf(tool, n), list);
      console.log(
        `  repeat ${r + 1} ${tool.padEnd(12)} ${String(n).padStart(5)} runs  wall ${fmt(m.wall_s).padStart(7)} s  CPU ${fmt(m.cpu_s).padStart(7)} s  ` +
          `peak RSS ${fmt(m.max_rss_mib, 0)} MiB (tree ${fmt(m.tree_rss_mib, 0)} MiB)  load ${os.loadavg()[0].toFixed(1)}`,
      );
      if (m.cpu_by_command) {
        const parts = Object.entries(m.cpu_by_command).sort((a, b) => b[1] - a[1]).map(([comm, s2]) => `${comm} ${fmt(s2, 2)} s`);
        console.log(`      CPU by process (sampled): ${parts.join(', ')}`);
      }
      if (!compared && fs.existsSync(path.join(work, 'peer-frame.parquet')) && results.has(keyOf('gsweep-warm', runs))) {
        compareTables(path.join(work, `gsweep-warm-${runs}-r${r}`), path.join(work, 'peer-frame.parquet'));
        compared = true;
      }
      if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
if (!compared && only.has('gsweep-warm') && only.has('peer-warm')) console.log('check: not run (keep both tables to compare)');

// Figures: medians over repeats; ratios are medians of per-repeat ratios (alternating pairs).
const med = (tool: Tool, n: number, f: (m: Measured) => number) => median((results.get(keyOf(tool, n)) ?? []).map(f));
const pairRatio = (a: Tool, b: Tool, n: number, f: (m: Measured) => number = (m) => m.wall_s) => {
  const A = results.get(keyOf(a, n));
  const B = results.get(keyOf(b, n));
  if (!A || !B) return undefined;
  return median(A.slice(0, B.length).map((m, i) => f(m) / f(B[i])));
};
const cpu = (m: Measured) => m.cpu_s;
const opt = (x: number | undefined) => (x === undefined ? '' : fmt(x, 3));

console.log('\nmedians over repeats');
console.log('| tool | runs | wall s | CPU s | peak RSS MiB (largest process / tree) | wall ÷ gmat-sweep, same mode | wall ÷ plain floor | CPU ÷ gmat-sweep | CPU ÷ plain |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const tool of order) {
  for (const n of sizesOf(tool)) {
    const peerSameMode: Tool = tool.endsWith('fresh') ? 'peer-fresh' : 'peer-warm';
    const toPeer = tool.startsWith('peer') ? undefined : pairRatio(tool, peerSameMode, n);
    const toPlain = tool === 'plain' ? undefined : pairRatio(tool, 'plain', n);
    console.log(
      `| ${tool} | ${n} | ${fmt(med(tool, n, (m) => m.wall_s))} | ${fmt(med(tool, n, (m) => m.cpu_s))} | ` +
        `${fmt(med(tool, n, (m) => m.max_rss_mib), 0)} / ${fmt(med(tool, n, (m) => m.tree_rss_mib), 0)} | ` +
        `${toPeer === undefined ? '' : fmt(toPeer, 3)} | ${toPlain === undefined ? '' : fmt(toPlain, 3)} | ` +
        `${opt(tool.startsWith('peer') ? undefined : pairRatio(tool, peerSameMode, n, cpu))} | ${opt(tool === 'plain' ? undefined : pairRatio(tool, 'plain', n, cpu))} |`,
    );
  }
}

const basePair = only.has('base-warm') && only.has('gsweep-warm') ? pairRatio('gsweep-warm', 'base-warm', runs) : undefined;
if (basePair !== undefined) console.log(`gsweep-warm ÷ base-warm (${runs} runs, median of pairs): ${fmt(basePair, 3)}`);

if (small < runs) {
  console.log(`\nstart-up vs marginal cost (fit through N=${runs} and ${small}, per repeat, medians)`);
  console.log('| tool | fixed s (wall) | marginal ms/run (wall) | marginal ms/run per slot | ÷ plain floor | fixed CPU s | marginal CPU ms/run | ÷ plain floor (CPU) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  const fits = new Map<Tool, { fixed: number; perRunSlot: number; each: number[]; cpuFixed: number; cpuPerRun: number; cpuEach: number[] }>();
  for (const tool of order) {
    if (tool.endsWith('fresh')) continue;
    const big = results.get(keyOf(tool, runs))!;
    const sm = results.get(keyOf(tool, small))!;
    const slopes = big.map((m, i) => (m.wall_s - sm[i].wall_s) / (runs - small));
    const fixeds = big.map((m, i) => m.wall_s - slopes[i] * runs);
    const cpuSlopes = big.map((m, i) => (m.cpu_s - sm[i].cpu_s) / (runs - small));
    const cpuFixeds = big.map((m, i) => m.cpu_s - cpuSlopes[i] * runs);
    fits.set(tool, {
      fixed: median(fixeds),
      perRunSlot: median(slopes) * slots * 1000,
      each: slopes.map((s) => s * slots * 1000),
      cpuFixed: median(cpuFixeds),
      cpuPerRun: median(cpuSlopes) * 1000,
      cpuEach: cpuSlopes.map((s) => s * 1000),
    });
  }
  const floor = fits.get('plain');
  for (const [tool, f] of fits) {
    const toFloor = floor && tool !== 'plain' ? median(f.each.map((x, i) => x / floor.each[i])) : undefined;
    const cpuToFloor = floor && tool !== 'plain' ? median(f.cpuEach.map((x, i) => x / floor.cpuEach[i])) : undefined;
    console.log(
      `| ${tool} | ${fmt(f.fixed)} | ${fmt(f.perRunSlot / slots, 1)} | ${fmt(f.perRunSlot, 1)} | ${toFloor === undefined ? '' : fmt(toFloor, 3)} | ` +
        `${fmt(f.cpuFixed)} | ${fmt(f.cpuPerRun, 1)} | ${cpuToFloor === undefined ? '' : fmt(cpuToFloor, 3)} |`,
    );
  }
}
// The targets gsweep holds itself to, with the figures above (medians of alternating pairs).
if (only.has('gsweep-warm') && only.has('peer-warm')) {
  const verdict = (x: number | undefined, max: number) => (x === undefined ? 'not measured' : `${fmt(x, 3)} (target <= ${max}: ${x <= max ? 'met' : 'missed'})`);
  console.log('\ntargets (gsweep-warm, medians of alternating pairs)');
  console.log(`  wall / gmat-sweep at ${runs} runs: ${verdict(pairRatio('gsweep-warm', 'peer-warm', runs), 0.65)}`);
  if (small < runs) console.log(`  wall / gmat-sweep at ${small} runs: ${verdict(pairRatio('gsweep-warm', 'peer-warm', small), 0.8)}`);
  if (small < runs && only.has('plain')) {
    const big = results.get(keyOf('gsweep-warm', runs))!;
    const sm = results.get(keyOf('gsweep-warm', small))!;
    const pBig = results.get(keyOf('plain', runs))!;
    const pSm = results.get(keyOf('plain', small))!;
    const slope = (b: Measured[], s2: Measured[], i: number) => (b[i].cpu_s - s2[i].cpu_s) / (runs - small);
    const marginal = median(big.map((_, i) => slope(big, sm, i) / slope(pBig, pSm, i)));
    const fixedCpu = median(big.map((m, i) => m.cpu_s - slope(big, sm, i) * runs));
    console.log(`  marginal CPU per run / plain floor: ${verdict(marginal, 1.15)}`);
    console.log(`  fixed CPU (start-up, server, bundle, aggregate, shutdown), s: ${verdict(fixedCpu, 2)}`);
  }
}
console.log(`\nwork directory: ${work}${keep ? ' (kept)' : ''}`);
if (!keep) fs.rmSync(work, { recursive: true, force: true });
