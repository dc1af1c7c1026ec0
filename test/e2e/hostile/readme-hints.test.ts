/**
 * A message that sends the user to the README names a section that exists. Every
 * `README "<section>"` in gsweep's source (messages, option help, comments) is collected and
 * looked up among README.md's headings: a heading equal to the name, or starting with it as
 * whole words (`README "Run cache"` -> "Run cache: never run the same GMAT run twice").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/temporal';

const ROOMS = ['sweep', 'tables', 'output', 'cache', 'gmat', 'temporal', 'postprocess', 'sensitivity', 'analysis', 'report', 'activities', 'workflows', 'workers', 'api', 'cli', 'bin'];
const HINT = /README ["“]([^"”\n]+)["”]/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(file);
    return /\.(ts|js)$/.test(e.name) ? [file] : [];
  });
}

function hints(): { file: string; section: string }[] {
  return ROOMS.flatMap((room) => sourceFiles(path.join(REPO_ROOT, room))).flatMap((file) =>
    [...fs.readFileSync(file, 'utf8').matchAll(HINT)].map((m) => ({ file: path.relative(REPO_ROOT, file), section: m[1] })),
  );
}

/** Markdown headings of README.md, outside fenced code blocks (a `# comment` in a shell example is none). */
const headings: string[] = [];
let inFence = false;
for (const line of fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').split('\n')) {
  if (line.startsWith('```')) inFence = !inFence;
  else if (!inFence && /^#{1,6} /.test(line)) headings.push(line.replace(/^#+ /, '').trim());
}

function sectionExists(section: string): boolean {
  return headings.some((h) => h === section || (h.startsWith(section) && /^[\s:,(—-]/.test(h.slice(section.length))));
}

describe('README hints in the source name sections that exist', () => {
  it('the lookup knows a real section from a missing one', () => {
    expect(sectionExists('Having GMAT')).toBe(true);
    expect(sectionExists('Run cache')).toBe(true);
    expect(sectionExists('Sweep requests')).toBe(false);
    // A prefix of a word is not a section: "Run c" is not "Run cache".
    expect(sectionExists('Run c')).toBe(false);
    // A heading inside a fenced code block is not a section.
    expect(headings).not.toContain('report__Track: /…/one/report__Track.parquet (91 rows)');
  });

  it('finds the hints the CLI prints', () => {
    const found = hints().map((h) => h.section);
    expect(found).toEqual(expect.arrayContaining(['Having GMAT', 'Run cache', 'Postprocess']));
  });

  it('every hint names a README section', () => {
    const missing = hints().filter((h) => !sectionExists(h.section));
    expect(missing.map((h) => `${h.file}: README "${h.section}"`), `README headings: ${headings.join(' | ')}`).toEqual([]);
  });
});
