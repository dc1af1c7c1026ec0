/**
 * What the activities report for operators, as a tiny interface: the worker gives an
 * implementation on the SDK's metric meter (workers/metrics.ts), so the numbers land on the
 * same Prometheus endpoint as the SDK's own; without one nothing is recorded.
 */
export type RunFinishedStatus = 'ok' | 'failed' | 'cached';

export interface SweepMetrics {
  /** A run ended with this status; `gmatSeconds` is its GMAT run duration when GMAT ran to the end. */
  recordRunFinished(status: RunFinishedStatus, gmatSeconds?: number): void;
  /** GMAT processes running now on this worker. */
  slotsBusy(n: number): void;
  /** An output write (a run's directory, an aggregate) finished or failed. */
  outputWrite(ok: boolean, kind: 'run' | 'aggregate'): void;
}

export const NO_METRICS: SweepMetrics = {
  recordRunFinished: () => {},
  slotsBusy: () => {},
  outputWrite: () => {},
};
