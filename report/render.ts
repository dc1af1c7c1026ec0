/**
 * Renders a report model to one self-contained HTML page: Vega-Lite compiles each chart to
 * Vega, Vega renders it to SVG in Node (no browser, no canvas), and the SVGs are inlined.
 * The page loads nothing at view time: no scripts, no fonts, no images from elsewhere.
 */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { ReportModel, Section } from './build';
import { LIMITS } from './build';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Vega numbers its gradients and clip paths from 0 in every SVG; inlined side by side they
 * would collide, so each chart's ids get its own prefix.
 */
function scopeIds(svg: string, prefix: string): string {
  return svg.replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`).replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`).replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}

async function renderSvg(spec: object): Promise<string> {
  const compiled = compile(spec as Parameters<typeof compile>[0]).spec;
  // No loader: every chart carries its data inline, and nothing may be fetched.
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: { load: () => Promise.reject(new Error('no loading in reports')) } as never });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#1f3b57;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;opacity:.8;font-size:13px}
main{padding:8px 28px 40px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:18px 0;padding:14px 18px}
h2{font-size:17px;margin:2px 0 10px}
table.facts{border-collapse:collapse;font-size:13px;margin-bottom:10px}
table.facts th{text-align:left;padding:3px 16px 3px 0;color:#555;font-weight:500;white-space:nowrap;vertical-align:top}
table.facts td{padding:3px 0;word-break:break-all}
.charts{display:flex;flex-wrap:wrap;gap:14px}
figure.chart{margin:0;border:1px solid #eceef1;border-radius:4px;padding:8px;background:#fff}
figure.chart figcaption{font-size:13px;font-weight:600;margin-bottom:4px;max-width:640px}
figure.chart .note{font-size:12px;color:#666;font-weight:400;margin-top:4px;max-width:640px}
p.note{font-size:13px;color:#555;margin:4px 0}
table.failures{border-collapse:collapse;font-size:12px;width:100%}
table.failures th,table.failures td{border-bottom:1px solid #e5e7ea;padding:5px 8px;text-align:left;vertical-align:top}
table.failures th{background:#f3f4f6}
table.failures pre{margin:0;white-space:pre-wrap;font-size:11.5px;color:#8a1c1c}
footer{font-size:12px;color:#777;padding:0 28px 24px}
`;

function sectionHtml(section: Section, svgs: Map<string, string>): string {
  const parts = [`<section id="${esc(section.id)}"><h2>${esc(section.title)}</h2>`];
  for (const n of section.notes) parts.push(`<p class="note">${esc(n)}</p>`);
  if (section.charts.length) {
    parts.push('<div class="charts">');
    for (const c of section.charts) {
      parts.push(
        `<figure class="chart" data-chart="${esc(c.id)}"><figcaption>${esc(c.title)}${c.note ? `<div class="note">${esc(c.note)}</div>` : ''}</figcaption>${svgs.get(`${section.id}/${c.id}`)}</figure>`,
      );
    }
    parts.push('</div>');
  }
  if (section.failures) {
    parts.push('<table class="failures"><thead><tr><th>run</th><th>status</th><th>overrides</th><th>GMAT error lines</th><th>log</th></tr></thead><tbody>');
    for (const r of section.failures.rows) {
      parts.push(`<tr><td>${r.runId}</td><td>${esc(r.status)}</td><td>${esc(r.overrides)}</td><td><pre>${esc(r.error)}</pre></td><td>${r.log ? esc(r.log) : ''}</td></tr>`);
    }
    parts.push('</tbody></table>');
  }
  parts.push('</section>');
  return parts.join('');
}

export async function renderReport(model: ReportModel, generatedAt: Date = new Date()): Promise<string> {
  const svgs = new Map<string, string>();
  let n = 0;
  for (const s of model.sections) for (const c of s.charts) svgs.set(`${s.id}/${c.id}`, scopeIds(await renderSvg(c.spec), `c${n++}-`));
  const facts = model.facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('');
  const [first, ...rest] = model.sections;
  const headerSection = sectionHtml({ ...first, title: first.title }, svgs).replace('<h2>Sweep</h2>', `<h2>Sweep</h2><table class="facts">${facts}</table>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(model.title)}</title><style>${CSS}</style></head>
<body><header><h1>gsweep report</h1><p>${esc(model.title)}</p></header><main>
${headerSection}
${rest.map((s) => sectionHtml(s, svgs)).join('\n')}
</main><footer>Generated ${esc(generatedAt.toISOString())} by gsweep report · charts: Vega-Lite ${esc(VEGA_LITE_VERSION)} rendered to SVG by Vega ${esc(vega.version)} · self-contained, nothing loads from the network · large sweeps are summarised: ≤ ${LIMITS.columns} columns, ≤ ${LIMITS.scatterRuns} runs per scatter plot, ≤ ${LIMITS.trajectoryRuns} trajectories, binned lines and heatmaps, ≤ ${LIMITS.failures} failures listed.</footer>
</body></html>
`;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VEGA_LITE_VERSION: string = (require('vega-lite/package.json') as { version: string }).version;
