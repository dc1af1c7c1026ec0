/** gmat-sweep's canonical script SHA-256 (the hash its manifest records for the script). */
import { createHash } from 'node:crypto';

function canonicalScriptText(text: string): string {
  return `${text.replace(/^\uFEFF+/, '').replace(/\r\n/g, '\n').replace(/\r/g, '\n').replace(/\n+$/, '')}\n`;
}

export function canonicalScriptSha256(text: string): string {
  return createHash('sha256').update(canonicalScriptText(text), 'utf8').digest('hex');
}
