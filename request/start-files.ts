/**
 * The files a sweep starts with, written into `out` before its workflow runs: long value lists
 * (`out/inputs/`, whose hashes the run set carries), the per-run context (`context.json`), and
 * for an object store the archived script (its workers cannot read the client's disk; a
 * directory's is archived by the sweep's first activity, which checks it against the hash).
 * The client writes them before it starts the workflow (api/start.ts); for a sweep started
 * by workflow name with a plain request, the `gsweep.prepareRequest` activity writes them on a
 * worker. A start that is refused removes exactly what it wrote, so `out` stays as it was.
 */
import { CONTEXT_NAME } from '../output/layout';
import { inputTableKey, type EncodedTable } from '../output/input-tables';
import type { Store } from '../output/store';
import type { ContextFile } from '../sweep/types';

export interface StartFiles {
  inputTables?: EncodedTable[];
  context?: ContextFile;
  /** The script to archive, kept when the out has it already (a resumed sweep keeps its own). */
  script?: { key: string; bytes: () => Uint8Array };
}

export interface WrittenStartFiles {
  /** Removes the files this call created; what existed before stays. */
  remove(): Promise<void>;
}

export async function writeStartFiles(store: Store, files: StartFiles): Promise<WrittenStartFiles> {
  const written: string[] = [];
  const remove = async () => {
    await Promise.all(written.map((key) => store.delete(key)));
  };
  const put = async (key: string, bytes: () => string | Uint8Array, keepExisting = false) => {
    const existed = await store.exists(key);
    if (existed && keepExisting) return;
    if (!existed) written.push(key);
    await store.put(key, bytes());
  };
  try {
    for (const table of files.inputTables ?? []) {
      for (const f of table.files) await put(inputTableKey(table.ref.table, f.ext), () => f.bytes);
    }
    const context = files.context;
    if (context) await put(CONTEXT_NAME, () => `${JSON.stringify(context, null, 2)}\n`);
    const script = files.script;
    if (script) await put(script.key, script.bytes, true);
  } catch (err) {
    await remove().catch(() => undefined);
    throw err;
  }
  return { remove };
}

/**
 * Removes every start file of an out (`inputs/`, `context.json`): only for what an earlier,
 * lost attempt of the very same start wrote (its lock names the same workflow run).
 */
export async function removeStartFiles(store: Store): Promise<void> {
  const keys: string[] = [];
  for await (const e of store.list('inputs/')) keys.push(e.key);
  await Promise.all([...keys, CONTEXT_NAME].map((key) => store.delete(key)));
}
