/**
 * The cluster drivers: a typed factory map from the configured driver to its Broker and
 * ClusterState. An unknown or unavailable driver fails at boot.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import type { Broker, BrokerHandlers } from './broker.js';
import type { ClusterState } from './cluster-state.js';
import { MemoryBroker } from './memory-broker.js';
import { createMemoryClusterState } from './memory-cluster-state.js';
import { NatsBroker } from './nats/nats-broker.js';
import { createNatsClusterState } from './nats/nats-cluster-state.js';
import { RedisBroker } from './redis/redis-broker.js';
import { createRedisClusterState } from './redis/redis-cluster-state.js';
import { redisTargetOf } from '../config/redis-target.js';

export type ClusterDriver = 'memory' | 'redis' | 'nats';

export interface ClusterParts {
  readonly broker: Broker;
  readonly state: ClusterState;
}

export interface DriverContext {
  readonly config: Config;
  readonly nodeId: string;
  readonly handlers: BrokerHandlers;
  readonly now: () => number;
  readonly logger: Logger;
}

/** Cache records outlive this at least (seconds), so apps added later with the default TTL fit. */
const DEFAULT_CACHE_MAX_AGE_S = 1800;

/** NATS wins when both are set: Redis then only holds the webhook queue. */
export function clusterDriverOf(config: Config): ClusterDriver {
  if (config.nats.servers !== undefined) return 'nats';
  if (redisTargetOf(config) !== undefined) return 'redis';
  return 'memory';
}

const DRIVERS: Readonly<Record<ClusterDriver, (context: DriverContext) => Promise<ClusterParts>>> = {
  memory: ({ nodeId, handlers, now, logger }) =>
    Promise.resolve({ broker: MemoryBroker.alone({ nodeId, logger }, handlers), state: createMemoryClusterState(now) }),

  redis: async ({ config, nodeId, handlers, now, logger }) => {
    const target = redisTargetOf(config);
    if (target === undefined) throw new Error('the Redis driver needs redis.url or redis.sentinels');
    const state = await createRedisClusterState({
      target,
      keyPrefix: config.redis.keyPrefix,
      nodeId,
      now,
      nodeTtlMs: config.cluster.nodeTimeout * 1000,
      logger,
    });
    try {
      const broker = await RedisBroker.connect({ target, keyPrefix: config.redis.keyPrefix, nodeId, logger }, handlers);
      return { broker, state };
    } catch (error) {
      await state.close();
      throw error;
    }
  },

  nats: async ({ config, nodeId, handlers, now, logger }) => {
    const servers = config.nats.servers ?? [];
    const state = await createNatsClusterState({
      servers,
      prefix: config.nats.prefix,
      nodeId,
      now,
      nodeTtlMs: config.cluster.nodeTimeout * 1000,
      cacheMaxAgeMs: Math.max(DEFAULT_CACHE_MAX_AGE_S, ...config.apps.map((app) => app.cacheTtl)) * 1000,
      onError: (error, what) => logger.warn({ err: error }, `NATS: ${what} failed`),
    });
    try {
      const broker = await NatsBroker.connect({ servers, prefix: config.nats.prefix, nodeId, logger }, handlers);
      return { broker, state };
    } catch (error) {
      await state.close();
      throw error;
    }
  },
};

export type ClusterConnector = (context: DriverContext) => Promise<ClusterParts>;

export function connectCluster(context: DriverContext): Promise<ClusterParts> {
  return DRIVERS[clusterDriverOf(context.config)](context);
}
