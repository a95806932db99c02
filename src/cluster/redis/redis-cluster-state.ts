/**
 * ClusterState on Redis: shared by every node using the same key prefix. Each node heartbeats;
 * what a node adds is recorded as owned by it, so when its heartbeat expires a surviving node
 * claims its entries and removes them through the normal operations (see ownership.ts).
 */
import type { Redis } from 'ioredis';
import { FailureLog } from '../../shared/failure-log.js';
import type { Logger } from '../../shared/logger.js';
import type { CachedEvent, ChannelCache } from '../channel-cache.js';
import type { ClusterState } from '../cluster-state.js';
import type { ConnectionState } from '../connection-state.js';
import { decodeOwned, encodeOwned, type NodeMembership, type OwnedEntry } from '../ownership.js';
import type { SessionRegistry } from '../session-registry.js';
import type { UserState } from '../user-state.js';
import { RedisKeys } from './keys.js';
import { connectRedis, MAX_RECONNECT_DELAY_MS } from './redis-client.js';
import type { RedisTarget } from '../../config/redis-target.js';
import { RedisChannelState } from './redis-channel-state.js';
import { RedisSessionRegistry } from './redis-session-registry.js';
import {
  ADD_CONNECTION,
  ADD_USER,
  CLAIM_ORPHANS,
  GET_CACHE,
  HEARTBEAT,
  LIVE_NODES,
  REMOVE_CONNECTION,
  REMOVE_USER,
  SET_CACHE,
} from './scripts.js';
import { z } from 'zod';
import { parseStored } from '../stored-json.js';

const cachedEvent = z.object({ event: z.string(), data: z.string() });

export interface RedisStateOptions {
  readonly target: RedisTarget;
  readonly keyPrefix: string;
  readonly nodeId: string;
  readonly now: () => number;
  /** A node whose heartbeat is older than this is dead. */
  readonly nodeTtlMs: number;
  readonly logger: Logger;
}

class RedisConnections implements ConnectionState {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly nodeId: string,
  ) {}

  async add(appId: string, socketId: string, maxConnections: number | undefined): Promise<boolean> {
    const result = await ADD_CONNECTION.run(
      this.redis,
      [this.keys.connections(appId), this.keys.owned(this.nodeId)],
      [socketId, maxConnections ?? '', encodeOwned({ kind: 'connection', appId, socketId })],
    );
    return result === 1;
  }

  async remove(appId: string, socketId: string): Promise<void> {
    await REMOVE_CONNECTION.run(
      this.redis,
      [this.keys.connections(appId), this.keys.owned(this.nodeId)],
      [socketId, encodeOwned({ kind: 'connection', appId, socketId })],
    );
  }

  count(appId: string): Promise<number> {
    return this.redis.scard(this.keys.connections(appId));
  }
}

class RedisUsers implements UserState {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly nodeId: string,
  ) {}

  async add(appId: string, userId: string, socketId: string): Promise<boolean> {
    const result = await ADD_USER.run(
      this.redis,
      [this.keys.user(appId, userId), this.keys.owned(this.nodeId)],
      [socketId, encodeOwned({ kind: 'user', appId, userId, socketId })],
    );
    return result === 1;
  }

  async remove(appId: string, userId: string, socketId: string): Promise<boolean> {
    const result = await REMOVE_USER.run(
      this.redis,
      [this.keys.user(appId, userId), this.keys.owned(this.nodeId)],
      [socketId, encodeOwned({ kind: 'user', appId, userId, socketId })],
    );
    return result === 1;
  }

  async online(appId: string, userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) pipeline.exists(this.keys.user(appId, userId));
    const replies = (await pipeline.exec()) ?? [];
    return userIds.filter((_, index) => replies[index]?.[1] === 1);
  }
}

class RedisCache implements ChannelCache {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async set(appId: string, channel: string, event: string, data: string, ttlMs: number): Promise<void> {
    await SET_CACHE.run(this.redis, [this.keys.cache(appId, channel), this.keys.cacheMiss(appId, channel)], [
      JSON.stringify({ event, data }),
      ttlMs,
    ]);
  }

  async get(appId: string, channel: string): Promise<CachedEvent | undefined> {
    const result = (await GET_CACHE.run(this.redis, [this.keys.cache(appId, channel)], [])) as [string?, number?];
    const [json, ttlMs] = result;
    if (json === undefined || ttlMs === undefined || ttlMs <= 0) return undefined;
    const stored = parseStored(json, cachedEvent);
    return stored === undefined ? undefined : { event: stored.event, data: stored.data, ttlMs };
  }

  async claimMiss(appId: string, channel: string, windowMs: number): Promise<boolean> {
    const reply = await this.redis.set(this.keys.cacheMiss(appId, channel), '1', 'PX', windowMs, 'NX');
    return reply === 'OK';
  }
}

class RedisMembership implements NodeMembership {
  readonly nodeId: string;
  readonly #redis: Redis;
  readonly #keys: RedisKeys;
  readonly #ttlMs: number;
  readonly #failures: FailureLog;
  readonly #listeners: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  /** When the connection was last re-established (performance.now()); never, before a reconnect. */
  #reconnectedAt = Number.NEGATIVE_INFINITY;

  constructor(redis: Redis, keys: RedisKeys, options: RedisStateOptions) {
    this.nodeId = options.nodeId;
    this.#redis = redis;
    this.#keys = keys;
    this.#ttlMs = options.nodeTtlMs;
    this.#failures = new FailureLog(options.logger, 'Redis heartbeat');
    // Registered after the first connection, so only reconnections count.
    redis.on('ready', () => (this.#reconnectedAt = performance.now()));
  }

  /** Registers this node and keeps its heartbeat fresh (several beats per TTL). */
  async start(): Promise<void> {
    await HEARTBEAT.run(this.#redis, [this.#keys.alive(this.nodeId), this.#keys.nodes], [this.nodeId, this.#ttlMs]);
    this.#timer = setInterval(() => {
      this.#beating ??= this.#beat().finally(() => (this.#beating = undefined));
    }, Math.max(100, Math.floor(this.#ttlMs / 4)));
    this.#timer.unref();
  }

  async #beat(): Promise<void> {
    try {
      const lapsed = await HEARTBEAT.run(this.#redis, [this.#keys.alive(this.nodeId), this.#keys.nodes], [
        this.nodeId,
        this.#ttlMs,
      ]);
      this.#failures.succeeded();
      if (lapsed === 1) for (const listener of this.#listeners) listener();
    } catch (error) {
      this.#failures.failed(error);
    }
  }

  onLost(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /**
   * For one node timeout after the others can have reconnected too, claims nobody: after an
   * outage longer than the timeout (a Redis that keeps its data) every heartbeat has expired, and
   * the other nodes need a beat to show they live, or their live members would be removed and
   * restored. A live node reconnects up to one reconnection delay after this one.
   */
  async claimOrphans(): Promise<readonly OwnedEntry[]> {
    if (performance.now() - this.#reconnectedAt < this.#ttlMs + MAX_RECONNECT_DELAY_MS) return [];
    const flat = (await CLAIM_ORPHANS.run(this.#redis, [this.#keys.nodes], [this.#keys.prefix, this.nodeId])) as (
      | string
      | string[]
    )[];
    const entries: OwnedEntry[] = [];
    for (let index = 1; index < flat.length; index += 2) {
      for (const text of flat[index] as string[]) {
        const entry = decodeOwned(text);
        if (entry !== undefined) entries.push(entry);
      }
    }
    return entries;
  }

  /** Registered nodes whose heartbeat key has not expired (a stopped node deletes its own). */
  async liveNodes(): Promise<readonly string[]> {
    return (await LIVE_NODES.run(this.#redis, [this.#keys.nodes], [this.#keys.prefix])) as string[];
  }

  /** The owned set, as the scripts keep it: every change of an entry and its ownership is atomic. */
  async ownEntries(): Promise<readonly OwnedEntry[]> {
    const texts = await this.#redis.smembers(this.#keys.owned(this.nodeId));
    return texts.flatMap((text) => decodeOwned(text) ?? []);
  }

  /** Nothing to let go: removing an entry is idempotent here, so the node never starts afresh. */
  reconciled(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Stops heartbeating and marks the node gone at once. A drained node owns nothing any more;
   * whatever a failed removal left behind is claimed by the other nodes like a dead node's.
   */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#beating;
    await this.#redis.del(this.#keys.alive(this.nodeId));
  }
}

export async function createRedisClusterState(
  options: RedisStateOptions,
): Promise<ClusterState & { membership: NodeMembership; sessions: SessionRegistry }> {
  const redis = await connectRedis({ target: options.target, name: `switchboard-state-${options.nodeId}` });
  const keys = new RedisKeys(options.keyPrefix);
  const membership = new RedisMembership(redis, keys, options);
  await membership.start();
  let closed: Promise<void> | undefined;
  return {
    channels: new RedisChannelState(redis, keys, options.nodeId, options.now),
    connections: new RedisConnections(redis, keys, options.nodeId),
    users: new RedisUsers(redis, keys, options.nodeId),
    cache: new RedisCache(redis, keys),
    shared: true,
    membership,
    sessions: new RedisSessionRegistry(redis, keys, options.nodeId),
    close: () =>
      (closed ??= (async () => {
        try {
          await membership.stop();
        } catch (error) {
          options.logger.warn({ err: error }, 'could not deregister the node from Redis; the others will time it out');
        }
        redis.disconnect();
      })()),
  };
}
