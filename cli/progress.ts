/**
 * The live progress line of `gsweep run|wait` (cli-progress handles TTY redraws). The ETA is
 * gsweep's own, from the sweep's mean rate: cli-progress's prints "INFs"/"NULLs" (shown cut to
 * "NFs") while nothing has finished yet.
 */
import { SingleBar } from 'cli-progress';
import type { SweepProgress } from '../sweep/types';

/** The live progress line: updated with each poll, stopped before the summary is printed. */
export interface ProgressDisplay {
  update(progress: SweepProgress): void;
  stop(): void;
}

/** Time left at `ratePerSecond` for `remaining` runs: `42s`, `3m05s`, `2h10m`; `?` while no rate is known. */
export function formatEta(remaining: number, ratePerSecond: number): string {
  if (remaining <= 0) return '0s';
  const seconds = remaining / ratePerSecond;
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 100 * 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d`;
}

/** A progress line on `stream` (stderr), redrawn on a TTY and printed every few seconds otherwise. */
export function progressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  const bar = new SingleBar(
    {
      stream,
      format: 'gsweep [{bar}] {value}/{total} runs · {failed} failed · {running} running · {rate} runs/s · ETA {etaText}',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      barsize: 24,
    },
  );
  let started = false;
  return {
    update(p) {
      const done = p.ok + p.failed;
      const elapsed = Math.max(0.001, (Date.now() - p.startedAtMs) / 1000);
      const rate = done / elapsed;
      const payload = { failed: p.failed, running: p.running, rate: rate.toFixed(1), etaText: formatEta(p.total - done, rate) };
      if (!started) {
        bar.start(p.total, done, payload);
        started = true;
      } else {
        bar.setTotal(p.total);
        bar.update(done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
