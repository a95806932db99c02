/**
 * Soak: 10,000 connections for 30 minutes with churn, presence and a steady publish rate, to show
 * that the server's memory stays flat once it has warmed up (under 5% growth after minute 5).
 *
 * Stable subscribers hold their connection for the whole run: some as members of presence
 * channels, the rest on public channels that receive a steady, paced stream of signed HTTP
 * publishes (each publish reaches the same number of stable subscribers, so every delivery can be
 * counted). Churn loops connect, join one of the presence channels (the stable members get
 * member_added / member_removed), stay a while, leave (every other one with pusher:unsubscribe
 * first) and start again. At the start and every interval the server collects its garbage
 * (forced, over the benchmark's IPC) and its RSS and V8 heap are read.
 */
import type { ChurnResult, PublishResult } from '../generator/protocol.js';
import type { RunningTarget } from '../servers/targets.js';
import { soakPublicPerChannel, type SoakSizes } from '../soak-options.js';
import { processCpuSeconds, processRssBytes } from '../stats/proc.js';
import { closeAll, collect, drain, loadMetrics, localAddresses, Meter, openAll, per, resetAll, sum } from './fleet.js';
import type { ScenarioContext, ScenarioGroup, ScenarioRun, TimelineSample } from './scenario.js';

const PRESENCE_PREFIX = 'presence-soak-';
const PUBLIC_PREFIX = 'soak-';
const PUBLISH_CONNECTIONS = 4;
/**
 * Handshakes (and presence joins) in flight per generator process while the stable connections
 * open: few enough that none waits out the generator's ready timeout on a busy machine.
 */
const OPEN_CONCURRENCY = 32;
const MIB = 1_048_576;
/** The workload runs this much longer than the last reading, so that it is taken under load. */
const MAX_TAIL_MS = 5_000;

export const SOAK_COLUMNS = [
  'rssGrowthPercent',
  'heapGrowthPercent',
  'rssEndMiB',
  'heapEndMiB',
  'churnCyclesPerSecond',
  'memberEventsPerSecond',
  'deliveries',
  'lost',
  'serverCores',
] as const;

/** Growth from `from` to `to` in percent, or null when either is unknown. */
export function growthPercent(from: number | null | undefined, to: number | null | undefined): number | null {
  if (from === null || from === undefined || to === null || to === undefined || from === 0) return null;
  return ((to - from) / from) * 100;
}

/** `m:ss` */
export function clock(seconds: number): string {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/**
 * Deliveries `publishes` round-robin publishes must produce (publish k goes to
 * `channels[k % channels.length]`), given how many stable subscribers each channel has.
 */
export function expectedDeliveries(publishes: number, channels: readonly string[], subscribed: ReadonlyMap<string, number>): number {
  let expected = 0;
  for (let publish = 0; publish < publishes; publish += 1) expected += subscribed.get(channels[publish % channels.length] ?? '') ?? 0;
  return expected;
}

function names(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}${index}`);
}

function sleepUntil(time: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, time - Date.now())));
}

/** Reads the server's memory after a forced GC, and what the clients have seen so far. */
class Sampler {
  readonly samples: TimelineSample[] = [];
  readonly #context: ScenarioContext;
  readonly #target: RunningTarget;
  readonly #startedAt: number;
  #cpu: { at: number; seconds: number | undefined };

  constructor(context: ScenarioContext, target: RunningTarget, startedAt: number) {
    this.#context = context;
    this.#target = target;
    this.#startedAt = startedAt;
    this.#cpu = { at: startedAt, seconds: target.pid === undefined ? undefined : processCpuSeconds(target.pid) };
  }

  async sample(): Promise<TimelineSample> {
    const now = Date.now();
    const cpu = this.#target.pid === undefined ? undefined : processCpuSeconds(this.#target.pid);
    const serverCores = cpu === undefined || this.#cpu.seconds === undefined || now === this.#cpu.at ? null : (cpu - this.#cpu.seconds) / ((now - this.#cpu.at) / 1000);
    this.#cpu = { at: now, seconds: cpu };
    const heap = await this.#target.gc();
    const rss = this.#target.pid === undefined ? undefined : processRssBytes(this.#target.pid);
    const seen = await collect(this.#context.pool, false);
    const sample: TimelineSample = {
      seconds: Math.round((now - this.#startedAt) / 1000),
      rssMiB: rss === undefined ? null : rss / MIB,
      heapUsedMiB: heap === undefined ? null : heap.heapUsedBytes / MIB,
      externalMiB: heap === undefined ? null : heap.externalBytes / MIB,
      open: seen.open,
      received: seen.received,
      serverCores,
    };
    this.samples.push(sample);
    this.#context.progress.phase(
      `${clock(sample.seconds)}: RSS ${sample.rssMiB?.toFixed(1) ?? 'n/a'} MiB, heap ${sample.heapUsedMiB?.toFixed(1) ?? 'n/a'} MiB, ${sample.open} open, ${sample.received} received`,
    );
    return sample;
  }
}

export function soakGroup(soak: SoakSizes, payloadBytes: number): ScenarioGroup {
  const perChannel = soakPublicPerChannel(soak);
  const stablePublic = perChannel * soak.publicChannels;
  const presenceChannels = names(PRESENCE_PREFIX, soak.presenceChannels);
  const publicChannels = names(PUBLIC_PREFIX, soak.publicChannels);
  return {
    id: 'soak',
    scenarios: [
      {
        id: 'soak',
        title: `Soak: ${stablePublic + soak.presenceMembers + soak.churners} connections with churn, presence and steady publishes for ${clock(soak.durationMs / 1000)}`,
        workload: {
          connections: stablePublic + soak.presenceMembers + soak.churners,
          channelsPerConnection: 1,
          publishesPerSecond: soak.publishesPerSecond,
          subscribersPerPublish: perChannel,
          payloadBytes,
          transport: 'ws (raw client), publishes over HTTP keep-alive',
          durationSeconds: soak.durationMs / 1000,
          notes:
            `${stablePublic} stable subscribers on ${soak.publicChannels} public channels (publishes round-robin); ` +
            `${soak.presenceMembers} stable members on ${soak.presenceChannels} presence channels; ` +
            `${soak.churners} churn loops join them, stay ${soak.holdMs / 1000} s, leave (half unsubscribe first) and reconnect; ` +
            `RSS and heap after a forced GC every ${soak.intervalMs / 1000} s, growth from ${clock(soak.warmupMs / 1000)} to the end`,
        },
        columns: SOAK_COLUMNS,
      },
    ],
    kinds: ['switchboard', 'baseline', 'peer', 'external'],
    async run(context: ScenarioContext, target: RunningTarget): Promise<ScenarioRun[]> {
      const { pool, progress, sizes } = context;
      const publisher = pool.publishers[0];
      if (publisher === undefined) throw new Error('no publisher process');
      progress.phase(`joining ${soak.presenceMembers} stable presence members`);
      const members = await openAll(pool, target.endpoint, soak.presenceMembers, { prefix: PRESENCE_PREFIX, naming: 'modulo', modulo: soak.presenceChannels }, Math.min(OPEN_CONCURRENCY, sizes.openConcurrency));
      progress.phase(`subscribing ${stablePublic} stable public subscribers`);
      const subscribers = await openAll(
        pool,
        target.endpoint,
        stablePublic,
        { prefix: PUBLIC_PREFIX, naming: 'modulo', modulo: soak.publicChannels },
        Math.min(OPEN_CONCURRENCY, sizes.openConcurrency),
        soak.presenceMembers,
      );
      await resetAll(pool);

      const startedAt = Date.now();
      const sampler = new Sampler(context, target, startedAt);
      await sampler.sample();
      const meter = new Meter(target.pid, pool);
      const workloadMs = soak.durationMs + Math.min(MAX_TAIL_MS, soak.intervalMs / 2);
      const churnShare = Math.ceil(soak.churners / pool.subscribers.length);
      const churning: Promise<ChurnResult[]> = Promise.all(
        pool.subscribers.map((worker, index) =>
          worker.call({
            type: 'churn',
            endpoint: target.endpoint,
            durationMs: workloadMs,
            concurrency: Math.max(0, Math.min(churnShare, soak.churners - index * churnShare)),
            localAddresses: localAddresses(target.endpoint, index),
            channels: presenceChannels,
            userPrefix: `soak-churn-${index}-`,
            holdMs: soak.holdMs,
          }),
        ),
      );
      const publishing: Promise<PublishResult> = publisher.call({
        type: 'publish',
        endpoint: target.endpoint,
        mode: 'paced',
        rate: soak.publishesPerSecond,
        durationMs: workloadMs,
        connections: PUBLISH_CONNECTIONS,
        channels: publicChannels,
        payloadBytes,
        timestamp: true,
      });
      const readings = Math.floor(soak.durationMs / soak.intervalMs);
      for (let reading = 1; reading <= readings; reading += 1) {
        await sleepUntil(startedAt + reading * soak.intervalMs);
        await sampler.sample();
      }
      if (readings * soak.intervalMs < soak.durationMs) {
        await sleepUntil(startedAt + soak.durationMs);
        await sampler.sample();
      }
      progress.phase('waiting for the churn and the publishes to end');
      const [churned, published] = await Promise.all([churning, publishing]);
      const expected = expectedDeliveries(published.ok, publicChannels, subscribers.subscribed);
      progress.phase(`waiting for ${expected} deliveries`);
      const collected = await drain(pool, expected, sizes.quietMs);
      const measured = meter.stop();
      progress.phase('closing');
      await closeAll(pool);

      const samples = sampler.samples;
      const warm = samples.find((sample) => sample.seconds * 1000 >= soak.warmupMs) ?? samples[0];
      const last = samples[samples.length - 1];
      const cycles = sum(churned.map((result) => result.cycles));
      const seconds = measured.wallSeconds;
      const latency = collected.latency.summary();
      const failedPublishes = sum(Object.values(published.failed));
      const lost = Math.max(0, expected - collected.received);
      return [
        {
          scenario: 'soak',
          target: target.spec.name,
          metrics: {
            connections: (samples[0]?.open ?? 0) + soak.churners,
            warmupSeconds: warm?.seconds ?? null,
            rssStartMiB: samples[0]?.rssMiB ?? null,
            rssWarmMiB: warm?.rssMiB ?? null,
            rssEndMiB: last?.rssMiB ?? null,
            rssGrowthPercent: growthPercent(warm?.rssMiB, last?.rssMiB),
            heapStartMiB: samples[0]?.heapUsedMiB ?? null,
            heapWarmMiB: warm?.heapUsedMiB ?? null,
            heapEndMiB: last?.heapUsedMiB ?? null,
            heapGrowthPercent: growthPercent(warm?.heapUsedMiB, last?.heapUsedMiB),
            publishes: published.ok,
            publishesPerSecond: per(published.ok, (published.lastAnswerUs - published.firstSentUs) / 1e6),
            deliveries: collected.received,
            expectedDeliveries: expected,
            lost,
            p50Ms: latency.p50Ms,
            p99Ms: latency.p99Ms,
            churnCycles: cycles,
            churnCyclesPerSecond: per(cycles, seconds),
            memberEvents: collected.memberEvents,
            memberEventsPerSecond: per(collected.memberEvents, seconds),
            ...loadMetrics(measured),
          },
          lost,
          errors:
            members.failed +
            subscribers.failed +
            sum(churned.map((result) => result.failed)) +
            failedPublishes +
            collected.pusherErrors +
            collected.unexpectedCloses,
          samples: [
            ...members.failures,
            ...subscribers.failures,
            ...churned.flatMap((result) => result.failures),
            ...published.failures,
            ...collected.samples,
          ].slice(0, 5),
          timeline: samples,
        },
      ];
    },
  };
}
