/**
 * Before any test file: make sure the real GMAT the real-GMAT and durability tests use exists,
 * building it with `gsweep setup-gmat` on a developer's first `npm test` (about a minute, once
 * per machine; no hook timeout applies here). Under CI=true nothing is built: .ci/run must
 * have done it, and the tests fail if it did not. A failed build is reported here and again
 * by every test that needs real GMAT (they fail; they are never skipped).
 */
import { realGmat } from './helpers/real-gmat';

export default async function setup(): Promise<void> {
  if (process.env.CI === 'true') return;
  try {
    await realGmat();
  } catch (e) {
    process.stderr.write(`real GMAT is not available, so the real-GMAT tests will fail: ${(e as Error).message}\n`);
  }
}
