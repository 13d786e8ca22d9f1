import { readdirSync, readFileSync } from 'node:fs';

/** Linux's clock ticks per second for /proc's CPU times (`getconf CLK_TCK`: 100 on every kernel this runs on). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms, 10 ms resolution) used so far by every process of this machine
 * whose command name is `comm` (`postgres`: the server and its backends), read from /proc.
 * The CPU of exited processes counts too: a parent's reaped children's time (PostgreSQL's
 * postmaster reaps its backends) is added. Answers `undefined` where there is no /proc. The
 * difference of two readings is what the server spent in between.
 */
function processCpuMs(comm: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let ticks = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited since the listing
    }
    // pid (comm) state ppid ... : comm may hold spaces and parentheses, so split after the last ')'.
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (stat.slice(open + 1, close) !== comm) continue;
    const fields = stat.slice(close + 2).split(' ');
    // Fields 14 to 17 of the line (utime, stime, cutime, cstime) are 11 to 14 after the state field.
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  return (ticks / TICKS_PER_SECOND) * 1000;
}

/**
 * Starts measuring the CPU of the processes named `comm` (see {@link processCpuMs}); the function
 * it returns answers what they used since, as `{ serverCpuMs }`, or `{}` where there is no /proc
 * (to spread into a case's result).
 */
export function measureProcessCpu(comm: string): () => { readonly serverCpuMs?: number } {
  const start = processCpuMs(comm);
  return () => {
    const end = processCpuMs(comm);
    return start === undefined || end === undefined ? {} : { serverCpuMs: end - start };
  };
}
