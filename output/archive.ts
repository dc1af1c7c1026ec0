/**
 * `gsweep archive <out>`: gmat-sweep 0.6's provenance bundle (gmat_sweep/archive.py), a
 * deterministic `.zip` of a finished sweep:
 *
 *   README.md        generated summary and how to reproduce
 *   script/<name>    the script the manifest's script_sha256 names
 *   manifest.jsonl   entries rewritten to bundle-relative `runs/run-<id>/<file>` paths
 *   MANIFEST.hash    `sha256sum -c` file covering every other member
 *   runs/run-<id>/   each ok run's per-run Parquet tables (GMAT outputs, solver logs,
 *                    postprocess tables) and, with --include-logs, its GmatLog.txt
 *
 * Determinism (gmat-sweep's rules): members sorted by name, every entry dated
 * 2026-01-01 00:00:00 (DOS time, no extended timestamp), mode 0644, DEFLATE level 6; so two
 * archives of the same sweep are byte-identical. Zip writing is yazl's.
 *
 * Differences from gmat-sweep, both additive: solver tables and `solver_paths` are bundled
 * too (gmat-sweep 0.6 leaves them out of the bundle), and the per-run log keeps GMAT's
 * name `GmatLog.txt` (gmat-sweep's is its own `worker.log`).
 *
 * The manifest is data: each path it stores is read for its shape only (`runs/run-<id>/<name>`)
 * and the file is taken from the directory being archived, so a moved or copied sweep archives
 * its own files; a path of any other shape is refused.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ZipFile } from 'yazl';
import { parseManifest, pythonJsonDumps, type ManifestEntry } from './manifest';
import { canonicalScriptSha256 } from './script-hash';
import { checkOutTree, readRegularFile, UnsafePathError } from './safe-files';

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchiveError';
  }
}

export interface ArchiveOptions {
  /** The sweep's output directory (holds manifest.jsonl). */
  outDir: string;
  /** Destination .zip. */
  zipPath: string;
  /** The script; default: the sweep's own copy under `<out>/script/`. */
  scriptPath?: string;
  includeLogs?: boolean;
  allowScriptDrift?: boolean;
  /** Written into README.md as the packager version. */
  packagerVersion: string;
}

export interface ArchiveSummary {
  zipPath: string;
  members: number;
  runs: number;
  ok: number;
  failed: number;
  cancelled: number;
}

type Member = [name: string, data: Buffer];

/** The instant every member is dated: local fields 2026-01-01 00:00:00, as DOS time stores them. */
const FROZEN = () => new Date(2026, 0, 1, 0, 0, 0);

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The file of run `runId` a manifest path names, in the directory being archived. The manifest
 * is data: a stored path is only read for its shape, `runs/run-<id>/<name>` (relative to `out`,
 * as gsweep writes it, or absolute as older manifests and a moved or copied sweep have it), and
 * the file read is always `<out>/runs/run-<id>/<name>`; any other path is refused.
 */
function runFileOf(outDir: string, runId: number, stored: string): string {
  const parts = stored.split(/[\\/]+/);
  const [runs, run, name] = parts.slice(-3);
  if (parts.length < 3 || runs !== 'runs' || run !== `run-${runId}` || !PLAIN_NAME.test(name ?? '')) {
    throw new ArchiveError(
      `manifest names ${JSON.stringify(stored)}, outside ${path.join(outDir, 'runs', `run-${runId}`)}; gsweep archive only bundles files of the sweep directory`,
    );
  }
  const file = path.join(outDir, 'runs', run, name);
  const real = fs.existsSync(file) ? fs.realpathSync(file) : file;
  const rootReal = fs.realpathSync(outDir);
  if (!real.startsWith(rootReal + path.sep)) {
    throw new ArchiveError(`${file} leads outside ${rootReal}; gsweep archive only bundles files of the sweep directory`);
  }
  return file;
}

function defaultScript(outDir: string): string {
  const dir = path.join(outDir, 'script');
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.script')) : [];
  if (names.length !== 1) {
    throw new ArchiveError(`${dir} should hold the sweep's one script, found ${names.length}; give the script with --script`);
  }
  return path.join(dir, names[0]);
}

function sortedMembers(members: Member[]): Member[] {
  // Python sorts str by code point; member names are ASCII paths here, so byte order equals it.
  return members.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function readme(header: Record<string, unknown>, entries: ManifestEntry[], scriptMember: string, packager: string, includeLogs: boolean): string {
  const counts: Record<string, number> = {};
  let duration = 0;
  for (const e of entries) {
    counts[e.status] = (counts[e.status] ?? 0) + 1;
    duration += e.duration_s;
  }
  const breakdown = ['ok', 'failed', 'cancelled', 'skipped'].filter((k) => counts[k]).map((k) => `${counts[k]} ${k}`).join(', ') || '0 runs';
  return [
    `# Sweep archive — ${entries.length} runs`,
    '',
    'This bundle was produced by `gsweep archive`. It contains the script, the manifest and every',
    'per-run table needed to re-aggregate the sweep (or read it with gmat-sweep) on a new machine.',
    '',
    '## Summary',
    '',
    `- **Runs:** ${entries.length} (${breakdown})`,
    `- **Total runtime:** ${duration.toFixed(2)} s`,
    `- **Script SHA-256:** \`${String(header.script_sha256)}\``,
    `- **Sweep written by:** ${String(header.gmat_sweep_version)}`,
    `- **Archived by:** ${packager}`,
    `- **GMAT install:** ${String(header.gmat_install_version)}`,
    `- **OS at sweep time:** ${String(header.os_platform)}`,
    `- **Backend:** ${String(header.backend)}`,
    '',
    '## Layout',
    '',
    '```',
    'bundle/',
    '|-- README.md           (this file)',
    `|-- ${scriptMember}`,
    '|-- manifest.jsonl      (paths rewritten to be bundle-relative)',
    '|-- MANIFEST.hash       (sha256sum -c compatible)',
    '`-- runs/run-<id>/...   (per-run Parquet outputs)',
    '```',
    '',
    includeLogs
      ? 'Per-run GMAT logs are bundled under each `runs/run-<id>/GmatLog.txt`.'
      : 'Per-run GMAT logs were excluded; pass `--include-logs` at archive time to bundle them.',
    '',
    '## Reading it',
    '',
    'Unzip the bundle, then from the unzip directory:',
    '',
    '```python',
    'from pathlib import Path',
    'from gmat_sweep import Manifest',
    'from gmat_sweep.aggregate import lazy_multiindex',
    '',
    'manifest = Manifest.load(Path("manifest.jsonl"))',
    'df = lazy_multiindex(manifest, Path("."), name="<ReportFile name>")',
    '```',
    '',
    '## Verifying integrity',
    '',
    'From the unzip directory:',
    '',
    '```bash',
    'sha256sum -c MANIFEST.hash',
    '```',
    '',
  ].join('\n');
}

/** A file of the sweep (or the script named on the command line), read only if it is a regular file. */
function readArchiveInput(file: string, what: string): Buffer;
function readArchiveInput(file: string, what: string, encoding: BufferEncoding): string;
function readArchiveInput(file: string, what: string, encoding?: BufferEncoding): Buffer | string {
  try {
    return encoding ? readRegularFile(file, { what, followSymlink: what === 'script' }, encoding) : readRegularFile(file, { what, followSymlink: what === 'script' });
  } catch (err) {
    if (err instanceof UnsafePathError) throw new ArchiveError(err.message);
    throw err;
  }
}

/** Builds every member (name, bytes) of the bundle. Pure apart from reading the sweep's files. */
function archiveMembers(options: ArchiveOptions): { members: Member[]; entries: ManifestEntry[] } {
  const outDir = path.resolve(options.outDir);
  const manifestFile = path.join(outDir, 'manifest.jsonl');
  checkOutTree(outDir);
  if (!fs.existsSync(manifestFile)) {
    throw new ArchiveError(`${manifestFile} does not exist; archive a finished sweep (its aggregate writes the manifest)`);
  }
  const { header, entries: byId } = parseManifest(readArchiveInput(manifestFile, 'manifest', 'utf8'));
  const entries = [...byId.values()];
  const scriptPath = options.scriptPath ? path.resolve(options.scriptPath) : defaultScript(outDir);
  if (!fs.existsSync(scriptPath)) throw new ArchiveError(`script ${scriptPath} does not exist`);
  const scriptBytes = readArchiveInput(scriptPath, 'script');
  const sha = canonicalScriptSha256(scriptBytes.toString('utf8'));
  if (sha !== header.script_sha256 && !options.allowScriptDrift) {
    throw new ArchiveError(
      `script hash mismatch for ${scriptPath}: manifest=${String(header.script_sha256)}, current=${sha}; give the script the sweep ran, or --allow-script-drift`,
    );
  }
  const scriptMember = `script/${path.basename(scriptPath)}`;
  const members: Member[] = [[scriptMember, scriptBytes]];
  const rewritten: ManifestEntry[] = [];
  for (const e of entries) {
    const runPrefix = `runs/run-${e.run_id}`;
    const rel = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([k, v]) => [k, `${runPrefix}/${path.basename(v)}`]));
    const ok = e.status === 'ok';
    const files = ok ? [...Object.values(e.output_paths), ...Object.values(e.extra_outputs ?? {}), ...Object.values(e.solver_paths ?? {})] : [];
    for (const f of files) {
      const src = runFileOf(outDir, e.run_id, f);
      if (!fs.statSync(src, { throwIfNoEntry: false })?.isFile()) {
        throw new ArchiveError(`manifest entry for run_id=${e.run_id} references missing output file: ${src}`);
      }
      members.push([`${runPrefix}/${path.basename(src)}`, readArchiveInput(src, 'output')]);
    }
    let logPath: string | null = null;
    if (options.includeLogs && e.log_path) {
      const src = runFileOf(outDir, e.run_id, e.log_path);
      if (fs.statSync(src, { throwIfNoEntry: false })?.isFile()) {
        logPath = `${runPrefix}/${path.basename(src)}`;
        members.push([logPath, readArchiveInput(src, 'log')]);
      }
    }
    rewritten.push({
      ...e,
      context: e.context ?? {},
      output_paths: rel(e.output_paths),
      extra_outputs: rel(e.extra_outputs ?? {}),
      solver_paths: rel(e.solver_paths ?? {}),
      converged: e.converged ?? {},
      postprocess_status: e.postprocess_status ?? 'none',
      log_path: logPath,
    });
  }
  const manifestText = [pythonJsonDumps(header), ...rewritten.map((e) => pythonJsonDumps(e))].join('\n') + '\n';
  members.push(['manifest.jsonl', Buffer.from(manifestText, 'utf8')]);
  members.push(['README.md', Buffer.from(readme(header, rewritten, scriptMember, options.packagerVersion, !!options.includeLogs), 'utf8')]);
  const hashLines = members.map(([name, data]) => `${createHash('sha256').update(data).digest('hex')}  ${name}`).sort();
  members.push(['MANIFEST.hash', Buffer.from(hashLines.join('\n') + '\n', 'utf8')]);
  return { members: sortedMembers(members), entries: rewritten };
}

/** Writes the bundle atomically (temp + rename) and returns what it holds. */
export async function writeArchive(options: ArchiveOptions): Promise<ArchiveSummary> {
  const { members, entries } = archiveMembers(options);
  const zipPath = path.resolve(options.zipPath);
  const outDir = path.resolve(options.outDir);
  if (zipPath === outDir || zipPath.startsWith(outDir + path.sep)) {
    throw new ArchiveError(`${zipPath} is inside the sweep directory; write the archive elsewhere (default: ${outDir}.zip)`);
  }
  fs.mkdirSync(path.dirname(zipPath), { recursive: true });
  const tmp = `${zipPath}.tmp-${process.pid}`;
  const zip = new ZipFile();
  for (const [name, data] of members) {
    zip.addBuffer(data, name, { mtime: FROZEN(), mode: 0o644, compressionLevel: 6, forceDosTimestamp: true });
  }
  zip.end();
  try {
    await new Promise<void>((resolve, reject) => {
      const sink = fs.createWriteStream(tmp);
      sink.on('error', reject);
      sink.on('close', resolve);
      zip.outputStream.on('error', reject).pipe(sink);
    });
    fs.renameSync(tmp, zipPath);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  const count = (s: string) => entries.filter((e) => e.status === s).length;
  return { zipPath, members: members.length, runs: entries.length, ok: count('ok'), failed: count('failed'), cancelled: count('cancelled') };
}
