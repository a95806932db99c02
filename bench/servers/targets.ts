/**
 * The servers a benchmark run measures. `switchboard`, `baseline` and `naive` are started here,
 * fresh for every scenario, each in its own process; `peer` is another Pusher-compatible server
 * the benchmark installs and starts the same way (`--peer soketi`, servers/soketi.ts); `external`
 * is any Pusher-compatible server given by URL, app id, key and secret (its CPU and memory are
 * read when its pid is given). A scenario may ask for several nodes on a bus (Redis or NATS) or
 * for Switchboard's `--workers`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Endpoint } from '../generator/protocol.js';
import type { HeapReading, ServerChildMessage, ServerChildRequest } from './child-ipc.js';
import { startSoketi } from './soketi.js';
import { freePort, spawnServer } from './spawned.js';

export type TargetKind = 'switchboard' | 'baseline' | 'naive' | 'peer' | 'external';

/** Peers `--peer` can install and start. */
export const PEERS = ['soketi'] as const;
export type PeerName = (typeof PEERS)[number];

/** The bus the nodes of a multi-node scenario share, on the machine's Redis or NATS. */
export interface ClusterBus {
  readonly driver: 'redis' | 'nats';
  /** Key prefix / subject prefix of this run, so runs never see each other's traffic. */
  readonly prefix: string;
  readonly nodes: number;
}

export const BUS_REDIS_URL = 'redis://127.0.0.1:6379';
export const BUS_NATS_SERVERS = ['127.0.0.1:4222'];

export interface TargetSpec {
  readonly name: string;
  readonly kind: TargetKind;
  /** External servers: where it is, its app, and optionally its pid (for CPU and memory). */
  readonly url?: URL;
  readonly app?: { readonly id: string; readonly key: string; readonly secret: string };
  readonly pid?: number;
  /** Switchboard only: serve the apps from this database (appStore.url) instead of the config file. */
  readonly appStoreUrl?: string;
  /** Peers: which one. */
  readonly peer?: PeerName;
}

export interface RunningTarget {
  readonly spec: TargetSpec;
  readonly endpoint: Endpoint;
  /** Undefined when the process cannot be observed (an external server without --pid). */
  readonly pid: number | undefined;
  /** Every process serving (a primary and its workers); absent: `pid` alone. */
  pids?(): readonly number[];
  /**
   * Full garbage collection before memory is read, answered with the heap in use after it;
   * undefined when the server cannot be asked (an external server).
   */
  gc(): Promise<HeapReading | undefined>;
  stop(): Promise<void>;
}

const BENCH_APP = { id: 'bench', key: 'bench-key', secret: 'bench-secret' } as const;
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_TAIL_BYTES = 4_096;

function entry(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/** Where `--app-store` keeps the benchmark app (inserted at the first run, reused after). */
export const BENCH_APP_STORE_TABLE = 'switchboard_bench_apps';

/**
 * Limits raised so that no scenario hits them: the benchmark measures speed, not quotas. With
 * `appStoreUrl`, the app lives in that database (inserted from this config when absent).
 */
export function switchboardConfig(maxBufferedBytes: number, appStoreUrl?: string, bus?: ClusterBus): ConfigInput {
  return {
    ...(appStoreUrl === undefined ? {} : { appStore: { url: appStoreUrl, table: BENCH_APP_STORE_TABLE } }),
    ...(bus === undefined ? {} : bus.driver === 'redis' ? { redis: { url: BUS_REDIS_URL, keyPrefix: bus.prefix } } : { nats: { servers: BUS_NATS_SERVERS, prefix: bus.prefix } }),
    host: '127.0.0.1',
    port: 0,
    shutdownGracePeriod: 5,
    log: { level: 'warn' },
    websocket: { maxBufferedBytes },
    // Metrics are on as in production; a free port so runs never collide.
    admin: { port: 0 },
    apps: [
      {
        ...BENCH_APP,
        name: 'benchmark',
        clientEvents: true,
        maxPresenceMembers: 1_000_000,
        maxChannelsPerEvent: 100,
        clientEventsPerSecond: 1_000,
      },
    ],
  };
}

class ChildServer implements RunningTarget {
  readonly spec: TargetSpec;
  readonly endpoint: Endpoint;
  readonly #child: ChildProcess;
  readonly #tail: { text: string };
  readonly #exited: Promise<void>;

  constructor(spec: TargetSpec, child: ChildProcess, port: number, tail: { text: string }, exited: Promise<void>) {
    this.spec = spec;
    this.#child = child;
    this.#tail = tail;
    this.#exited = exited;
    this.endpoint = { host: '127.0.0.1', port, appId: BENCH_APP.id, key: BENCH_APP.key, secret: BENCH_APP.secret };
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The last lines the server printed, for error reports. */
  get output(): string {
    return this.#tail.text;
  }

  gc(): Promise<HeapReading | undefined> {
    return new Promise((resolve) => {
      const onMessage = (message: ServerChildMessage): void => {
        if (message.type !== 'gc-done') return;
        this.#child.off('message', onMessage);
        resolve({ heapUsedBytes: message.heapUsedBytes, externalBytes: message.externalBytes });
      };
      this.#child.on('message', onMessage);
      const request: ServerChildRequest = { type: 'gc' };
      this.#child.send(request);
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const request: ServerChildRequest = { type: 'stop' };
      this.#child.send(request);
    }
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.#exited;
    clearTimeout(timer);
  }
}

export interface LaunchOptions {
  readonly workdir: string;
  readonly maxBufferedBytes: number;
  readonly profileDir: string | undefined;
  /** The bus of a multi-node scenario (every node of it is started with the same one). */
  readonly bus?: ClusterBus;
  /** Switchboard only: `switchboard start --workers N` (needs `bus`). */
  readonly workers?: number;
  /** Switchboard only: the scenario group's additions to its configuration. */
  readonly configure?: (config: ConfigInput) => ConfigInput;
}

function launch(spec: TargetSpec, script: string, args: string[], options: LaunchOptions): Promise<RunningTarget> {
  const profile = options.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${spec.name}-${Date.now()}.cpuprofile`];
  const child = fork(script, args, { execArgv: ['--expose-gc', ...profile], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const tail = { text: '' };
  const keep = (chunk: Buffer): void => {
    tail.text = (tail.text + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${spec.name} did not start within ${STARTUP_TIMEOUT_MS / 1000} s: ${tail.text}`));
    }, STARTUP_TIMEOUT_MS);
    child.on('message', (message: ServerChildMessage) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve(new ChildServer(spec, child, message.port, tail, exited));
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${spec.name} exited before it was ready: ${tail.text}`));
    });
  });
}

/** Starts (or, for an external server, attaches to) one target. */
export async function startTarget(spec: TargetSpec, options: LaunchOptions): Promise<RunningTarget> {
  switch (spec.kind) {
    case 'switchboard': {
      const path = join(options.workdir, 'switchboard.json');
      const config = switchboardConfig(options.maxBufferedBytes, spec.appStoreUrl, options.bus);
      await writeFile(path, JSON.stringify(options.configure?.(config) ?? config, null, 2));
      if (options.workers !== undefined) return startWorkers(spec, path, options.workers);
      return launch(spec, entry('switchboard-server.js'), [path], options);
    }
    case 'peer':
      return startSoketi(spec, BENCH_APP, options.bus);
    case 'baseline':
      return launch(spec, entry('baseline-server.js'), ['--mode', 'coalesced'], options);
    case 'naive':
      return launch(spec, entry('baseline-server.js'), ['--mode', 'naive'], options);
    case 'external':
      return externalTarget(spec);
  }
}

/**
 * `switchboard start --workers N` as an operator runs it (bin/switchboard.js): one primary and N
 * workers on one port, the config file's port replaced by a free one.
 */
async function startWorkers(spec: TargetSpec, configPath: string, workers: number): Promise<RunningTarget> {
  const port = await freePort();
  return spawnServer(spec, {
    command: process.execPath,
    args: [fileURLToPath(new URL('../../../bin/switchboard.js', import.meta.url)), 'start', '--config', configPath, '--port', String(port), '--workers', String(workers)],
    env: {},
    port,
    app: BENCH_APP,
    processes: 1 + workers,
  });
}

function externalTarget(spec: TargetSpec): RunningTarget {
  const { url, app } = spec;
  if (url === undefined || app === undefined) throw new Error('an external target needs --url, --app-id, --key and --secret');
  const port = url.port === '' ? (url.protocol === 'https:' || url.protocol === 'wss:' ? 443 : 80) : Number(url.port);
  return {
    spec,
    endpoint: { host: url.hostname, port, appId: app.id, key: app.key, secret: app.secret },
    pid: spec.pid,
    gc: () => Promise.resolve(undefined),
    stop: () => Promise.resolve(),
  };
}
