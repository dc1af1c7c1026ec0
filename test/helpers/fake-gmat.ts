/**
 * Shell-script fakes of GmatConsole (test doubles) for outcomes the stand-in does not
 * produce: output that cannot be parsed, a report GMAT never created, a crash. Each fake
 * finds the patched Track.Filename in the script it is given and then runs `body`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectInstall, type GmatInstall } from '../../gmat/install';

let n = 0;

export function fakeInstall(root: string, body: string): GmatInstall {
  const dir = path.join(root, `install-${n++}`);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'bin', 'gmat_startup_file.txt'), 'ROOT_PATH = ../\nOUTPUT_PATH = ./output/\nLOG_FILE = ./output/GmatLog.txt\n');
  fs.writeFileSync(
    path.join(dir, 'bin', 'GmatConsole'),
    `#!/bin/sh
# Fake GmatConsole (test double).
script=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--run" ]; then script="$2"; fi
  shift
done
track=$(sed -n "s/^GMAT Track\\.Filename *= *'\\(.*\\)';\\$/\\1/p" "$script")
${body}
`,
    { mode: 0o755 },
  );
  const install = inspectInstall(dir);
  if (typeof install === 'string') throw new Error(install);
  return install;
}
