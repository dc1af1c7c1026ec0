/** Process-table helpers for the driver tests (Linux `ps`). */
import { execFileSync } from 'node:child_process';

export interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  stat: string;
  args: string;
}

export function processTable(): Proc[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: +m[1]!, ppid: +m[2]!, pgid: +m[3]!, stat: m[4]!, args: m[5]! }));
}

/** Live (non-zombie) processes among `pids`, or in process group `pgid`. */
export function alive(pids: number[], pgid?: number): Proc[] {
  return processTable().filter((p) => !p.stat.startsWith('Z') && (pids.includes(p.pid) || (pgid !== undefined && p.pgid === pgid)));
}

/** `pid` and all its descendants (by ppid links). */
export function descendants(pid: number, table = processTable()): Proc[] {
  const out: Proc[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    for (const c of table) if (c.ppid === p) {
      out.push(c);
      todo.push(c.pid);
    }
  }
  return out;
}

