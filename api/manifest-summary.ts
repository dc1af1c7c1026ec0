/** A finished sweep's manifest, read from its output directory without Temporal. */
import { manifestPath } from '../output/layout';
import { parseManifest } from '../output/manifest';
import { readRegularText } from '../output/safe-files';

export interface ManifestSummary {
  header: Record<string, unknown>;
  counts: Record<string, number>;
}

/** The header of a manifest's text, and how many runs ended in each status. */
export function summarizeManifest(text: string): ManifestSummary {
  const { header, entries } = parseManifest(text);
  const counts: Record<string, number> = {};
  for (const entry of entries.values()) counts[entry.status] = (counts[entry.status] ?? 0) + 1;
  return { header, counts };
}

/**
 * Summary of a finished sweep read from its manifest (works without Temporal): the header,
 * and how many runs ended in each status. Throws when manifest.jsonl is missing or unreadable.
 */
export function readManifestSummary(outDir: string): ManifestSummary {
  return summarizeManifest(readRegularText(manifestPath(outDir), { what: 'manifest' }));
}
