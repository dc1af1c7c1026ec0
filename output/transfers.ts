/**
 * Bounded concurrency for transfers to and from a Store: run uploads, `gsweep pull` and
 * archive, the aggregate's and resume's reads of a store's runs (run-source.ts).
 */

/** How many transfers are kept in flight at once (outcome fetches, run prefetch, pulls). */
export const TRANSFER_CONCURRENCY = 16;

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapLimit<T>(items: Iterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  let failed: unknown;
  const lanes = Array.from({ length: limit }, async () => {
    for (;;) {
      if (failed) return;
      const next = it.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (err) {
        failed ??= err;
        return;
      }
    }
  });
  await Promise.all(lanes);
  if (failed) throw failed;
}

/**
 * `fetch` over `items` with at most `limit` fetches ahead, and `apply` on each result one at a
 * time in the items' order: order matters when later items replace what earlier ones wrote.
 */
export async function mapOrdered<T, R>(items: T[], limit: number, fetch: (item: T) => Promise<R>, apply: (item: T, result: R) => Promise<void>): Promise<void> {
  // Only the fetches in flight are held: a result is dropped once applied (a pack is megabytes).
  const started = new Map<number, Promise<R>>();
  let next = 0;
  const startUpTo = (end: number) => {
    for (; next < Math.min(end, items.length); next++) {
      const job = fetch(items[next] as T);
      // Rejections are taken when their turn comes; never unhandled meanwhile.
      job.catch(() => undefined);
      started.set(next, job);
    }
  };
  startUpTo(Math.max(1, limit));
  for (let i = 0; i < items.length; i++) {
    const job = started.get(i)!;
    started.delete(i);
    const result = await job;
    startUpTo(i + 1 + Math.max(1, limit));
    await apply(items[i] as T, result);
  }
}
