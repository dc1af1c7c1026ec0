/**
 * The headless browser for page tests: Debian's `chromium` (apt-get install chromium), or
 * whatever GSWEEP_CHROMIUM names. Missing is a failure with the fix, never a skip.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function findChromium(): string {
  const explicit = process.env.GSWEEP_CHROMIUM;
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`GSWEEP_CHROMIUM=${explicit} does not exist; point it at a Chromium or Chrome binary`);
    return explicit;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
      const candidate = path.join(dir, name);
      if (fs.existsSync(candidate)) return candidate;
    }
  }
  throw new Error('no Chromium on PATH: install Debian\'s package (`apt-get update && apt-get install -y chromium`) or set GSWEEP_CHROMIUM to a Chromium/Chrome binary');
}

/** Flags for a clean, offline, reproducible headless run. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--hide-scrollbars',
];
