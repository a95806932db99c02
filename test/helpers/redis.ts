/**
 * The Redis the tests share with other developers' runs (127.0.0.1:6379): every test gets its own
 * key prefix and deletes its keys afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A prefix no other run uses, ending in ':' like the default `switchboard:`. */
export function uniqueRedisPrefix(): string {
  return `sbtest:${process.pid}:${randomUUID()}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** Number of members of a sorted set (e.g. a BullMQ delayed set). */
export async function sortedSetSize(key: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    return await redis.zcard(key);
  } finally {
    redis.disconnect();
  }
}
