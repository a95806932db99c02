/**
 * Fan-out across two nodes on a bus (the machine's Redis or NATS): half the subscribers on each
 * node, one shared public channel, every publish sent to the first node, so each event reaches the
 * second node's subscribers through the bus. Paced, then at saturation, as fanout-1k. Reports the
 * CPU per delivery of both nodes together and of each node for the deliveries it made (a node's
 * deliveries are its subscribers times the successful publishes: exact when nothing is lost).
 * The bus server's own CPU is part of "other load". Switchboard and peers only: the baseline has
 * no bus.
 */
import type { Sizes } from '../options.js';
import type { RunningTarget } from '../servers/targets.js';
import { measureDelivery, DELIVERY_COLUMNS } from './delivery.js';
import { closeAll, openAll, per, serverPids, totalCpuSeconds, type Opened } from './fleet.js';
import type { ScenarioContext, ScenarioGroup, ScenarioInfo, ScenarioRun } from './scenario.js';

const CHANNEL = 'bench-fanout-cluster';
const PACED_CONNECTIONS = 4;
const NODES = 2;

const COLUMNS = [...DELIVERY_COLUMNS.slice(0, 2), 'cpuPublishingNodePerMillion', 'cpuOtherNodePerMillion', ...DELIVERY_COLUMNS.slice(2)];

function nodeAt(nodes: readonly RunningTarget[], index: number): RunningTarget {
  const node = nodes[index];
  if (node === undefined) throw new Error(`node ${index + 1} of ${NODES} did not start`);
  return node;
}

export function fanoutClusterGroup(driver: 'redis' | 'nats', sizes: Sizes): ScenarioGroup {
  const id = `fanout-2node-${driver}`;
  const count = sizes.fanoutCluster;
  const rate = Math.max(1, Math.round(sizes.pacedDeliveriesPerSecond / count));
  const base = {
    connections: count,
    channelsPerConnection: 1,
    subscribersPerPublish: count,
    payloadBytes: sizes.payloadBytes,
    transport: `ws (raw client), publishes over HTTP keep-alive to node 1; nodes on ${driver === 'redis' ? 'Redis' : 'NATS'}`,
  };
  const scenarios: ScenarioInfo[] = [
    {
      id: `${id}-paced`,
      title: `Fan-out to ${count} subscribers on 2 nodes (${driver}), paced`,
      workload: { ...base, publishesPerSecond: rate, durationSeconds: sizes.pacedMs / 1000, notes: `${rate * count} deliveries/s offered, half on each node` },
      columns: COLUMNS,
    },
    {
      id: `${id}-saturation`,
      title: `Fan-out to ${count} subscribers on 2 nodes (${driver}), saturation`,
      workload: { ...base, publishesPerSecond: 'max', durationSeconds: sizes.saturationMs / 1000, notes: `${sizes.saturationConcurrency} publish requests always in flight` },
      columns: COLUMNS,
    },
  ];
  return {
    id,
    scenarios,
    kinds: ['switchboard', 'peer'],
    cluster: { driver, nodes: NODES },
    async run(context: ScenarioContext, target: RunningTarget): Promise<ScenarioRun[]> {
      const nodes = [nodeAt(context.nodes, 0), nodeAt(context.nodes, 1)];
      context.progress.phase(`connecting ${count} subscribers over ${NODES} nodes`);
      const half = Math.ceil(count / NODES);
      const spec = { prefix: CHANNEL, naming: 'shared' } as const;
      const opened: Opened[] = [
        await openAll(context.pool, nodeAt(nodes, 0).endpoint, half, spec, sizes.openConcurrency, 0),
        await openAll(context.pool, nodeAt(nodes, 1).endpoint, count - half, spec, sizes.openConcurrency, half),
      ];
      const pids = nodes.flatMap(serverPids);
      const common = {
        channels: [CHANNEL],
        recipients: opened.reduce((total, entry) => total + entry.opened, 0),
        failedOpens: opened.reduce((total, entry) => total + entry.failed, 0),
        samples: opened.flatMap((entry) => entry.failures).slice(0, 5),
        pids,
      };
      const phase = async (scenario: string, mode: 'paced' | 'closed', phaseRate: number, durationMs: number, connections: number): Promise<ScenarioRun> => {
        const before = nodes.map((node) => totalCpuSeconds(serverPids(node)));
        const run = await measureDelivery(context, target, { ...common, scenario, mode, rate: phaseRate, durationMs, connections });
        const after = nodes.map((node) => totalCpuSeconds(serverPids(node)));
        const publishes = run.metrics['publishes'] ?? 0;
        const perNode = nodes.map((_, index) => {
          const start = before[index];
          const end = after[index];
          const cpu = start === undefined || end === undefined ? null : end - start;
          return per(cpu, publishes * (opened[index]?.opened ?? 0), 1e6);
        });
        return { ...run, metrics: { ...run.metrics, cpuPublishingNodePerMillion: perNode[0] ?? null, cpuOtherNodePerMillion: perNode[1] ?? null } };
      };
      const paced = await phase(`${id}-paced`, 'paced', rate, sizes.pacedMs, PACED_CONNECTIONS);
      const saturation = await phase(`${id}-saturation`, 'closed', 0, sizes.saturationMs, sizes.saturationConcurrency);
      context.progress.phase('closing');
      await closeAll(context.pool);
      return [paced, saturation];
    },
  };
}
