/** The cluster-state contract suites against a real NATS server with JetStream. */
import { after } from 'node:test';
import { channelStateContract } from '../src/cluster/channel-state.contract.js';
import { clusterStateContract } from '../src/cluster/cluster-state.contract.js';
import { createNatsClusterState } from '../src/cluster/nats/nats-cluster-state.js';
import { deleteNatsPrefix, uniqueNatsPrefix } from './helpers/nats.js';
import { NATS_SERVERS } from './helpers/services.js';

const prefix = uniqueNatsPrefix('state');
after(() => deleteNatsPrefix(prefix));

const create = (nodeId = 'contract-node') =>
  createNatsClusterState({
    servers: NATS_SERVERS,
    prefix,
    nodeId,
    now: Date.now,
    nodeTtlMs: 10_000,
    cacheMaxAgeMs: 60_000,
    onError: (error) => {
      throw error;
    },
  });

channelStateContract('nats', async () => {
  const state = await create();
  return { channels: state.channels, close: () => state.close() };
});
clusterStateContract('nats', create);
