/**
 * CPU time and resident memory of a process, and of the whole machine, read from /proc (Linux).
 * The server's CPU is read from outside so that any server given by pid can be measured the same
 * way, ours or not; utime + stime cover every thread of the process (GC and libuv pool included).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function clockTicks(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

const CLK_TCK = clockTicks();

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process so far, or undefined when it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLK_TCK;
}

/** Resident set size in bytes, or undefined when the process is gone. */
export function processRssBytes(pid: number): number | undefined {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(read(`/proc/${pid}/status`) ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

/** CPU seconds the whole machine spent busy and in total (all cores) since boot. */
export function machineCpuSeconds(): { readonly busy: number; readonly total: number } {
  const line = (read('/proc/stat') ?? '').split('\n', 1)[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: (total - idle) / CLK_TCK, total: total / CLK_TCK };
}

/**
 * Write system calls the process has made (write, writev, sendmsg...), or undefined when they
 * cannot be read. Per delivery, this shows how well writes are coalesced.
 */
export function processWriteCalls(pid: number): number | undefined {
  const match = /^syscw: (\d+)$/m.exec(read(`/proc/${pid}/io`) ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
