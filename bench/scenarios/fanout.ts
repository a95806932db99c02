/**
 * Fan-out: N subscribers on one public channel; events published through the HTTP API at a paced
 * rate, then at saturation (a few publish requests always in flight). Measures deliveries per
 * second, server CPU per million deliveries, end-to-end latency from the publish time carried in
 * the payload, and lost messages. Runs against the naive variant too: this is where one
 * `ws.send` per subscriber shows its cost.
 */
import type { Sizes } from '../options.js';
import type { RunningTarget } from '../servers/targets.js';
import { measureDelivery, DELIVERY_COLUMNS } from './delivery.js';
import { closeAll, openAll } from './fleet.js';
import type { ScenarioContext, ScenarioGroup, ScenarioInfo, ScenarioRun } from './scenario.js';

const CHANNEL = 'bench-fanout';
/** Paced publishing needs only a few connections: one request at a time each. */
const PACED_CONNECTIONS = 4;

function label(subscribers: number): string {
  return subscribers >= 1000 && subscribers % 1000 === 0 ? `${subscribers / 1000}k` : String(subscribers);
}

export function fanoutGroup(id: string, subscribers: (sizes: Sizes) => number, sizes: Sizes): ScenarioGroup {
  const count = subscribers(sizes);
  const rate = Math.max(1, Math.round(sizes.pacedDeliveriesPerSecond / count));
  const base = {
    connections: count,
    channelsPerConnection: 1,
    subscribersPerPublish: count,
    payloadBytes: sizes.payloadBytes,
    transport: 'ws (raw client), publishes over HTTP keep-alive',
  };
  const scenarios: ScenarioInfo[] = [
    {
      id: `${id}-paced`,
      title: `Fan-out to ${label(count)} subscribers, paced`,
      workload: { ...base, publishesPerSecond: rate, durationSeconds: sizes.pacedMs / 1000, notes: `${rate * count} deliveries/s offered` },
      columns: DELIVERY_COLUMNS,
    },
    {
      id: `${id}-saturation`,
      title: `Fan-out to ${label(count)} subscribers, saturation`,
      workload: {
        ...base,
        publishesPerSecond: 'max',
        durationSeconds: sizes.saturationMs / 1000,
        notes: `${sizes.saturationConcurrency} publish requests always in flight`,
      },
      columns: DELIVERY_COLUMNS,
    },
  ];
  return {
    id,
    scenarios,
    kinds: ['baseline', 'switchboard', 'naive', 'peer', 'external'],
    async run(context: ScenarioContext, target: RunningTarget): Promise<ScenarioRun[]> {
      context.progress.phase(`connecting ${count} subscribers`);
      const opened = await openAll(context.pool, target.endpoint, count, { prefix: CHANNEL, naming: 'shared' }, sizes.openConcurrency);
      const common = { channels: [CHANNEL], recipients: opened.opened, failedOpens: opened.failed, samples: opened.failures };
      const paced = await measureDelivery(context, target, {
        ...common,
        scenario: `${id}-paced`,
        mode: 'paced',
        rate,
        durationMs: sizes.pacedMs,
        connections: PACED_CONNECTIONS,
      });
      const saturation = await measureDelivery(context, target, {
        ...common,
        scenario: `${id}-saturation`,
        mode: 'closed',
        rate: 0,
        durationMs: sizes.saturationMs,
        connections: sizes.saturationConcurrency,
      });
      context.progress.phase('closing');
      await closeAll(context.pool);
      return [paced, saturation];
    },
  };
}
