/**
 * The files a sweep starts with, written into `out` before its workflow runs: long value lists
 * (`out/inputs/`, whose hashes the run set carries) and the per-run context (`context.json`).
 * The client writes them before it starts the workflow (api/start.ts); for a sweep started
 * by workflow name with a plain request, the `gsweep.prepareRequest` activity writes them on a
 * worker. A start that is refused removes exactly what it wrote, so `out` stays as it was.
 */
import * as fs from 'node:fs';
import { writeJsonAtomic } from '../output/atomic';
import { inputTablePath, writeInputTable, type EncodedTable } from '../output/input-tables';
import { contextPath, inputsDir } from '../output/layout';
import type { ContextFile } from '../sweep/sweep';

export interface StartFiles {
  inputTables?: EncodedTable[];
  context?: ContextFile;
}

export interface WrittenStartFiles {
  /** Removes the files (and the inputs directory) this call created; what existed before stays. */
  remove(): void;
}

export function writeStartFiles(outDir: string, files: StartFiles): WrittenStartFiles {
  const written = newFilesOf(outDir, [
    ...(files.inputTables ?? []).flatMap((t) => t.files.map((f) => inputTablePath(outDir, t.ref.table, f.ext))),
    ...(files.context ? [contextPath(outDir)] : []),
  ]);
  try {
    for (const table of files.inputTables ?? []) writeInputTable(outDir, table);
    if (files.context) {
      fs.mkdirSync(outDir, { recursive: true });
      writeJsonAtomic(contextPath(outDir), files.context);
    }
  } catch (err) {
    written.remove();
    throw err;
  }
  return written;
}

/** Which of `files` do not exist yet (and which directories), so a failed start can remove exactly those. */
function newFilesOf(outDir: string, files: string[]): WrittenStartFiles {
  const fresh = files.filter((f) => !fs.existsSync(f));
  const inputs = inputsDir(outDir);
  const freshInputs = !fs.existsSync(inputs);
  return {
    remove() {
      for (const f of fresh) fs.rmSync(f, { force: true });
      if (freshInputs) fs.rmSync(inputs, { recursive: true, force: true });
    },
  };
}

/**
 * Removes every start file of `outDir` (`inputs/`, `context.json`): only for what an earlier,
 * lost attempt of the very same start wrote (its lock names the same workflow run).
 */
export function removeStartFiles(outDir: string): void {
  fs.rmSync(inputsDir(outDir), { recursive: true, force: true });
  fs.rmSync(contextPath(outDir), { force: true });
}
