/** SessionRegistry on Redis: one key per session holding its node, checked against heartbeats. */
import type { Redis } from 'ioredis';
import type { SessionClaim, SessionRegistry } from '../session-registry.js';
import type { RedisKeys } from './keys.js';
import { CLAIM_SESSION, FIND_SESSION, RELEASE_SESSION } from './scripts.js';

/**
 * A session's key outlives any live session (they end within seconds of their client leaving);
 * the TTL only bounds what a crashed node leaves behind.
 */
const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

export class RedisSessionRegistry implements SessionRegistry {
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #nodeId: string;

  constructor(redis: Redis, keys: RedisKeys, nodeId: string) {
    this.#redis = redis;
    this.#keys = keys;
    this.#nodeId = nodeId;
  }

  get #alivePrefix(): string {
    return `${this.#keys.prefix}node:`;
  }

  async claim(id: string): Promise<SessionClaim> {
    const owner = (await CLAIM_SESSION.run(this.#redis, [this.#keys.httpSession(id)], [
      this.#nodeId,
      SESSION_TTL_MS,
      this.#alivePrefix,
    ])) as string;
    return owner === this.#nodeId ? { owner: 'self' } : { owner: 'other', nodeId: owner };
  }

  async find(id: string): Promise<string | undefined> {
    const owner = (await FIND_SESSION.run(this.#redis, [this.#keys.httpSession(id)], [this.#alivePrefix])) as string | null;
    return owner ?? undefined;
  }

  async release(id: string): Promise<void> {
    await RELEASE_SESSION.run(this.#redis, [this.#keys.httpSession(id)], [this.#nodeId]);
  }
}
