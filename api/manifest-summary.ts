/** A finished sweep's manifest, read from its out (a directory or `s3://…`) without Temporal. */
import { MANIFEST_NAME } from '../output/layout';
import { parseManifest } from '../output/manifest';
import { openStore } from '../output/open-store';
import { displayOf } from '../output/store';

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
 * and how many runs ended in each status. `out` is the sweep's output directory or its
 * `s3://bucket/prefix`. Rejects when manifest.jsonl is missing or unreadable.
 */
export async function readManifestSummary(out: string): Promise<ManifestSummary> {
  const store = openStore(out);
  const text = await store.get(MANIFEST_NAME, { what: 'manifest' });
  if (text === undefined) {
    throw new Error(`${displayOf(store, MANIFEST_NAME)} does not exist: the sweep has not finished its aggregate (or ${store.url} is not a sweep's out)`);
  }
  return summarizeManifest(text.toString('utf8'));
}
