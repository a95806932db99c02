/**
 * Connection storm: N clients connect as fast as the generator can ask (a bounded number of
 * handshakes in flight per process), each until pusher:connection_established. Measures
 * connections established per second and server CPU per connection.
 */
import type { Sizes } from '../options.js';
import type { RunningTarget } from '../servers/targets.js';
import { closeAll, collect, loadMetrics, Meter, openAll, per } from './fleet.js';
import type { ScenarioContext, ScenarioGroup, ScenarioRun } from './scenario.js';

export function connectionStormGroup(sizes: Sizes): ScenarioGroup {
  return {
    id: 'connection-storm',
    scenarios: [
      {
        id: 'connection-storm',
        title: `Connection storm: ${sizes.storm} connections`,
        workload: {
          connections: sizes.storm,
          channelsPerConnection: 0,
          publishesPerSecond: null,
          subscribersPerPublish: null,
          payloadBytes: null,
          transport: 'ws (raw client)',
          durationSeconds: null,
          notes: `${sizes.stormConcurrency} handshakes in flight per generator process, until connection_established`,
        },
        columns: ['connectionsPerSecond', 'cpuMicrosPerConnection', 'handshakeP50Ms', 'handshakeP99Ms', 'generatorCores', 'otherCores'],
      },
    ],
    kinds: ['baseline', 'switchboard', 'peer', 'external'],
    async run(context: ScenarioContext, target: RunningTarget): Promise<ScenarioRun[]> {
      const { pool, progress } = context;
      progress.phase(`opening ${sizes.storm} connections`);
      const meter = new Meter(target.pid, pool);
      const opened = await openAll(pool, target.endpoint, sizes.storm, undefined, sizes.stormConcurrency);
      const measured = meter.stop();
      const collected = await collect(pool, false);
      const handshake = opened.handshake.summary();
      progress.phase('closing');
      await closeAll(pool);
      return [
        {
          scenario: 'connection-storm',
          target: target.spec.name,
          metrics: {
            connections: opened.opened,
            connectionsPerSecond: per(opened.opened, opened.elapsedMs / 1000),
            cpuMicrosPerConnection: per(measured.serverCpuSeconds, opened.opened, 1e6),
            handshakeP50Ms: handshake.p50Ms,
            handshakeP99Ms: handshake.p99Ms,
            ...loadMetrics(measured),
          },
          lost: 0,
          errors: opened.failed + collected.pusherErrors + collected.unexpectedCloses,
          samples: [...opened.failures, ...collected.samples].slice(0, 5),
        },
      ];
    },
  };
}
