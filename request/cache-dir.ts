/** The run cache directory of a request, checked before anything is created. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RequestError } from './request-error';

/** The run cache directory, absolute; refused when it names an object store or a non-directory. */
export function checkCacheDir(raw: string | undefined, cwd: string = process.cwd()): string | undefined {
  if (raw === undefined) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new RequestError('cache', `${JSON.stringify(raw)}: this gsweep keeps a run cache in a directory only; give a path every worker can reach`);
  }
  const dir = path.resolve(cwd, raw);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new RequestError('cache', `${dir} exists and is not a directory; give a directory for the run cache`);
  }
  return dir;
}
