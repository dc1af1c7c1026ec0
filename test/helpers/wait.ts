/**
 * The one polling helper of the tests: waits until `probe` returns something truthy and
 * returns it; throws naming `what` after `timeoutMs`. Never a timing assertion: the timeout
 * only stops a test that would otherwise hang.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  what: string,
  timeoutMs = 60_000,
  pollMs = 100,
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
