/**
 * Idle memory: resident memory per connected, subscribed socket. Each socket subscribes to its own
 * public channel (as per-user channels do), then nothing happens. Read after a full garbage
 * collection in the server, before connecting and again at each size, so garbage from the
 * handshakes does not count; kernel socket buffers are not part of a process's RSS.
 */
import type { Sizes } from '../options.js';
import type { RunningTarget } from '../servers/targets.js';
import { processRssBytes } from '../stats/proc.js';
import { closeAll, collect, openAll, per } from './fleet.js';
import type { ScenarioContext, ScenarioGroup, ScenarioRun } from './scenario.js';

const PREFIX = 'idle-';

function label(count: number): string {
  return count >= 1000 && count % 1000 === 0 ? `${count / 1000}k` : String(count);
}

async function residentAfterGc(target: RunningTarget, settleMs: number): Promise<number | null> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  await target.gc();
  return target.pid === undefined ? null : (processRssBytes(target.pid) ?? null);
}

export function idleMemoryGroup(sizes: Sizes): ScenarioGroup {
  const steps = [sizes.idleSmall, Math.max(sizes.idleSmall, sizes.idleLarge)];
  const id = (count: number): string => `idle-memory-${label(count)}`;
  return {
    id: 'idle-memory',
    scenarios: steps.map((count) => ({
      id: id(count),
      title: `Idle memory at ${label(count)} subscribed sockets`,
      workload: {
        connections: count,
        channelsPerConnection: 1,
        publishesPerSecond: null,
        subscribersPerPublish: null,
        payloadBytes: null,
        transport: 'ws (raw client)',
        durationSeconds: null,
        notes: 'each socket on its own public channel; RSS after a full GC, less the RSS before connecting (marginal: since the previous size)',
      },
      columns: ['bytesPerSocket', 'marginalBytesPerSocket', 'rssMiB'],
    })),
    kinds: ['baseline', 'switchboard', 'peer', 'external'],
    async run(context: ScenarioContext, target: RunningTarget): Promise<ScenarioRun[]> {
      const { pool, progress } = context;
      progress.phase('reading memory before connecting');
      const before = await residentAfterGc(target, context.sizes.settleMs);
      const runs: ScenarioRun[] = [];
      let connected = 0;
      let previous = { rss: before, open: 0 };
      let failed = 0;
      const samples: string[] = [];
      for (const count of steps) {
        progress.phase(`connecting up to ${count} subscribed sockets`);
        const opened = await openAll(pool, target.endpoint, count - connected, { prefix: PREFIX, naming: 'per-connection' }, sizes.openConcurrency, connected);
        connected += opened.opened;
        failed += opened.failed;
        samples.push(...opened.failures);
        progress.phase(`reading memory at ${connected} sockets`);
        const after = await residentAfterGc(target, context.sizes.settleMs);
        const collected = await collect(pool, false);
        const grown = after === null || before === null ? null : after - before;
        const added = after === null || previous.rss === null ? null : after - previous.rss;
        const marginal = per(added, collected.open - previous.open);
        previous = { rss: after, open: collected.open };
        runs.push({
          scenario: id(count),
          target: target.spec.name,
          metrics: {
            connections: collected.open,
            rssMiB: after === null ? null : after / 1_048_576,
            bytesPerSocket: per(grown, collected.open),
            marginalBytesPerSocket: marginal,
          },
          lost: 0,
          errors: failed + collected.pusherErrors + collected.unexpectedCloses,
          samples: [...samples, ...collected.samples].slice(0, 5),
        });
      }
      progress.phase('closing');
      await closeAll(pool);
      return runs;
    },
  };
}
