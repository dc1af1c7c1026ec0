/** Where every file of a sweep lives inside `out` (SPEC §5). One place, so nothing drifts. */
import * as path from 'node:path';

export const MANIFEST_NAME = 'manifest.jsonl';
export const OUTCOME_NAME = 'outcome.json';

export const runsDir = (outDir: string) => path.join(outDir, 'runs');
export const runDir = (outDir: string, runId: number) => path.join(outDir, 'runs', `run-${runId}`);
export const outcomePath = (outDir: string, runId: number) => path.join(runDir(outDir, runId), OUTCOME_NAME);
export const scriptCopyPath = (outDir: string, scriptName: string) => path.join(outDir, 'script', scriptName);
/** Long value lists of the run set (grid axes, sample rows, a resume's already-ok bitset): output/input-tables.ts. */
export const inputsDir = (outDir: string) => path.join(outDir, 'inputs');
/** Failed runs that could not record their own outcome: output/failures.ts. */
export const FAILURES_NAME = 'failures.jsonl';
export const failuresPath = (outDir: string) => path.join(outDir, FAILURES_NAME);
export const requestPath = (outDir: string) => path.join(outDir, 'request.json');
export const manifestPath = (outDir: string) => path.join(outDir, MANIFEST_NAME);
/** `report__Track`, `ephemeris__EF`, `contact__CL`: the key of one output table. */
export const tableKey = (kind: string, resource: string) => `${kind}__${resource}`;
export const runTablePath = (outDir: string, runId: number, key: string) =>
  path.join(runDir(outDir, runId), `${key}.parquet`);
export const aggregateTablePath = (outDir: string, key: string) => path.join(outDir, `${key}.parquet`);
