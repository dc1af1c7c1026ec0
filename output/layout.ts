/** Where every file of a sweep lives inside `out` (SPEC §5). One place, so nothing drifts. */
import * as path from 'node:path';

export const MANIFEST_NAME = 'manifest.jsonl';
export const OUTCOME_NAME = 'outcome.json';

export const runsDir = (outDir: string) => path.join(outDir, 'runs');
export const runDir = (outDir: string, runId: number) => path.join(outDir, 'runs', `run-${runId}`);
export const outcomePath = (outDir: string, runId: number) => path.join(runDir(outDir, runId), OUTCOME_NAME);
export const scriptCopyPath = (outDir: string, scriptName: string) => path.join(outDir, 'script', scriptName);
export const samplesPath = (outDir: string) => path.join(outDir, 'samples.json');
export const requestPath = (outDir: string) => path.join(outDir, 'request.json');
export const manifestPath = (outDir: string) => path.join(outDir, MANIFEST_NAME);
/** `report__Track`, `ephemeris__EF`, `contact__CL`: the key of one output table. */
export const tableKey = (kind: string, resource: string) => `${kind}__${resource}`;
export const runTablePath = (outDir: string, runId: number, key: string) =>
  path.join(runDir(outDir, runId), `${key}.parquet`);
export const aggregateTablePath = (outDir: string, key: string) => path.join(outDir, `${key}.parquet`);
