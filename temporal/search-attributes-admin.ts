/**
 * gsweep's custom search attributes on a namespace an administrator owns: which are missing,
 * and registering them (what `gsweep setup-namespace` and the production rig do). Sweeps run
 * without them; they only make sweeps listable with live counts in `gsweep list` and the Web UI.
 */
import type { ConnectionLike } from '@temporalio/client';
import { SWEEP_SEARCH_ATTRIBUTES } from '../sweep/search-attributes';

// temporal.api.enums.v1.IndexedValueType
const INDEXED_VALUE_TYPE: Record<string, number> = { KEYWORD: 2, INT: 3 };
const CLI_TYPE: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int' };

export type SearchAttributeCheck =
  | { known: true; missing: string[] }
  /** The operator API refused (permissions, Temporal Cloud) and visibility could not tell either. */
  | { known: false; reason: string };

/**
 * Which of gsweep's attributes the namespace lacks. Asks the operator API; when that is
 * refused, a visibility count that names the attributes tells (it fails only on unknown
 * ones), so a namespace whose admin registered them keeps them even without operator rights.
 */
export async function checkSweepSearchAttributes(connection: ConnectionLike, namespace: string): Promise<SearchAttributeCheck> {
  try {
    const response = await connection.operatorService.listSearchAttributes({ namespace });
    const custom = response.customAttributes ?? {};
    return { known: true, missing: SWEEP_SEARCH_ATTRIBUTES.filter((key) => !(key.name in custom)).map((key) => key.name) };
  } catch (operatorErr) {
    try {
      const query = SWEEP_SEARCH_ATTRIBUTES.map((key) => `${key.name} IS NOT NULL`).join(' AND ');
      await connection.workflowService.countWorkflowExecutions({ namespace, query });
      return { known: true, missing: [] };
    } catch {
      return { known: false, reason: (operatorErr as Error).message.split('\n')[0] ?? 'operator API refused' };
    }
  }
}

/** True when the namespace has every gsweep attribute registered (so a sweep's upserts cannot fail). */
export async function sweepSearchAttributesRegistered(connection: ConnectionLike, namespace: string): Promise<boolean> {
  const check = await checkSweepSearchAttributes(connection, namespace);
  return check.known && check.missing.length === 0;
}

/** `temporal operator search-attribute create` for the given attribute names (what an admin runs). */
export function registerCommand(namespace: string, names: string[] = SWEEP_SEARCH_ATTRIBUTES.map((k) => k.name)): string {
  const keys = SWEEP_SEARCH_ATTRIBUTES.filter((key) => names.includes(key.name));
  const types = keys.map((key) => `--name ${key.name} --type ${CLI_TYPE[key.type]}`).join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${types}`;
}

/** Registers the missing attributes; returns the names it added (empty when all were there). */
export async function registerSweepSearchAttributes(connection: ConnectionLike, namespace: string): Promise<string[]> {
  const check = await checkSweepSearchAttributes(connection, namespace);
  const missing = check.known ? check.missing : SWEEP_SEARCH_ATTRIBUTES.map((k) => k.name);
  if (missing.length === 0) return [];
  const searchAttributes: Record<string, number> = {};
  for (const key of SWEEP_SEARCH_ATTRIBUTES) if (missing.includes(key.name)) searchAttributes[key.name] = INDEXED_VALUE_TYPE[key.type]!;
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return missing;
}
