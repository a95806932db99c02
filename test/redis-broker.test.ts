/** The Broker contract on a real Redis: each bus is its own key prefix. */
import { brokerContract } from '../src/cluster/broker.contract.js';
import { RedisBroker } from '../src/cluster/redis/redis-broker.js';
import { silentLogger } from '../src/shared/logger.js';
import { REDIS_URL, uniquePrefix } from './helpers/services.js';

brokerContract('redis', () => {
  const keyPrefix = uniquePrefix('broker');
  return Promise.resolve({
    connect: (nodeId, handlers) => RedisBroker.connect({ target: { kind: 'server', url: REDIS_URL }, keyPrefix, nodeId, logger: silentLogger }, handlers),
    close: () => Promise.resolve(),
  });
});
