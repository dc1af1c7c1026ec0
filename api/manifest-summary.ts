/** A finished sweep's manifest, read from its output directory without Temporal. */
import { manifestPath } from '../output/layout';
import { parseManifest } from '../output/manifest';
import { readRegularText } from '../output/safe-files';

/**
 * Summary of a finished sweep read from its manifest (works without Temporal): the header,
 * and how many runs ended in each status. Throws when manifest.jsonl is missing or unreadable.
 */
export function readManifestSummary(outDir: string): { header: Record<string, unknown>; counts: Record<string, number> } {
  const { header, entries } = parseManifest(readRegularText(manifestPath(outDir), { what: 'manifest' }));
  const counts: Record<string, number> = {};
  for (const entry of entries.values()) counts[entry.status] = (counts[entry.status] ?? 0) + 1;
  return { header, counts };
}
