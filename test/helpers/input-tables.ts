/**
 * Writes an encoded input table into a directory out, as the client's start files do
 * (request/start-files.ts), for tests that build or damage an out by hand.
 */
import { inputTableKey, type EncodedTable } from '../../output/input-tables';
import { DirStore } from '../../output/store';

export async function writeInputTable(outDir: string, encoded: EncodedTable): Promise<void> {
  const store = new DirStore(outDir);
  for (const { ext, bytes } of encoded.files) await store.put(inputTableKey(encoded.ref.table, ext), bytes);
}
