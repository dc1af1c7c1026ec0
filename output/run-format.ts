/**
 * The version of what one run leaves in its directory: the per-run Parquet tables (columns,
 * types, metadata) and the outcome fields derived from GMAT's outputs. It is part of the run
 * cache's key (cache/key.ts), so a gsweep that parses or encodes a run differently never
 * reuses results made by an older one. Raise it with any such change; a release that only
 * changes code elsewhere keeps it, and keeps its users' caches.
 */
export const RUN_OUTPUT_FORMAT = 1;
