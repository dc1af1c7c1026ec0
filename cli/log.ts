/** The CLI's messages go to stderr, so stdout carries only what a script reads (ids, paths, JSON). */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
