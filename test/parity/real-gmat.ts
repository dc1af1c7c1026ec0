/**
 * The real GmatConsole for tests where GMAT decides (parity with gmat-run/gmat-sweep).
 * Found the way users find it: --gmat-root-less locator (GMAT_ROOT, /opt/gmat-*, ~/gmat-*,
 * PATH); `gsweep setup-gmat` installs one. Never the stand-in.
 */
import { locateGmat, type GmatInstall } from '../../gmat/install';

export function realGmat(): GmatInstall {
  try {
    return locateGmat();
  } catch (err) {
    throw new Error(`these tests run the real GmatConsole; install it (gsweep setup-gmat) or set GMAT_ROOT:\n${(err as Error).message}`);
  }
}
