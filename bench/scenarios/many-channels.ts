/**
 * Many channels: N connections, each subscribed to its own private channel (signed as an auth
 * endpoint would); targeted publishes through the HTTP API, each to one channel, round-robin, at
 * a paced rate. Measures the same as fan-out, with one recipient per publish.
 */
import type { Sizes } from '../options.js';
import type { RunningTarget } from '../servers/targets.js';
import { DELIVERY_COLUMNS, measureDelivery } from './delivery.js';
import { closeAll, openAll } from './fleet.js';
import type { ScenarioContext, ScenarioGroup, ScenarioRun } from './scenario.js';

const PREFIX = 'private-bench-';
const CONNECTIONS = 8;

export function manyChannelsGroup(sizes: Sizes): ScenarioGroup {
  const count = sizes.manyChannels;
  return {
    id: 'many-channels',
    scenarios: [
      {
        id: 'many-channels',
        title: `${count} connections, each on its own private channel, targeted publishes`,
        workload: {
          connections: count,
          channelsPerConnection: 1,
          publishesPerSecond: sizes.targetedRate,
          subscribersPerPublish: 1,
          payloadBytes: sizes.payloadBytes,
          transport: 'ws (raw client), publishes over HTTP keep-alive',
          durationSeconds: sizes.pacedMs / 1000,
          notes: 'each publish names one channel, round-robin over all of them',
        },
        columns: DELIVERY_COLUMNS,
      },
    ],
    kinds: ['baseline', 'switchboard', 'peer', 'external'],
    async run(context: ScenarioContext, target: RunningTarget): Promise<ScenarioRun[]> {
      context.progress.phase(`connecting ${count} sockets to private channels`);
      const opened = await openAll(context.pool, target.endpoint, count, { prefix: PREFIX, naming: 'per-connection' }, sizes.openConcurrency);
      const channels = Array.from({ length: count }, (_, index) => `${PREFIX}${index}`);
      const run = await measureDelivery(context, target, {
        scenario: 'many-channels',
        mode: 'paced',
        rate: sizes.targetedRate,
        durationMs: sizes.pacedMs,
        connections: CONNECTIONS,
        channels,
        recipients: 1,
        failedOpens: opened.failed,
        samples: opened.failures,
      });
      context.progress.phase('closing');
      await closeAll(context.pool);
      return [run];
    },
  };
}
