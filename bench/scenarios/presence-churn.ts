/**
 * Presence churn: stable members sit on a few presence channels while churners, closed-loop,
 * connect, join one of the channels (signed channel_data), wait for subscription_succeeded, and
 * disconnect, then start again. Measures completed cycles (one connect plus one disconnect each)
 * per second, server CPU per cycle, join time, and the member_added / member_removed events the
 * stable members receive. The baseline keeps no presence state and sends no member events, so the
 * ratio is the price of presence.
 */
import type { Sizes } from '../options.js';
import type { ChurnResult } from '../generator/protocol.js';
import type { RunningTarget } from '../servers/targets.js';
import { Histogram } from '../stats/histogram.js';
import { closeAll, collect, loadMetrics, localAddresses, Meter, openAll, per, resetAll, sum } from './fleet.js';
import type { ScenarioContext, ScenarioGroup, ScenarioRun } from './scenario.js';

const PREFIX = 'presence-bench-';

export function presenceChurnGroup(sizes: Sizes): ScenarioGroup {
  const stable = sizes.presenceChannels * sizes.presenceMembers;
  const channels = Array.from({ length: sizes.presenceChannels }, (_, index) => `${PREFIX}${index}`);
  return {
    id: 'presence-churn',
    scenarios: [
      {
        id: 'presence-churn',
        title: 'Presence churn: connect, join, leave, closed-loop',
        workload: {
          connections: stable,
          channelsPerConnection: 1,
          publishesPerSecond: null,
          subscribersPerPublish: sizes.presenceMembers,
          payloadBytes: null,
          transport: 'ws (raw client)',
          durationSeconds: sizes.churnMs / 1000,
          notes: `${sizes.presenceChannels} presence channels x ${sizes.presenceMembers} stable members; ${sizes.churnConcurrency} churn loops per generator process`,
        },
        columns: ['cyclesPerSecond', 'cpuMsPerCycle', 'joinP50Ms', 'joinP99Ms', 'memberEventsPerSecond', 'generatorCores', 'otherCores'],
      },
    ],
    kinds: ['baseline', 'switchboard', 'peer', 'external'],
    async run(context: ScenarioContext, target: RunningTarget): Promise<ScenarioRun[]> {
      const { pool, progress } = context;
      progress.phase(`joining ${stable} stable members`);
      const opened = await openAll(pool, target.endpoint, stable, { prefix: PREFIX, naming: 'modulo', modulo: sizes.presenceChannels }, sizes.openConcurrency);
      await resetAll(pool);
      progress.phase(`churning for ${sizes.churnMs / 1000} s`);
      const meter = new Meter(target.pid, pool);
      const results: ChurnResult[] = await Promise.all(
        pool.subscribers.map((worker, index) =>
          worker.call({
            type: 'churn',
            endpoint: target.endpoint,
            durationMs: sizes.churnMs,
            concurrency: sizes.churnConcurrency,
            localAddresses: localAddresses(target.endpoint, index),
            channels,
            userPrefix: `churn-${index}-`,
          }),
        ),
      );
      const measured = meter.stop();
      const collected = await collect(pool, false);
      const join = new Histogram();
      for (const result of results) join.merge(result.join);
      const cycles = sum(results.map((result) => result.cycles));
      const failed = sum(results.map((result) => result.failed));
      const seconds = Math.max(...results.map((result) => result.elapsedMs)) / 1000;
      const joinSummary = join.summary();
      progress.phase('closing');
      await closeAll(pool);
      return [
        {
          scenario: 'presence-churn',
          target: target.spec.name,
          metrics: {
            cycles,
            cyclesPerSecond: per(cycles, seconds),
            cpuMsPerCycle: per(measured.serverCpuSeconds, cycles, 1000),
            joinP50Ms: joinSummary.p50Ms,
            joinP99Ms: joinSummary.p99Ms,
            memberEvents: collected.memberEvents,
            memberEventsPerSecond: per(collected.memberEvents, seconds),
            ...loadMetrics(measured),
          },
          lost: 0,
          errors: opened.failed + failed + collected.pusherErrors + collected.unexpectedCloses,
          samples: [...opened.failures, ...results.flatMap((result) => result.failures), ...collected.samples].slice(0, 5),
        },
      ];
    },
  };
}
