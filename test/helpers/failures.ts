/** failures.jsonl rows in a directory out, as the workflow's recordFailures activity appends them. */
import { recordFailures } from '../../output/failures';
import { DirStore } from '../../output/store';
import type { FailureRecord } from '../../sweep/types';

export function appendFailures(outDir: string, records: FailureRecord[]): Promise<void> {
  return recordFailures(new DirStore(outDir), records);
}
