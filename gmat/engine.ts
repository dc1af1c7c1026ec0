/** Which GMAT a worker runs for a sweep: the request's choice, else the worker's own configuration. */
import type { EngineRequest } from '../sweep/types';
import { locateGmat, standInInstall, type GmatInstall } from './install';

export interface WorkerEngineConfig {
  /** The worker's GMAT install (--gmat-root / GMAT_ROOT), used when the request names none. */
  gmatRoot?: string;
  env?: NodeJS.ProcessEnv;
}

export function resolveInstall(engine: EngineRequest, config: WorkerEngineConfig = {}): GmatInstall {
  // The stand-in is only ever used when the request names it: it is a test double.
  if (engine.kind === 'stand-in') return standInInstall();
  return locateGmat({ gmatRoot: engine.gmatRoot ?? config.gmatRoot, env: config.env ?? process.env });
}
