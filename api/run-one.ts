/**
 * One run of a mission without Temporal: the same patch/run/parse/write path a sweep's
 * `gsweep.runGmat` takes, into a directory of the caller's choosing. `gsweep run-one` and
 * the package's `runOne` export.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveInstall } from '../gmat/engine';
import type { GmatInstall } from '../gmat/install';
import { runMission, type RunMissionResult } from '../gmat/run-mission';
import { checkScript, patchScript, validateOverridesForScript } from '../gmat/script';
import { MAX_SCRIPT_BYTES } from '../sweep/limits';
import { OverrideError, type Overrides } from '../sweep/overrides';
import type { EngineKind } from '../sweep/types';
import { checkInputFile, checkTimeoutSeconds } from '../request/limits';
import { DEFAULTS, RequestError } from '../request/request';
import { openStore } from '../output/open-store';
import { OutAccessError } from '../output/out-access';
import { openSingleRun } from '../output/single-run';
import type { Store } from '../output/store';

/** What `runOne` runs, where, and with which engine. */
export interface RunOneOptions {
  /** GMAT mission .script. */
  script: string;
  /** `{ 'Sat.SMA': 7000 }`: each one is checked against the script first. */
  overrides?: Overrides;
  /** Run directory; created, and must be empty if it exists. */
  out: string;
  /** `gmat` (default): a real GMAT install; `stand-in`: the test double, only when asked for. */
  engine?: EngineKind;
  /** GMAT install root (default GMAT_ROOT, then PATH). */
  gmatRoot?: string;
  /** Default DEFAULTS.runTimeoutSeconds. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** With an `s3://` out: where GMAT runs before the upload (default: the OS temp directory). */
  scratch?: string;
  /** Called once the engine is found, before GMAT starts (the CLI says which engine runs). */
  onInstall?: (install: GmatInstall) => void;
}

/**
 * Runs the mission once, without Temporal, into `options.out` and returns its outcome and
 * tables. Throws RequestError or OverrideError (bad request, nothing written), GmatNotFoundError
 * (no GMAT), and the run's own errors (GmatRunError, OutputParseError) after writing its
 * failed outcome.json.
 */
export async function runOne(options: RunOneOptions): Promise<RunMissionResult> {
  const overrides = options.overrides ?? {};
  const scriptPath = path.resolve(options.script);
  if (!fs.existsSync(scriptPath)) throw new RequestError('script', `${JSON.stringify(options.script)} does not exist; give the path of a GMAT .script file`);
  if (!fs.statSync(scriptPath).isFile()) throw new RequestError('script', `${JSON.stringify(options.script)} is not a file; give the path of a GMAT .script file`);
  checkInputFile('script', scriptPath, MAX_SCRIPT_BYTES, 'a GMAT .script file');
  checkTimeoutSeconds('timeout', options.timeoutSeconds);
  const scriptText = fs.readFileSync(scriptPath, 'utf8');
  try {
    validateOverridesForScript(checkScript(scriptText).resources, overrides);
    // Output file names that clash with each other or with the run's own files: now, not at run time.
    patchScript(scriptText, {}, '/gsweep-check');
  } catch (err) {
    if (err instanceof OverrideError) throw err;
    throw new RequestError('script', `${scriptPath}: ${(err as Error).message}`);
  }
  // GMAT_ROOT is read by the locator itself, so its errors name the setting the user made.
  const install = resolveInstall({ kind: options.engine ?? DEFAULTS.engine }, { gmatRoot: options.gmatRoot });
  const store = openStore(options.out, { maxAttempts: 2 });
  await checkRunOneOut(store);
  options.onInstall?.(install);
  const run = openSingleRun(store, options.scratch);
  try {
    let result: RunMissionResult;
    try {
      result = await runMission({
        scriptText,
        overrides,
        runId: 0,
        runDirectory: run.dir,
        install,
        timeoutMs: (options.timeoutSeconds ?? DEFAULTS.runTimeoutSeconds) * 1000,
        signal: options.signal,
      });
    } catch (err) {
      await run.publish();
      throw err;
    }
    await run.publish();
    return namedBy(result, run.nameOf);
  } finally {
    run.close();
  }
}

/** Refuses an out run-one cannot write before GMAT starts: a link, a directory in use, a store it cannot reach or a prefix in use. */
async function checkRunOneOut(store: Store): Promise<void> {
  try {
    await store.checkAccess({ singleRun: true });
  } catch (err) {
    if (err instanceof OutAccessError) throw new RequestError('out', err.message);
    throw err;
  }
}

/** The run's result with its files named as people reach them (local paths, or `s3://` addresses). */
function namedBy(result: RunMissionResult, nameOf: (file: string) => string): RunMissionResult {
  return {
    outcome: {
      ...result.outcome,
      output_paths: Object.fromEntries(Object.entries(result.outcome.output_paths).map(([k, f]) => [k, nameOf(f)])),
      log_path: result.outcome.log_path && nameOf(result.outcome.log_path),
    },
    tables: Object.fromEntries(Object.entries(result.tables).map(([k, t]) => [k, { ...t, path: nameOf(t.path) }])),
  };
}
