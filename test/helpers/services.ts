/**
 * The real services the cluster tests run against (started by .ci/run when not running), and
 * per-run isolation on them: every test uses its own key prefix and removes its keys afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const NATS_SERVERS = (process.env['TEST_NATS_SERVERS'] ?? '127.0.0.1:4222').split(',');

/** A key prefix no other test run uses. */
export function uniquePrefix(label: string): string {
  return `sbtest:${label}:${randomUUID().slice(0, 8)}:`;
}

/** Deletes every key under the prefix. */
export async function deleteRedisPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
