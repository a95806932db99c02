/**
 * idle-100k (opt-in: only when named in --scenarios): 100,000 subscribed WebSockets held idle by
 * several generator processes over many 127.0.0.x source addresses, against Switchboard run as
 * `switchboard start --workers N` on the machine's Redis (a process may hold at most 20,000 open
 * files here, so one process cannot hold them: 6 workers at least). All subscribe to one public
 * channel; then a paced fan-out to all of them. Memory is the resident set of every server
 * process (primary and workers) less the same before connecting, without a forced collection
 * (the workers are not processes the benchmark can ask). Switchboard only: the baseline and the
 * peers are single processes.
 */
import type { Sizes } from '../options.js';
import type { RunningTarget } from '../servers/targets.js';
import { processRssBytes } from '../stats/proc.js';
import { measureDelivery, DELIVERY_COLUMNS } from './delivery.js';
import { closeAll, collect, openAll, per, serverPids, sum } from './fleet.js';
import type { ScenarioContext, ScenarioGroup, ScenarioRun } from './scenario.js';

const CHANNEL = 'bench-idle-huge';
const PACED_CONNECTIONS = 4;

function label(count: number): string {
  return count >= 1000 && count % 1000 === 0 ? `${count / 1000}k` : String(count);
}

/** RSS of every server process after a pause (and a collection where the server takes one). */
async function residentTotal(target: RunningTarget, settleMs: number): Promise<{ bytes: number | null; processes: number }> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  await target.gc();
  const readings = serverPids(target).map(processRssBytes);
  const known = readings.filter((value): value is number => value !== undefined);
  return { bytes: known.length === 0 ? null : sum(known), processes: known.length };
}

export function idleHugeGroup(sizes: Sizes): ScenarioGroup {
  const count = sizes.idleHuge;
  const id = 'idle-100k';
  const rate = Math.max(1, Math.round(sizes.pacedDeliveriesPerSecond / count));
  const workload = {
    connections: count,
    channelsPerConnection: 1,
    subscribersPerPublish: count,
    payloadBytes: sizes.payloadBytes,
    transport: `ws (raw client); switchboard start --workers ${sizes.idleHugeWorkers} on Redis`,
  };
  return {
    id,
    optIn: true,
    kinds: ['switchboard'],
    workers: { driver: 'redis', count: sizes.idleHugeWorkers },
    scenarios: [
      {
        id,
        title: `${label(count)} idle subscribed sockets on ${sizes.idleHugeWorkers} workers`,
        workload: { ...workload, publishesPerSecond: null, durationSeconds: null, notes: 'one shared public channel; RSS of all server processes, less before connecting' },
        columns: ['connections', 'bytesPerSocket', 'rssMiB', 'processes'],
      },
      {
        id: `${id}-fanout`,
        title: `Fan-out to ${label(count)} subscribers on ${sizes.idleHugeWorkers} workers, paced`,
        workload: { ...workload, publishesPerSecond: rate, durationSeconds: sizes.pacedMs / 1000, notes: `${rate * count} deliveries/s offered` },
        columns: DELIVERY_COLUMNS,
      },
    ],
    async run(context: ScenarioContext, target: RunningTarget): Promise<ScenarioRun[]> {
      const { pool, progress } = context;
      progress.phase('reading memory before connecting');
      const before = await residentTotal(target, sizes.settleMs);
      progress.phase(`connecting ${count} subscribed sockets`);
      const opened = await openAll(pool, target.endpoint, count, { prefix: CHANNEL, naming: 'shared' }, sizes.openConcurrency);
      progress.phase(`reading memory at ${opened.opened} sockets`);
      const after = await residentTotal(target, Math.max(sizes.settleMs, 5_000));
      const held = await collect(pool, false);
      const grown = after.bytes === null || before.bytes === null ? null : after.bytes - before.bytes;
      const memory: ScenarioRun = {
        scenario: id,
        target: target.spec.name,
        metrics: {
          connections: held.open,
          rssMiB: after.bytes === null ? null : after.bytes / 1_048_576,
          bytesPerSocket: per(grown, held.open),
          processes: after.processes,
          connectSeconds: opened.elapsedMs / 1000,
        },
        lost: 0,
        errors: opened.failed + held.pusherErrors + held.unexpectedCloses,
        samples: [...opened.failures, ...held.samples].slice(0, 5),
      };
      const fanout = await measureDelivery(context, target, {
        scenario: `${id}-fanout`,
        mode: 'paced',
        rate,
        durationMs: sizes.pacedMs,
        connections: PACED_CONNECTIONS,
        channels: [CHANNEL],
        recipients: opened.opened,
        failedOpens: 0,
        samples: [],
      });
      progress.phase('closing');
      await closeAll(pool);
      return [memory, fanout];
    },
  };
}
