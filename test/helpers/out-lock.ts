/** The lock of a directory out as a test inspects it, read through the out's Store. */
import { DirStore } from '../../output/store';
import { readStoreLock, type LockInfo } from '../../request/out-lock';

/** The lock in the directory `outDir`; undefined when there is none or it cannot be read. */
export function readOutLock(outDir: string): Promise<LockInfo | undefined> {
  return readStoreLock(new DirStore(outDir));
}
