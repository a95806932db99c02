/**
 * What the instruction-count benchmarks (bench/instructions*.ts) share: a server process started
 * under valgrind's callgrind with collection off, switched on and off around the measured work,
 * and the totals read back from callgrind's output file.
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

/** What was counted while collection was on: callgrind's event names (Ir, D1mr, ...) to totals. */
export type Totals = ReadonlyMap<string, number>;

export interface CountedServer {
  readonly pid: number;
  /** Turns callgrind's collection on or off in the server's process. */
  collect(on: boolean): Promise<void>;
  /** Stops the server (SIGTERM) and resolves once it has exited and written its totals. */
  stop(): Promise<Totals>;
}

const run = promisify(execFile);

/** A port free on 127.0.0.1 a moment ago, for a server started next. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Starts `node <args>` under callgrind with nothing counted until `collect(true)`; the output goes
 * to `outFile`. With `cacheSim`, the data-cache misses are counted too (D1mr, D1mw, DLmr, DLmw).
 */
export function startCounted(args: readonly string[], outFile: string, cacheSim = false): CountedServer {
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', '--instr-atstart=no', `--cache-sim=${cacheSim ? 'yes' : 'no'}`, `--callgrind-out-file=${outFile}`, process.execPath, ...args],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const exited = once(child, 'exit');
  const pid = child.pid;
  if (pid === undefined) throw new Error('valgrind did not start');
  return {
    pid,
    collect: async (on) => {
      await run('callgrind_control', ['-i', on ? 'on' : 'off', String(pid)], { timeout: 120_000 });
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      return totalsOf(outFile);
    },
  };
}

/** callgrind's `events:` names against its `totals:` line. */
async function totalsOf(outFile: string): Promise<Totals> {
  const text = await readFile(outFile, 'utf8');
  const events = /^events:\s+(.+)$/m.exec(text)?.[1]?.trim().split(/\s+/);
  const totals = /^totals:\s+(.+)$/m.exec(text)?.[1]?.trim().split(/\s+/);
  if (events === undefined || totals === undefined) throw new Error(`no totals in ${outFile}`);
  return new Map(events.map((name, index) => [name, Number(totals[index] ?? 0)]));
}

/** Retries `attempt` every 200 ms for up to 300 s: a server under valgrind on a busy machine takes a while to listen. */
export async function untilUp<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** A command-line count: a positive integer, or an error naming the option. */
export function positiveCount(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** The median of the values (the upper one of an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
