/**
 * HTTP API: signed `POST /apps/{id}/events` over keep-alive connections, closed-loop (each
 * connection sends its next request when the previous is answered), to a channel with one
 * subscriber that counts what arrives. Measures requests per second, server CPU per request and
 * request latency.
 */
import type { Sizes } from '../options.js';
import type { PublishResult } from '../generator/protocol.js';
import type { RunningTarget } from '../servers/targets.js';
import { Histogram } from '../stats/histogram.js';
import { closeAll, drain, loadMetrics, Meter, openAll, per, resetAll, sum } from './fleet.js';
import type { ScenarioContext, ScenarioGroup, ScenarioRun } from './scenario.js';

const CHANNEL = 'bench-http';

export function httpApiGroup(sizes: Sizes): ScenarioGroup {
  return {
    id: 'http-api',
    scenarios: [
      {
        id: 'http-api',
        title: 'HTTP API: signed triggers over keep-alive',
        workload: {
          connections: 1,
          channelsPerConnection: 1,
          publishesPerSecond: 'max',
          subscribersPerPublish: 1,
          payloadBytes: sizes.payloadBytes,
          transport: `HTTP/1.1 keep-alive, ${sizes.httpConnections} connections per publisher process, one request at a time each`,
          durationSeconds: sizes.httpMs / 1000,
          notes: 'each request signed as the pusher SDK signs it (the constant body is signed once a second)',
        },
        columns: ['requestsPerSecond', 'cpuMicrosPerRequest', 'p50Ms', 'p99Ms', 'lost', 'generatorCores', 'otherCores'],
      },
    ],
    kinds: ['baseline', 'switchboard', 'peer', 'external'],
    async run(context: ScenarioContext, target: RunningTarget): Promise<ScenarioRun[]> {
      const { pool, progress } = context;
      progress.phase('connecting the subscriber');
      const opened = await openAll(pool, target.endpoint, 1, { prefix: CHANNEL, naming: 'shared' }, 1);
      await resetAll(pool);
      progress.phase(`publishing for ${sizes.httpMs / 1000} s`);
      const meter = new Meter(target.pid, pool);
      const results: PublishResult[] = await Promise.all(
        pool.publishers.map((publisher) =>
          publisher.call({
            type: 'publish',
            endpoint: target.endpoint,
            mode: 'closed',
            rate: 0,
            durationMs: sizes.httpMs,
            connections: sizes.httpConnections,
            channels: [CHANNEL],
            payloadBytes: sizes.payloadBytes,
            timestamp: false,
          }),
        ),
      );
      const ok = sum(results.map((result) => result.ok));
      progress.phase(`waiting for ${ok} deliveries`);
      const collected = await drain(pool, ok * opened.opened, sizes.quietMs);
      const measured = meter.stop();
      const latency = new Histogram();
      for (const result of results) latency.merge(result.latency);
      const summary = latency.summary();
      const seconds = (Math.max(...results.map((result) => result.lastAnswerUs)) - Math.min(...results.map((result) => result.firstSentUs))) / 1e6;
      const failed = sum(results.flatMap((result) => Object.values(result.failed)));
      const lost = Math.max(0, ok * opened.opened - collected.received);
      progress.phase('closing');
      await closeAll(pool);
      return [
        {
          scenario: 'http-api',
          target: target.spec.name,
          metrics: {
            requests: ok,
            requestsPerSecond: per(ok, seconds),
            cpuMicrosPerRequest: per(measured.serverCpuSeconds, ok, 1e6),
            p50Ms: summary.p50Ms,
            p99Ms: summary.p99Ms,
            maxMs: summary.maxMs,
            lost,
            ...loadMetrics(measured),
          },
          lost,
          errors: opened.failed + failed + collected.pusherErrors + collected.unexpectedCloses,
          samples: [...opened.failures, ...results.flatMap((result) => result.failures), ...collected.samples].slice(0, 5),
        },
      ];
    },
  };
}
