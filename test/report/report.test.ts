/**
 * `gsweep report` on real sweeps made by gsweep (stand-in engine): contents chosen by run
 * set, the page is self-contained, failures show GMAT's own error lines; and the page as a
 * person sees it, in headless Chromium opened from disk: no console errors, no request
 * leaving the file, the expected charts drawn, a screenshot saved.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from '../helpers/chromium';
import { runCli } from '../helpers/temporal';
import { LEO, openSweepLab, type SweepLab } from '../analysis/sweeps';

/** Charts drawn in a report, by `data-chart` id, in page order. */
function chartIds(html: string): string[] {
  return [...html.matchAll(/<figure class="chart" data-chart="([^"]+)">/g)].map((m) => m[1]);
}

// Pages are long: failures print the expectation, not the page.
const has = (page: string, text: string) => expect(page.includes(text), `page contains ${text}`).toBe(true);
const lacks = (page: string, text: string) => expect(page.includes(text), `page lacks ${text}`).toBe(false);
const matches = (page: string, re: RegExp) => expect(re.test(page), `page matches ${re}`).toBe(true);

const MOVING = ['Sat.EarthMJ2000Eq.X', 'Sat.EarthMJ2000Eq.Y', 'Sat.EarthMJ2000Eq.Z', 'Sat.EarthMJ2000Eq.VX', 'Sat.EarthMJ2000Eq.VY', 'Sat.EarthMJ2000Eq.VZ', 'Sat.Earth.SMA'];

describe('gsweep report', () => {
  let lab: SweepLab;
  const outs: Record<string, string> = {};
  const html: Record<string, string> = {};

  beforeAll(async () => {
    lab = await openSweepLab();
    outs.grid = await lab.sweep('grid', ['run', LEO, '--grid', 'Sat.SMA=6800:7400:8']);
    outs.grid2 = await lab.sweep('grid2', ['run', LEO, '--grid', 'Sat.SMA=6800:7400:4', '--grid', 'Sat.ECC=0.001:0.01:3']);
    outs.grid3 = await lab.sweep('grid3', ['run', LEO, '--grid', 'Sat.SMA=6800:7400:4', '--grid', 'Sat.ECC=0.001,0.005', '--grid', 'Sat.INC=28.5,51.6,98']);
    outs.mc = await lab.sweep('mc', ['monte-carlo', LEO, '--n', '60', '--perturb', 'Sat.SMA=normal:7100:50', '--perturb', 'Sat.INC=uniform:50:52', '--seed', '42']);
    // SMA = 0 and ECC = 1.5 are rejected by the engine: 5 of 8 runs fail.
    outs.failed = await lab.sweep('failed', ['run', LEO, '--grid', 'Sat.SMA=0,6900,7100,7300', '--grid', 'Sat.ECC=0.001,1.5'], 1);
    for (const [name, out] of Object.entries(outs)) {
      const r = await runCli(['report', out, '--json']);
      if (r.code !== 0) throw new Error(`gsweep report ${out}: exit ${r.code}\n${r.stderr}`);
      const printed = JSON.parse(r.stdout);
      expect(printed.file).toBe(path.join(out, 'report.html'));
      html[name] = fs.readFileSync(printed.file, 'utf8');
      expect(printed.bytes).toBe(Buffer.byteLength(html[name]));
      expect(printed.charts).toBe(chartIds(html[name]).length);
    }
    // Several real sweeps on a shared 2-core machine: allow minutes, not the 2-minute default.
  }, 600_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('grid, one axis: header, duration histogram, a line per varying column, the X-Y trajectory overlay', () => {
    const page = html.grid;
    expect(chartIds(page)).toEqual(['durations', ...MOVING.map((c) => `grid-${c}`), 'trajectories']);
    has(page, '<th>script</th><td>leo_point_mass.script</td>');
    matches(page, /<th>script SHA-256<\/th><td>[0-9a-f]{64}<\/td>/);
    has(page, '<th>runs</th><td>8 · 8 ok · 0 failed · 0 cancelled</td>');
    has(page, 'stand-in engine (a test double of GmatConsole, not GMAT)');
    matches(page, /<th>wall time<\/th><td>[\d.]+ (s|min)/);
    has(page, 'Final values the same in every run (not charted): Sat.ElapsedSecs, Sat.Earth.ECC.');
    has(page, 'all 8 ok runs; colour = Sat.SMA.');
    lacks(page, 'id="failures"');
  });

  it('grid, two axes: one heatmap per varying column', () => {
    expect(chartIds(html.grid2)).toEqual(['durations', ...[...MOVING, 'Sat.Earth.ECC'].map((c) => `grid-${c}`), 'trajectories']);
    has(html.grid2, 'Sat.Earth.SMA (final) over Sat.SMA × Sat.ECC');
  });

  it('grid, three axes: heatmaps of the two longest axes as small multiples over the third', () => {
    expect(chartIds(html.grid3)).toEqual(['durations', ...[...MOVING, 'Sat.Earth.ECC'].map((c) => `grid-${c}`), 'trajectories']);
    has(html.grid3, 'Sat.Earth.SMA (final) over Sat.SMA × Sat.INC');
    has(html.grid3, 'one panel per Sat.ECC combination.');
    // Two panels (Sat.ECC=0.001 and 0.005) in each chart.
    has(html.grid3, 'Sat.ECC=0.001');
    has(html.grid3, 'Sat.ECC=0.005');
  });

  it('Monte Carlo: histograms, a corner plot of inputs and outputs, running means with their band, median and 5-95 % band over time', () => {
    expect(chartIds(html.mc)).toEqual(['durations', ...MOVING.map((c) => `hist-${c}`), 'corner', ...MOVING.slice(0, 6).map((c) => `conv-${c}`), ...MOVING.slice(0, 6).map((c) => `band-${c}`), 'trajectories']);
    has(html.mc, 'Monte Carlo: Sat.INC ~ uniform(50, 52); Sat.SMA ~ normal(7100, 50) · seed 42');
    has(html.mc, 'Running means and bands over time are drawn for the first 6 charted columns');
    has(html.mc, 'Sat.EarthMJ2000Eq.X: median and 5–95 % band across runs');
  });

  it('partly failed: a failures table with each run\'s overrides and GMAT\'s own error lines', () => {
    const page = html.failed;
    has(page, '<th>runs</th><td>8 · 3 ok · 5 failed · 0 cancelled</td>');
    has(page, 'Runs that did not succeed (5 failed, 0 cancelled)');
    const rows = [...page.matchAll(/<tr><td>(\d+)<\/td><td>failed<\/td><td>([^<]*)<\/td><td><pre>([^<]*)<\/pre><\/td>/g)];
    expect(rows.map((r) => Number(r[1]))).toEqual([0, 4, 5, 6, 7]);
    expect(rows[0][2]).toBe('Sat.ECC=0.001, Sat.SMA=0');
    expect(rows[0][3]).toContain('The value of &quot;0&quot; for field &quot;SMA&quot; on object &quot;Sat&quot; is not an allowed value.');
    expect(rows[1][2]).toBe('Sat.ECC=1.5, Sat.SMA=0');
    expect(chartIds(page)).toEqual(['durations', ...MOVING.map((c) => `grid-${c}`), 'trajectories']);
  });

  it('every run failed (no table): the header and the failures, and says why there are no charts', async () => {
    const out = await lab.sweep('all-failed', ['run', LEO, '--grid', 'Sat.SMA=0,-5'], 1);
    const r = await runCli(['report', out, '--json']);
    expect(r.code).toBe(0);
    const page = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(chartIds(page)).toEqual(['durations']);
    has(page, 'No report table was written (no run produced a ReportFile): only the header and failures are shown.');
    has(page, 'Runs that did not succeed (2 failed, 0 cancelled)');
  });

  it('is one self-contained file: no scripts, no links, nothing fetched, a CSP that forbids it', () => {
    for (const page of Object.values(html)) {
      expect(page.match(/<script|<link|<iframe|<img|<object|<embed|src=|url\((?!#)|@import/i)?.[0] ?? null).toBeNull();
      // Ids are unique across the inlined SVGs (Vega numbers gradients and clips per SVG).
      const ids = [...page.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
      expect(new Set(ids).size).toBe(ids.length);
      for (const [, ref] of page.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref);
      has(page, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
      expect((page.match(/<svg/g) ?? []).length).toBe(chartIds(page).length);
    }
  });

  it('refuses unknown --columns and a directory that is not a sweep, with the fix', async () => {
    const bad = await runCli(['report', outs.grid, '--columns', 'Sat.Nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--columns "Sat.Nope": not numeric columns of the table');
    const chosen = await runCli(['report', outs.grid, '--columns', 'Sat.Earth.SMA', '--json']);
    expect(JSON.parse(chosen.stdout).charts).toBe(3);
    const none = await runCli(['report', lab.dir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('has no manifest.jsonl');
  });

  describe('in headless Chromium, opened from disk', () => {
    let browser: Browser;
    const shots = process.env.GSWEEP_SCREENSHOTS_DIR ? path.resolve(process.env.GSWEEP_SCREENSHOTS_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), 'gsweep-shots-'));

    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
    });

    afterAll(async () => {
      await browser?.close();
    });

    it.each([
      ['grid', 'report-grid.png', 9],
      ['mc', 'report-monte-carlo.png', 22],
      ['failed', 'report-failed.png', 9],
    ])('%s: no console errors, no requests, %s shows %i drawn charts', async (name, shot, expected) => {
      // Regenerated here (another test writes a --columns report) so the order of tests does not matter.
      expect((await runCli(['report', outs[name]])).code).toBe(0);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file://')) problems.push(`request: ${r.url()}`);
      });
      const file = path.join(outs[name], 'report.html');
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      const charts = page.locator('figure.chart');
      expect(await charts.count()).toBe(expected);
      // Every chart is drawn: an SVG with a real size and marks in it.
      const sizes = await page.$$eval('figure.chart svg', (svgs) => svgs.map((s) => ({ w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height, marks: s.querySelectorAll('path, rect, line').length })));
      expect(sizes.length).toBe(expected);
      for (const s of sizes) {
        expect(s.w).toBeGreaterThan(100);
        expect(s.h).toBeGreaterThan(100);
        expect(s.marks).toBeGreaterThan(3);
      }
      expect(await page.locator('header h1').innerText()).toBe('gsweep report');
      if (name === 'failed') expect(await page.locator('table.failures tbody tr').count()).toBe(5);
      const target = path.join(shots, shot);
      fs.mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: target, fullPage: true });
      const png = fs.readFileSync(target);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.readUInt32BE(16)).toBe(1280);
      expect(problems).toEqual([]);
      await page.close();
    });
  });
});
