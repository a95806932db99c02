/**
 * One measured publishing phase, shared by the fan-out and many-channel scenarios: publish through
 * the HTTP API, wait for every delivery, and turn the counts into metrics.
 */
import type { Endpoint, PublishRequest } from '../generator/protocol.js';
import type { RunningTarget } from '../servers/targets.js';
import { drain, loadMetrics, Meter, per, resetAll, serverPids } from './fleet.js';
import type { ScenarioContext, ScenarioRun } from './scenario.js';

export const DELIVERY_COLUMNS = [
  'deliveriesPerSecond',
  'cpuSecondsPerMillion',
  'writesPerDelivery',
  'p50Ms',
  'p99Ms',
  'maxMs',
  'lost',
  'generatorCores',
  'otherCores',
] as const;

export interface DeliveryPhase {
  readonly scenario: string;
  readonly mode: PublishRequest['mode'];
  readonly rate: number;
  readonly durationMs: number;
  readonly connections: number;
  readonly channels: readonly string[];
  /** Deliveries each successful publish must produce. */
  readonly recipients: number;
  /** Connections that failed to open or subscribe (counted as errors). */
  readonly failedOpens: number;
  readonly samples: readonly string[];
  /** The server processes whose CPU counts (default: the target's, serverPids). */
  readonly pids?: readonly number[];
}

export async function measureDelivery(context: ScenarioContext, target: RunningTarget, phase: DeliveryPhase): Promise<ScenarioRun> {
  const { pool, sizes, progress } = context;
  const publisher = pool.publishers[0];
  if (publisher === undefined) throw new Error('no publisher process');
  await resetAll(pool);
  progress.phase(phase.mode === 'paced' ? `publishing ${phase.rate}/s for ${phase.durationMs / 1000} s` : `publishing at saturation for ${phase.durationMs / 1000} s`);
  const meter = new Meter(phase.pids ?? serverPids(target), pool);
  const endpoint: Endpoint = target.endpoint;
  const published = await publisher.call({
    type: 'publish',
    endpoint,
    mode: phase.mode,
    rate: phase.rate,
    durationMs: phase.durationMs,
    connections: phase.connections,
    channels: phase.channels,
    payloadBytes: sizes.payloadBytes,
    timestamp: true,
  });
  const expected = published.ok * phase.recipients;
  progress.phase(`waiting for ${expected} deliveries`);
  const collected = await drain(pool, expected, sizes.quietMs);
  const measured = meter.stop();
  const failedPublishes = Object.values(published.failed).reduce((total, count) => total + count, 0);
  const deliverySeconds = (collected.lastReceivedUs - published.firstSentUs) / 1e6;
  const latency = collected.latency.summary();
  return {
    scenario: phase.scenario,
    target: target.spec.name,
    metrics: {
      publishes: published.ok,
      publishesPerSecond: per(published.ok, (published.lastAnswerUs - published.firstSentUs) / 1e6),
      deliveries: collected.received,
      deliveriesPerSecond: collected.received === 0 ? null : per(collected.received, deliverySeconds),
      cpuSecondsPerMillion: per(measured.serverCpuSeconds, collected.received, 1e6),
      writesPerDelivery: per(measured.serverWrites, collected.received),
      p50Ms: latency.p50Ms,
      p90Ms: latency.p90Ms,
      p99Ms: latency.p99Ms,
      maxMs: latency.maxMs,
      lost: Math.max(0, expected - collected.received),
      serverCpuSeconds: measured.serverCpuSeconds,
      ...loadMetrics(measured),
    },
    lost: Math.max(0, expected - collected.received),
    errors: phase.failedOpens + failedPublishes + collected.pusherErrors + collected.unexpectedCloses,
    samples: [...phase.samples, ...published.failures, ...collected.samples].slice(0, 5),
  };
}
