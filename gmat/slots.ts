/**
 * Engine slots: how many GMAT processes a worker runs at once (`--concurrency`).
 *
 * The worker accepts more run activities than it has slots, so the next run is already
 * patched and waiting when a slot frees, and the last run's outputs are parsed while the
 * next one runs: GMAT never idles through a Temporal round trip or our own file work.
 * Waiters are served first come, first served.
 */
export class EngineSlots {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  /** `onBusy` hears the number of busy slots after each change (the worker's metrics). */
  constructor(
    readonly size: number,
    private readonly onBusy: (busy: number) => void = () => {},
  ) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`engine slots must be a positive integer, got ${size}`);
    this.free = size;
  }

  /** Resolves with a release function once a slot is free; rejects with `signal.reason` on abort. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    if (this.free > 0) {
      this.free--;
      this.onBusy(this.size - this.free);
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.releaser());
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal!.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
    });
  }

  get available(): number {
    return this.free;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else {
        this.free++;
        this.onBusy(this.size - this.free);
      }
    };
  }
}
