/**
 * The run cache around one run (run-mission.ts): before GMAT starts, a run looks up its key
 * and on a hit takes the stored files and result; after a run GMAT finished (ok, or rejected
 * by GMAT itself) its files and result are stored under its key. Infrastructure failures,
 * timeouts, crashes, cancellations, unparseable outputs and failed postprocess hooks are
 * never stored: only what GMAT decides, which is a function of the key (cache/key.ts).
 *
 * Paths are never stored: the run directory in messages is written as `<run>` and put back
 * for the run that uses the entry; tables and their paths are rebuilt from table keys.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { runCacheKey } from '../cache/key';
import { ENTRY_FILE_NAME, type CacheEntry, type DirectoryRunCache } from '../cache/store';
import { RUN_FILES, runFilePath, runTableFilePath } from '../output/layout';
import { TABLE_KEY, type RunOutcome } from '../output/outcome';
import type { Overrides } from '../sweep/overrides';
import { engineIdentity } from './engine-identity';
import type { GmatInstall } from './install';

/** What a run needs to use a cache; the activity (or any caller of runMission) builds it. */
export interface RunCache {
  store: DirectoryRunCache;
  /** canonicalScriptSha256 of the run's script (the sweep has it already). */
  scriptSha256: string;
  /** Identity of the postprocess hook that runs after GMAT (`command:<text>`, `function:<name>:<sha256>`), or null. */
  postprocess: string | null;
}

/** Files gsweep re-makes for every run from the run directory's own path: never stored. */
const NOT_STORED = new Set<string>([RUN_FILES.outcome, RUN_FILES.patchedScript, RUN_FILES.startup]);
const RUN_DIR_MARK = '<run>';

const resultSchema = z
  .object({
    status: z.enum(['ok', 'failed']),
    stderr: z.string().nullable(),
    /** GMAT's own error lines of a rejected run. */
    engine_message: z.string().optional(),
    warnings: z.array(z.string()).optional(),
    tables: z.record(
      z.string().regex(TABLE_KEY),
      z.object({
        rows: z.number().int().nonnegative(),
        columns: z.array(z.object({ name: z.string(), type: z.enum(['double', 'int64', 'timestamp', 'string']), nullable: z.boolean().optional() })),
      }),
    ),
    converged: z.record(z.string(), z.boolean()),
    postprocess_status: z.enum(['none', 'ok']),
    /** The run's GMAT log is among the files. */
    log: z.boolean(),
  })
  .strict();

export type CachedResult = z.infer<typeof resultSchema>;

export async function runKey(cache: RunCache, install: GmatInstall, overrides: Overrides, context: Record<string, unknown> | undefined): Promise<string> {
  return runCacheKey({
    scriptSha256: cache.scriptSha256,
    overrides,
    engine: await engineIdentity(install),
    postprocess: cache.postprocess,
    ...(cache.postprocess !== null ? { context: context ?? {} } : {}),
  });
}

const unmark = (text: string, dir: string) => text.split(RUN_DIR_MARK).join(dir);
const mark = (text: string, dir: string) => text.split(dir).join(RUN_DIR_MARK);

export type CacheHit = { entry: CacheEntry; result: CachedResult };

/**
 * The entry of `key` with a usable result, else null. A damaged entry (or one whose result
 * this gsweep cannot read) is a miss; `onDamaged` hears why, for the run's warnings.
 */
export function findCached(cache: RunCache, key: string, onDamaged: (reason: string) => void): CacheHit | null {
  const found = cache.store.lookup(key);
  if (found.kind === 'damaged') onDamaged(found.reason);
  if (found.kind !== 'hit') return null;
  const parsed = resultSchema.safeParse(found.entry.record.result);
  if (!parsed.success) {
    onDamaged(`its result is not one this gsweep reads (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
    return null;
  }
  if (parsed.data.log && !(RUN_FILES.log in found.entry.record.files)) {
    onDamaged(`it has no ${RUN_FILES.log}`);
    return null;
  }
  return { entry: found.entry, result: parsed.data };
}

/** The outcome of a run served from `hit`, its files already in `dir`; `base` holds the run's own fields. */
export function cachedOutcome(hit: CacheHit, dir: string, base: Omit<RunOutcome, 'status' | 'output_paths' | 'tables' | 'stderr'>): RunOutcome {
  const { result } = hit;
  const keys = Object.keys(result.tables);
  const pathsOf = (prefix: string, keep: (k: string) => boolean) =>
    Object.fromEntries(keys.filter(keep).map((k) => [k.slice(prefix.length), runTableFilePath(dir, k)]));
  const ok = result.status === 'ok';
  return {
    ...base,
    status: result.status,
    output_paths: ok ? pathsOf('', (k) => !k.startsWith('solver__') && !k.startsWith('extra__')) : {},
    tables: ok ? result.tables : {},
    ...(ok
      ? {
          solver_paths: pathsOf('solver__', (k) => k.startsWith('solver__')),
          converged: result.converged,
          extra_outputs: pathsOf('extra__', (k) => k.startsWith('extra__')),
          postprocess_status: result.postprocess_status,
        }
      : {}),
    log_path: result.log ? runFilePath(dir, RUN_FILES.log) : null,
    stderr: result.stderr === null ? null : unmark(result.stderr, dir),
    ...(result.warnings && result.warnings.length > 0 ? { warnings: result.warnings.map((w) => unmark(w, dir)) } : {}),
    cached: { key: hit.entry.key, from: hit.entry.record.from },
  };
}

/** GMAT's own error lines of a cached rejected run (they name the run's script), for the run in `dir`. */
export function cachedEngineMessage(hit: CacheHit, dir: string): string {
  return unmark(hit.result.engine_message ?? '', dir);
}

/** The files of a finished run directory an entry holds; null when one cannot be held (an odd name). */
function filesToStore(dir: string): string[] | null {
  const names: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (NOT_STORED.has(e.name) || e.name.startsWith('.')) continue;
    if (e.isDirectory() && e.name === RUN_FILES.extraDir) {
      for (const x of fs.readdirSync(path.join(dir, e.name), { withFileTypes: true })) {
        if (!x.isFile()) return null;
        names.push(`${e.name}/${x.name}`);
      }
      continue;
    }
    if (!e.isFile()) return null;
    names.push(e.name);
  }
  return names.every((n) => ENTRY_FILE_NAME.test(n)) ? names.sort() : null;
}

/**
 * Stores a finished run (ok, or rejected by GMAT: `engineMessage` given). Never fails the
 * run: returns what went wrong, for its warnings, or null.
 */
export function storeRun(cache: RunCache, key: string, dir: string, outcome: RunOutcome, from: Record<string, string | number>, engineMessage?: string): string | null {
  try {
    const files = filesToStore(dir);
    if (files === null) return null;
    const result: CachedResult = {
      status: outcome.status,
      stderr: outcome.stderr === null ? null : mark(outcome.stderr, dir),
      ...(engineMessage !== undefined ? { engine_message: mark(engineMessage, dir) } : {}),
      ...(outcome.warnings ? { warnings: outcome.warnings.map((w) => mark(w, dir)) } : {}),
      tables: outcome.tables,
      converged: outcome.converged ?? {},
      postprocess_status: outcome.postprocess_status === 'ok' ? 'ok' : 'none',
      log: files.includes(RUN_FILES.log),
    };
    cache.store.store(key, dir, files, result, from);
    return null;
  } catch (err) {
    return `could not store the run in the run cache ${cache.store.root}: ${(err as Error).message}`;
  }
}
