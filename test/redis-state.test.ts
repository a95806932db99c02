/** The cluster-state contract suites against a real Redis. */
import { after } from 'node:test';
import { channelStateContract } from '../src/cluster/channel-state.contract.js';
import { clusterStateContract } from '../src/cluster/cluster-state.contract.js';
import { createRedisClusterState } from '../src/cluster/redis/redis-cluster-state.js';
import { silentLogger } from '../src/shared/logger.js';
import { deleteRedisPrefix, REDIS_URL, uniquePrefix } from './helpers/services.js';

const prefix = uniquePrefix('state');
after(() => deleteRedisPrefix(prefix));

const create = (nodeId = 'contract-node') =>
  createRedisClusterState({
    target: { kind: 'server', url: REDIS_URL },
    keyPrefix: prefix,
    nodeId,
    now: Date.now,
    nodeTtlMs: 10_000,
    logger: silentLogger,
  });

channelStateContract('redis', async () => {
  const state = await create();
  return { channels: state.channels, close: () => state.close() };
});
clusterStateContract('redis', create);
