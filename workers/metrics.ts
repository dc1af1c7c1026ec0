/**
 * gsweep's own metrics on the Temporal SDK's metric meter: exported wherever the worker's
 * Runtime exports the SDK's metrics (`gsweep-worker --metrics host:port` for Prometheus),
 * next to them. deploy/grafana-dashboard.json charts them.
 *
 *   gsweep_runs_finished{status="ok|failed|cached"}      counter
 *   gsweep_gmat_run_duration_seconds                     histogram (ok runs)
 *   gsweep_engine_slots_busy                             gauge
 *   gsweep_output_writes{kind="run|aggregate",result="ok|failed"}  counter
 */
import type { MetricMeter } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { SweepMetrics } from '../activities/metrics';

const METRIC_NAMES = {
  runsFinished: 'gsweep_runs_finished',
  gmatRunDuration: 'gsweep_gmat_run_duration_seconds',
  slotsBusy: 'gsweep_engine_slots_busy',
  outputWrites: 'gsweep_output_writes',
} as const;

export function sdkSweepMetrics(meter: MetricMeter = Runtime.instance().metricMeter): SweepMetrics {
  const runsFinished = meter.createCounter(METRIC_NAMES.runsFinished, 'runs', 'gsweep runs finished on this worker, by status');
  const duration = meter.createHistogram(METRIC_NAMES.gmatRunDuration, 'float', 's', 'GMAT run duration of runs that ended ok');
  const slots = meter.createGauge(METRIC_NAMES.slotsBusy, 'int', 'slots', 'GMAT engine slots busy on this worker');
  const writes = meter.createCounter(METRIC_NAMES.outputWrites, 'writes', 'output writes (run directories, aggregates), by result');
  return {
    recordRunFinished(status, gmatSeconds) {
      runsFinished.add(1, { status });
      if (gmatSeconds !== undefined) duration.record(gmatSeconds);
    },
    slotsBusy: (n) => slots.set(n),
    outputWrite: (ok, kind) => writes.add(1, { kind, result: ok ? 'ok' : 'failed' }),
  };
}
