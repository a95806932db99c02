/**
 * Redis connections as Switchboard uses them. Commands fail fast while the server is unreachable
 * (no offline queue: nothing buffers without bound during an outage) and the client reconnects on
 * its own with a capped backoff; `connectRedis` rejects if the first connection fails.
 */
import { Redis } from 'ioredis';
import { describeTarget, redisOptions, type RedisTarget } from './redis-target.js';

export interface RedisSettings {
  readonly target: RedisTarget;
  /** Label for logs and CLIENT LIST. */
  readonly name: string;
}

const MAX_RECONNECT_DELAY_MS = 2_000;

export async function connectRedis(settings: RedisSettings): Promise<Redis> {
  const options = redisOptions(settings.target, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectionName: settings.name,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
  });
  // ioredis types `replyMapping` differently in RedisOptions and in its constructor; Switchboard
  // never sets it, so it is left out rather than cast.
  const { replyMapping, ...rest } = options;
  const redis = new Redis(rest);
  // Errors are reported by the commands that fail; an 'error' event must still be listened to.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis (${describeTarget(settings.target)}): ${(error as Error).message}`, { cause: error });
  }
  return redis;
}
