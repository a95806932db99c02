/**
 * Command-line options of the benchmark (`npm run bench -- [options]`) and the workload sizes they select. The defaults
 * fit this project's 2-core machine (the full run takes a few minutes); `--scale` and
 * `--duration` grow or shrink it, `--smoke` runs every scenario in seconds with tiny numbers.
 */
import { parseArgs } from 'node:util';
import { PEERS, type TargetSpec } from './servers/targets.js';
import { soakSizes, type SoakSizes } from './soak-options.js';

export interface Sizes {
  readonly fanoutSmall: number;
  readonly fanoutLarge: number;
  /** Subscribers of the two-node fan-out (half on each node). */
  readonly fanoutCluster: number;
  /** idle-100k: subscribed sockets, and Switchboard's worker processes holding them. */
  readonly idleHuge: number;
  readonly idleHugeWorkers: number;
  /** Paced fan-out: deliveries per second (the publish rate is this over the subscribers). */
  readonly pacedDeliveriesPerSecond: number;
  readonly pacedMs: number;
  readonly saturationMs: number;
  /** Saturation: publish requests in flight at once. */
  readonly saturationConcurrency: number;
  readonly manyChannels: number;
  readonly targetedRate: number;
  readonly presenceChannels: number;
  readonly presenceMembers: number;
  /** Churn loops per subscriber process. */
  readonly churnConcurrency: number;
  readonly churnMs: number;
  readonly storm: number;
  /** Storm handshakes in flight per subscriber process. */
  readonly stormConcurrency: number;
  readonly idleSmall: number;
  readonly idleLarge: number;
  readonly httpConnections: number;
  readonly httpMs: number;
  /** Setup handshakes in flight per subscriber process. */
  readonly openConcurrency: number;
  readonly payloadBytes: number;
  /** Push: devices on the interest published to (twice), delivery measured after a warm-up. */
  readonly pushDevices: number;
  readonly pushWarmupMs: number;
  readonly pushWindowMs: number;
  /** Pause before memory is read. */
  readonly settleMs: number;
  /** A drain ends when nothing has arrived for this long. */
  readonly quietMs: number;
}

export interface BenchOptions {
  readonly sizes: Sizes;
  readonly smoke: boolean;
  readonly targets: readonly TargetSpec[];
  /** Scenario or group ids to run; empty: all. */
  readonly only: readonly string[];
  readonly outDir: string | undefined;
  readonly subscriberProcesses: number;
  readonly publisherProcesses: number;
  readonly maxBufferedBytes: number;
  readonly progress: boolean;
  /** Each scenario runs this many times on each target, interleaved; medians are reported. */
  readonly repeat: number;
  /** Write a V8 CPU profile of every server process started here into this folder. */
  readonly profileDir: string | undefined;
  /** `--soak`: the soak run alone, with these sizes; its results go to their own file. */
  readonly soak: SoakSizes | undefined;
}

/** Open files per process are capped at 20,000 here; keep a margin for everything else. */
export const MAX_SOCKETS_PER_PROCESS = 18_000;

const FULL: Sizes = {
  fanoutSmall: 1_000,
  fanoutLarge: 10_000,
  fanoutCluster: 2_000,
  idleHuge: 100_000,
  // At most 20,000 open files per process here: 100,000 sockets need 6 workers at least.
  idleHugeWorkers: 8,
  pacedDeliveriesPerSecond: 50_000,
  pacedMs: 10_000,
  saturationMs: 5_000,
  saturationConcurrency: 16,
  manyChannels: 10_000,
  targetedRate: 2_000,
  presenceChannels: 10,
  presenceMembers: 50,
  churnConcurrency: 32,
  churnMs: 10_000,
  storm: 10_000,
  stormConcurrency: 128,
  idleSmall: 1_000,
  idleLarge: 15_000,
  httpConnections: 32,
  httpMs: 10_000,
  openConcurrency: 256,
  payloadBytes: 100,
  pushDevices: 100_000,
  pushWarmupMs: 3_000,
  pushWindowMs: 10_000,
  settleMs: 1_000,
  quietMs: 5_000,
};

const SMOKE: Sizes = {
  fanoutSmall: 20,
  fanoutLarge: 50,
  fanoutCluster: 20,
  idleHuge: 200,
  idleHugeWorkers: 2,
  pacedDeliveriesPerSecond: 1_000,
  pacedMs: 400,
  saturationMs: 300,
  saturationConcurrency: 2,
  manyChannels: 40,
  targetedRate: 200,
  presenceChannels: 2,
  presenceMembers: 3,
  churnConcurrency: 2,
  churnMs: 300,
  storm: 40,
  stormConcurrency: 16,
  idleSmall: 20,
  idleLarge: 60,
  httpConnections: 2,
  httpMs: 300,
  openConcurrency: 32,
  payloadBytes: 100,
  pushDevices: 300,
  pushWarmupMs: 100,
  pushWindowMs: 300,
  settleMs: 50,
  quietMs: 3_000,
};

export const USAGE = `Usage: npm run bench -- [options]   (or node dist/bench/cli.js [options] after a build)

Starts Switchboard, the baseline (a minimal broadcast server on the same engine) and its naive
variant (one ws.send per subscriber), each in its own process, drives them from separate
load-generator processes, prints a table and writes JSON and an SVG chart.

Options:
  --smoke               Every scenario in seconds with tiny numbers (no thresholds)
  --scenarios LIST      Comma-separated scenario or group ids (default: all): fanout-1k,
                        fanout-10k, fanout-2node-redis, fanout-2node-nats, many-channels,
                        presence-churn, connection-storm, idle-memory, http-api, push
                        (Switchboard only); and, only when named, idle-100k (100,000
                        sockets on switchboard --workers)
  --targets LIST        Comma-separated: switchboard,baseline,naive (default: all three)
  --peer NAME           Also install (first time, into bench/.peers/) and measure a peer:
                        soketi (1.6.1)
  --workers N           idle-100k: Switchboard worker processes (default 8; at least 6 here)
  --scale FACTOR        Multiply connection counts and rates (default 1)
  --duration SECONDS    Length of each measured phase (default 10; saturation half of it)
  --payload BYTES       Event data size (default 100)
  --in-flight N         Saturation: publish requests in flight at once (default 16)
  --repeat N            Run everything N times, targets interleaved; report medians (default 1)
  --processes N         Subscriber processes (default: enough for 5,000 sockets each, min 3)
  --max-buffered BYTES  Switchboard websocket.maxBufferedBytes (default 67108864)
  --app-store URL       Also run Switchboard with its apps in this database (postgres:// or
                        mysql://; table switchboard_bench_apps), as target switchboard-appstore
  --out DIR             Where results go (default bench/results)
  --profile DIR         Write a V8 CPU profile of each server started here into DIR
  --quiet               No progress display

The soak run (alone; results in soak-latest.json, latest.json is left as it is):
  --soak                10,000 connections with presence, churn and steady publishes;
                        RSS and heap after GC over time (default target: switchboard only)
  --soak-minutes N      Length of the soak run (default 30; with --smoke, 3 seconds)
  --soak-interval S     Seconds between memory readings (default 60)

Another Pusher-compatible server, measured in the same run:
  --url URL             ws:// or http:// host and port (TLS is not supported)
  --app-id ID --key KEY --secret SECRET
  --pid PID             Its process id, to read its CPU and memory (optional)
  --name NAME           Its name in the results (default: external)`;

export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new OptionsError(`--${name} must be a positive number, got "${text}"`);
  return value;
}

function list(text: string | undefined): string[] {
  return text === undefined ? [] : text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function scaled(base: Sizes, scale: number, durationSeconds: number | undefined): Sizes {
  const count = (value: number): number => Math.max(1, Math.round(value * scale));
  const ms = durationSeconds === undefined ? undefined : durationSeconds * 1000;
  return {
    ...base,
    fanoutSmall: count(base.fanoutSmall),
    fanoutLarge: count(base.fanoutLarge),
    fanoutCluster: count(base.fanoutCluster),
    idleHuge: count(base.idleHuge),
    pacedDeliveriesPerSecond: count(base.pacedDeliveriesPerSecond),
    manyChannels: count(base.manyChannels),
    targetedRate: count(base.targetedRate),
    presenceMembers: count(base.presenceMembers),
    storm: count(base.storm),
    idleSmall: count(base.idleSmall),
    idleLarge: count(base.idleLarge),
    pushDevices: count(base.pushDevices),
    pushWindowMs: ms ?? base.pushWindowMs,
    pacedMs: ms ?? base.pacedMs,
    saturationMs: ms === undefined ? base.saturationMs : ms / 2,
    churnMs: ms ?? base.churnMs,
    httpMs: ms ?? base.httpMs,
  };
}

function externalTarget(values: Record<string, string | boolean | undefined>): TargetSpec | undefined {
  const text = (key: string): string | undefined => (typeof values[key] === 'string' ? values[key] : undefined);
  const url = text('url');
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OptionsError(`--url is not a URL: "${url}"`);
  }
  if (!['ws:', 'http:'].includes(parsed.protocol)) throw new OptionsError('--url must be ws:// or http:// (TLS is not supported)');
  const id = text('app-id');
  const key = text('key');
  const secret = text('secret');
  if (id === undefined || key === undefined || secret === undefined) throw new OptionsError('--url needs --app-id, --key and --secret');
  const pid = text('pid');
  return {
    name: text('name') ?? 'external',
    kind: 'external',
    url: parsed,
    app: { id, key, secret },
    ...(pid === undefined ? {} : { pid: positive('pid', pid, 0) }),
  };
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      smoke: { type: 'boolean' },
      scenarios: { type: 'string' },
      targets: { type: 'string' },
      scale: { type: 'string' },
      duration: { type: 'string' },
      payload: { type: 'string' },
      processes: { type: 'string' },
      'in-flight': { type: 'string' },
      repeat: { type: 'string' },
      profile: { type: 'string' },
      'max-buffered': { type: 'string' },
      'app-store': { type: 'string' },
      peer: { type: 'string' },
      workers: { type: 'string' },
      out: { type: 'string' },
      quiet: { type: 'boolean' },
      soak: { type: 'boolean' },
      'soak-minutes': { type: 'string' },
      'soak-interval': { type: 'string' },
      url: { type: 'string' },
      'app-id': { type: 'string' },
      key: { type: 'string' },
      secret: { type: 'string' },
      pid: { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  const smoke = values.smoke === true;
  const duration = values.duration === undefined ? undefined : positive('duration', values.duration, 10);
  const base = smoke ? SMOKE : FULL;
  const sizes: Sizes = {
    ...scaled(base, positive('scale', values.scale, 1), duration),
    payloadBytes: Math.round(positive('payload', values.payload, base.payloadBytes)),
    saturationConcurrency: Math.round(positive('in-flight', values['in-flight'], base.saturationConcurrency)),
    idleHugeWorkers: Math.round(positive('workers', values.workers, base.idleHugeWorkers)),
  };

  const soak =
    values.soak === true
      ? soakSizes(
          smoke,
          values['soak-minutes'] === undefined ? undefined : positive('soak-minutes', values['soak-minutes'], 30),
          values['soak-interval'] === undefined ? undefined : positive('soak-interval', values['soak-interval'], 60),
        )
      : undefined;
  // The soak run compares a server with itself over time: the baseline runs only when asked for.
  const kinds = list(values.targets ?? (soak === undefined ? 'switchboard,baseline,naive' : 'switchboard'));
  for (const kind of kinds) {
    if (!['switchboard', 'baseline', 'naive'].includes(kind)) throw new OptionsError(`unknown target "${kind}" (switchboard, baseline, naive)`);
  }
  if (!kinds.includes('baseline') && soak === undefined) kinds.push('baseline');
  const order = ['baseline', 'switchboard', 'naive'] as const;
  const targets: TargetSpec[] = order.filter((kind) => kinds.includes(kind)).map((kind) => ({ name: kind, kind }));
  const appStore = typeof values['app-store'] === 'string' ? values['app-store'] : undefined;
  if (appStore !== undefined) {
    if (!/^(postgres|postgresql|mysql):\/\//.test(appStore)) throw new OptionsError('--app-store must be a postgres:// or mysql:// URL');
    // Beside the config-file Switchboard, so both are measured in the same run.
    targets.splice(targets.findIndex((target) => target.kind === 'switchboard') + 1, 0, { name: 'switchboard-appstore', kind: 'switchboard', appStoreUrl: appStore });
  }
  for (const peer of list(values.peer)) {
    const known = PEERS.find((name) => name === peer);
    if (known === undefined) throw new OptionsError(`unknown peer "${peer}" (${PEERS.join(', ')})`);
    targets.push({ name: known, kind: 'peer', peer: known });
  }
  const external = externalTarget(values);
  if (external !== undefined) targets.push(external);

  const only = list(values.scenarios);
  const huge = only.some((id) => id.startsWith('idle-100k')) ? sizes.idleHuge : 0;
  const largest = soak?.connections ?? Math.max(sizes.fanoutLarge, sizes.manyChannels, sizes.idleLarge, sizes.storm, huge);
  const processes = Math.max(
    // 5,000 sockets each by default; idle-100k's sockets only wait, so 15,000 each (7 processes).
    positive('processes', values.processes, smoke ? 2 : Math.max(3, Math.ceil(largest / (huge > 0 ? 15_000 : 5_000)))),
    Math.ceil(largest / MAX_SOCKETS_PER_PROCESS),
  );
  return {
    sizes,
    smoke,
    targets,
    only,
    outDir: values.out,
    subscriberProcesses: Math.round(processes),
    publisherProcesses: smoke ? 1 : 2,
    maxBufferedBytes: Math.round(positive('max-buffered', values['max-buffered'], 64 * 1024 * 1024)),
    progress: values.quiet !== true,
    repeat: Math.round(positive('repeat', values.repeat, 1)),
    profileDir: values.profile,
    soak,
  };
}
