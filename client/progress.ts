/** The live progress line of `gsweep run|wait` (cli-progress handles TTY redraws and ETA). */
import { SingleBar } from 'cli-progress';
import type { SweepProgress } from '../sweep/sweep';

export interface ProgressDisplay {
  update(progress: SweepProgress): void;
  stop(): void;
}

export function progressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  const bar = new SingleBar(
    {
      stream,
      format: 'gsweep [{bar}] {value}/{total} runs · {failed} failed · {running} running · {rate} runs/s · ETA {eta_formatted}',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 50,
      barsize: 24,
    },
  );
  let started = false;
  return {
    update(p) {
      const done = p.ok + p.failed;
      const elapsed = Math.max(0.001, (Date.now() - p.startedAtMs) / 1000);
      const payload = { failed: p.failed, running: p.running, rate: (done / elapsed).toFixed(1) };
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
