/**
 * Test-file hook for real GMAT: obtains it in a beforeAll that never throws, and hands each
 * test an accessor that throws the reason when real GMAT is missing, so every such test
 * FAILS with that reason (a throwing beforeAll would make vitest report them as skipped).
 */
import { beforeAll } from 'vitest';
import type { GmatInstall } from '../../gmat/install';
import { realGmat } from './real-gmat';

export function useRealGmat(): () => GmatInstall {
  let install: GmatInstall | undefined;
  let error: unknown;
  beforeAll(async () => {
    try {
      install = await realGmat();
    } catch (e) {
      error = e;
    }
  });
  return () => {
    if (error !== undefined) throw error;
    if (!install) throw new Error('real GMAT was asked for before the beforeAll hook ran');
    return install;
  };
}
