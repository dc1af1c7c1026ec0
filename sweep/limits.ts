/**
 * Up-front limits: every request is checked against these before anything
 * starts, and each message names the limit. Sandbox-safe constants only.
 */

/** Hard ceiling on a sweep's window: Temporal fails a workflow task that exceeds 2 000 pending activities. */
export const MAX_IN_FLIGHT_LIMIT = 500;

/** Runs in one sweep (grid, samples, Monte Carlo, Latin hypercube, after extend): the documented maximum. */
export const MAX_RUNS = 10_000_000;

/**
 * Longest timeout (run, heartbeat, retry interval) in seconds. Node's timers (the engine's
 * own run timeout) hold at most 2^31-1 ms, about 24.8 days; longer values fire at once.
 */
export const MAX_TIMEOUT_SECONDS = 2_147_483;

/** Largest mission script: real GMAT scripts are kilobytes; megabytes of script starve heartbeats while parsed. */
export const MAX_SCRIPT_BYTES = 4 * 1024 * 1024;

/**
 * Largest --samples file (CSV, JSON or Parquet): the client holds every row in memory, about
 * 14 bytes of heap per byte of CSV (100 MB of CSV took 1.35 GB and 27 s), so 64 MiB (~1.6 M
 * rows of three columns) stays well inside a default Node heap.
 */
export const MAX_SAMPLES_FILE_BYTES = 64 * 1024 * 1024;

/** Largest request.json read back by resume/extend (it holds run-set descriptions, never rows). */
export const MAX_REQUEST_FILE_BYTES = 16 * 1024 * 1024;

/** Grid axes and perturbed parameters per sweep (each becomes a manifest/override column). */
export const MAX_PARAMETERS = 1_000;

/** A thousands-separated figure for messages: 10000000 -> "10 000 000". */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/**
 * Largest `--context` file: one object for every run or one per run, held in memory by the
 * client and by every worker that runs a postprocess hook.
 */
export const MAX_CONTEXT_FILE_BYTES = 64 * 1024 * 1024;

/**
 * Largest context of one run, as JSON: it is copied into the run's outcome.json, its manifest
 * line and the hook's environment (Linux refuses one environment string over 128 KiB).
 */
export const MAX_RUN_CONTEXT_BYTES = 64 * 1024;

/** Longest string override value: it becomes one line of a GMAT script. */
export const MAX_OVERRIDE_STRING_CHARS = 64 * 1024;

/** Largest sample row, as JSON: each row is one run's overrides, carried and recorded per run. */
export const MAX_SAMPLE_ROW_BYTES = 1024 * 1024;

/** GMAT runs at once in one worker (`--concurrency`): each is a GmatConsole process. */
export const MAX_CONCURRENCY = 1024;
