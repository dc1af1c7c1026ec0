/**
 * The gsweep package (`import { ... } from 'gsweep'`). Everything else in the package is
 * internal and may change without notice.
 *
 * Client:  startSweep, getSweep, sweepProgress, waitForSweep, setMaxInFlight, cancelSweep,
 *          resumeSweep, readManifestSummary
 * Worker:  GsweepPlugin, createWorker
 * Listing:  listSweeps
 * No Temporal: runOne, writeArchive
 * Postprocess functions (GsweepPlugin({ postprocess })): PostprocessFunction, PostprocessRun
 * Workflow code for a fleet's own workflows file: `gsweep/workflows` (sandbox-safe).
 */
export { startSweep, type StartOptions } from './start';
export { cancelSweep, getSweep, setMaxInFlight, sweepProgress, type SweepHandle } from './handle';
export { waitForSweep, type SweepOutcome } from './wait';
export { resumeSweep } from './resume';
export { readManifestSummary } from './manifest-summary';
export { prepareRequest, RequestError, type PreparedSweep, type SweepRequest } from '../request/request';
export { runOne, type RunOneOptions } from './run-one';
export { GsweepPlugin, type GsweepPluginOptions, type GsweepWorkerRole } from '../workers/plugin';
export { createWorker, type CreateWorkerOptions } from '../workers/worker';
export type { WorkerEngineConfig } from '../gmat/engine';
export type { RunMissionResult } from '../gmat/run-mission';
export type { RunOutcome } from '../output/outcome';
export type { AggregateSummary, EngineKind, SweepProgress, SweepSummary } from '../sweep/types';
export type { Overrides, OverrideValue } from '../sweep/overrides';
export { ACTIVITY_PREFIX } from '../sweep/activity-names';
export { listSweeps, type ListOptions, type SweepListing } from './list';
export { writeArchive, type ArchiveOptions, type ArchiveSummary } from '../output/archive';
export type { PostprocessFunction, PostprocessRun } from '../postprocess/hook';
export type { PostprocessSpec } from '../sweep/types';
