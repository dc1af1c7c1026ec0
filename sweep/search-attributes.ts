/**
 * Search attributes that make sweeps listable and sortable in the Temporal Web UI.
 * The embedded dev server registers them; on a cluster an operator registers them once
 * (README: "Running against a Temporal cluster"), and sweeps run without them otherwise.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SWEEP_SCRIPT = defineSearchAttributeKey('GsweepScript', SearchAttributeType.KEYWORD);
export const SWEEP_RUN_COUNT = defineSearchAttributeKey('GsweepRunCount', SearchAttributeType.INT);
export const SWEEP_DONE = defineSearchAttributeKey('GsweepDone', SearchAttributeType.INT);
export const SWEEP_FAILED = defineSearchAttributeKey('GsweepFailed', SearchAttributeType.INT);

export const SWEEP_SEARCH_ATTRIBUTES = [SWEEP_SCRIPT, SWEEP_RUN_COUNT, SWEEP_DONE, SWEEP_FAILED];

/** `temporal server start-dev --search-attribute` spelling of each key. */
export function searchAttributeFlags(): string[] {
  const cliType: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int' };
  return SWEEP_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliType[key.type]}`]);
}
