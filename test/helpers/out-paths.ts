/**
 * Paths of a directory out's files, for tests and benches that make or inspect one on disk.
 * gsweep itself names these files by Store key (output/layout.ts) and reads them through the
 * Store; only output/ joins paths into an out.
 */
import * as path from 'node:path';
import { CONTEXT_NAME, FAILURES_NAME, MANIFEST_NAME, REQUEST_NAME, RUN_FILES, runDir, runFilePath, runTableFilePath, tableFileName } from '../../output/layout';

export const runsDir = (outDir: string) => path.join(outDir, 'runs');
export const outcomePath = (outDir: string, runId: number) => runFilePath(runDir(outDir, runId), RUN_FILES.outcome);
export const runTablePath = (outDir: string, runId: number, key: string) => runTableFilePath(runDir(outDir, runId), key);
export const scriptCopyPath = (outDir: string, scriptName: string) => path.join(outDir, 'script', scriptName);
export const contextPath = (outDir: string) => path.join(outDir, CONTEXT_NAME);
export const inputsDir = (outDir: string) => path.join(outDir, 'inputs');
export const failuresPath = (outDir: string) => path.join(outDir, FAILURES_NAME);
export const requestPath = (outDir: string) => path.join(outDir, REQUEST_NAME);
export const manifestPath = (outDir: string) => path.join(outDir, MANIFEST_NAME);
export const aggregateTablePath = (outDir: string, key: string) => path.join(outDir, tableFileName(key));
