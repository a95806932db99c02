/**
 * Operations over all subscriber processes (open, reset, collect, drain, close) and the meter that
 * reads server, generator and machine CPU around a measured phase.
 */
import type { Endpoint, OpenResult, SubscribeSpec, WorkerStats } from '../generator/protocol.js';
import type { GeneratorPool } from '../generator/pool.js';
import type { RunningTarget } from '../servers/targets.js';
import { Histogram, round } from '../stats/histogram.js';
import { machineCpuSeconds, processCpuSeconds, processWriteCalls } from '../stats/proc.js';

const DRAIN_POLL_MS = 100;

/** Source addresses of subscriber process `worker`: several per process, distinct across them. */
export function localAddresses(endpoint: Endpoint, worker: number): string[] {
  if (!endpoint.host.startsWith('127.')) return [];
  return Array.from({ length: 8 }, (_, index) => `127.0.0.${10 + worker * 8 + index}`);
}

export interface Opened {
  readonly opened: number;
  readonly failed: number;
  readonly failures: readonly string[];
  /** Until the slowest process was done. */
  readonly elapsedMs: number;
  readonly handshake: Histogram;
  /** Ready connections by the channel they subscribed to, over all processes. */
  readonly subscribed: ReadonlyMap<string, number>;
}

/** Opens `count` connections spread evenly over the subscriber processes. */
export async function openAll(
  pool: GeneratorPool,
  endpoint: Endpoint,
  count: number,
  subscribe: SubscribeSpec | undefined,
  concurrency: number,
  firstIndex = 0,
): Promise<Opened> {
  const workers = pool.subscribers;
  const share = Math.ceil(count / workers.length);
  const results: OpenResult[] = await Promise.all(
    workers.map((worker, index) => {
      const start = index * share;
      const mine = Math.max(0, Math.min(share, count - start));
      return worker.call({
        type: 'open',
        endpoint,
        count: mine,
        firstIndex: firstIndex + start,
        concurrency,
        localAddresses: localAddresses(endpoint, index),
        subscribe,
      });
    }),
  );
  const handshake = new Histogram();
  for (const result of results) handshake.merge(result.handshake);
  const subscribed = new Map<string, number>();
  for (const result of results) for (const [channel, count] of Object.entries(result.subscribed)) subscribed.set(channel, (subscribed.get(channel) ?? 0) + count);
  return {
    opened: sum(results.map((result) => result.opened)),
    failed: sum(results.map((result) => result.failed)),
    failures: results.flatMap((result) => result.failures).slice(0, 5),
    elapsedMs: Math.max(...results.map((result) => result.elapsedMs)),
    handshake,
    subscribed,
  };
}

export interface Collected {
  readonly received: number;
  readonly firstReceivedUs: number;
  readonly lastReceivedUs: number;
  readonly memberEvents: number;
  readonly pusherErrors: number;
  readonly unexpectedCloses: number;
  readonly open: number;
  readonly samples: readonly string[];
  readonly latency: Histogram;
}

export async function resetAll(pool: GeneratorPool): Promise<void> {
  await Promise.all(pool.subscribers.map((worker) => worker.call({ type: 'reset' })));
}

export async function collect(pool: GeneratorPool, histogram: boolean): Promise<Collected> {
  const stats: WorkerStats[] = await Promise.all(pool.subscribers.map((worker) => worker.call({ type: 'stats', histogram })));
  const latency = new Histogram();
  for (const stat of stats) if (stat.latency !== undefined) latency.merge(stat.latency);
  const firsts = stats.map((stat) => stat.firstReceivedUs).filter((value) => value > 0);
  return {
    received: sum(stats.map((stat) => stat.received)),
    firstReceivedUs: firsts.length === 0 ? 0 : Math.min(...firsts),
    lastReceivedUs: Math.max(0, ...stats.map((stat) => stat.lastReceivedUs)),
    memberEvents: sum(stats.map((stat) => stat.memberEvents)),
    pusherErrors: sum(stats.map((stat) => stat.pusherErrors)),
    unexpectedCloses: sum(stats.flatMap((stat) => Object.values(stat.unexpectedCloses))),
    open: sum(stats.map((stat) => stat.open)),
    samples: stats.flatMap((stat) => stat.samples).slice(0, 5),
    latency,
  };
}

/**
 * Waits until `expected` benchmark events have arrived, or until none has arrived for
 * `quietMs` (the rest is lost); returns the final counts with latencies.
 */
export async function drain(pool: GeneratorPool, expected: number, quietMs: number): Promise<Collected> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const { received } = await collect(pool, false);
    if (received >= expected) break;
    if (received !== last) {
      last = received;
      lastChange = Date.now();
    } else if (Date.now() - lastChange >= quietMs) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
  return collect(pool, true);
}

export async function closeAll(pool: GeneratorPool): Promise<void> {
  await Promise.all(pool.subscribers.map((worker) => worker.call({ type: 'close-all' })));
}

export interface Measured {
  readonly wallSeconds: number;
  /** Null when the server's process cannot be observed. */
  readonly serverCpuSeconds: number | null;
  /** Write system calls the server made; null when they cannot be read. */
  readonly serverWrites: number | null;
  readonly generatorCpuSeconds: number;
  /** Average cores busy with anything else on the machine (other work sharing it). */
  readonly otherCores: number;
}

/** The processes serving a target: all of them when it has several (workers), else its pid. */
export function serverPids(target: RunningTarget): readonly number[] {
  return target.pids?.() ?? (target.pid === undefined ? [] : [target.pid]);
}

/** User + system CPU seconds of these processes together; undefined when none can be read. */
export function totalCpuSeconds(pids: readonly number[]): number | undefined {
  return sumKnown(pids.map(processCpuSeconds));
}

function sumKnown(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length === 0 ? undefined : sum(known);
}

/**
 * CPU of the server, the generator and the rest of the machine over one measured phase. The
 * server is one process or several (a multi-node scenario, workers), summed.
 */
export class Meter {
  readonly #pid: readonly number[] | undefined;
  readonly #pool: GeneratorPool;
  readonly #startedAt = process.hrtime.bigint();
  readonly #server: number | undefined;
  readonly #writes: number | undefined;
  readonly #generator: number;
  readonly #machine: number;
  readonly #self = process.cpuUsage();

  constructor(pid: number | readonly number[] | undefined, pool: GeneratorPool) {
    this.#pid = pid === undefined ? undefined : typeof pid === 'number' ? [pid] : pid;
    this.#pool = pool;
    this.#server = this.#pid === undefined ? undefined : totalCpuSeconds(this.#pid);
    this.#writes = this.#pid === undefined ? undefined : sumKnown(this.#pid.map(processWriteCalls));
    this.#generator = pool.cpuSeconds();
    this.#machine = machineCpuSeconds().busy;
  }

  stop(): Measured {
    const wallSeconds = Number(process.hrtime.bigint() - this.#startedAt) / 1e9;
    const serverNow = this.#pid === undefined ? undefined : totalCpuSeconds(this.#pid);
    const server = serverNow === undefined || this.#server === undefined ? null : serverNow - this.#server;
    const writesNow = this.#pid === undefined ? undefined : sumKnown(this.#pid.map(processWriteCalls));
    const writes = writesNow === undefined || this.#writes === undefined ? null : writesNow - this.#writes;
    const generator = this.#pool.cpuSeconds() - this.#generator;
    const self = process.cpuUsage(this.#self);
    const orchestrator = (self.user + self.system) / 1e6;
    const machine = machineCpuSeconds().busy - this.#machine;
    const other = Math.max(0, machine - (server ?? 0) - generator - orchestrator);
    return { wallSeconds, serverCpuSeconds: server, serverWrites: writes, generatorCpuSeconds: generator + orchestrator, otherCores: other / wallSeconds };
  }
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** `numerator / denominator`, or null when either is unknown or the denominator is 0. */
export function per(numerator: number | null, denominator: number | null, scale = 1): number | null {
  if (numerator === null || denominator === null || denominator === 0) return null;
  return (numerator / denominator) * scale;
}

/** Where the CPU went during a phase: server, generator and everything else, in cores. */
export function loadMetrics(measured: Measured): Record<string, number | null> {
  return {
    serverCores: per(measured.serverCpuSeconds, measured.wallSeconds),
    generatorCores: round(measured.generatorCpuSeconds / measured.wallSeconds, 2),
    otherCores: round(measured.otherCores, 2),
  };
}
