/**
 * The real GmatConsole for tests where GMAT decides (parity with gmat-run/gmat-sweep), found
 * the way users find it: GMAT_ROOT, /opt/gmat-*, ~/gmat-*, PATH (and, once it is in main,
 * the `gsweep setup-gmat` install). Never the stand-in; without real GMAT these tests fail.
 * Async like the gmat work's test/real-gmat helper, so the two can be swapped.
 */
import { locateGmat, type GmatInstall } from '../../gmat/install';

export async function realGmat(): Promise<GmatInstall> {
  try {
    return locateGmat();
  } catch (err) {
    throw new Error(`these tests run the real GmatConsole; install it (gsweep setup-gmat) or set GMAT_ROOT:\n${(err as Error).message}`);
  }
}
