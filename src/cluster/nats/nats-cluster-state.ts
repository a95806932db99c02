/**
 * ClusterState on NATS JetStream KV, shared by every node using the same prefix, so a NATS
 * deployment needs no Redis. Three buckets (file storage, one value per key):
 *
 * - `<prefix>-state`: `c.<app>.<channel>` channel records (channel-record.ts), `k.<app>`
 *   connection counts, `u.<app>.<user>` signed-in sockets (count-record.ts), `o.<owner>.<entry>`
 *   ownership keys (owned-entries.ts), `p.<app>.<channel>` pending-transition hints
 *   (nats-channel-state.ts), `n.<owner>` node registrations (nats-membership.ts), `h.<session>`
 *   HTTP fallback session holders (nats-session-registry.ts);
 * - `<prefix>-alive`: heartbeats, expiring after the node timeout;
 * - `<prefix>-cache`: cache channels (nats-cache.ts), expiring after the longest cache TTL.
 *
 * Every key part that is not fixed is encoded as one token (nats-names.ts). Counts are kept per
 * node, so a record's size depends on the nodes and presence members, not on the subscribers.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { CLUSTER_CALL_TIMEOUT_MS } from '../unavailable.js';
import type { ClusterState } from '../cluster-state.js';
import type { NodeMembership } from '../ownership.js';
import type { SessionRegistry } from '../session-registry.js';
import { formatChannelRecord, parseChannelRecord } from './channel-record.js';
import { countCodec } from './count-record.js';
import { KvStore, type BucketSettings } from './kv-store.js';
import { cacheCodec, NatsCache } from './nats-cache.js';
import { NatsChannelState } from './nats-channel-state.js';
import { NatsConnections, NatsUsers } from './nats-counters.js';
import { NatsLink } from './nats-link.js';
import { NatsMembership } from './nats-membership.js';
import { NatsNames } from './nats-names.js';
import { NatsSessionRegistry } from './nats-session-registry.js';
import { OwnedEntries } from './owned-entries.js';
import { RecordTransactions } from './record-transactions.js';

export interface NatsStateOptions {
  readonly servers: readonly string[];
  readonly prefix: string;
  readonly nodeId: string;
  readonly now: () => number;
  /** A node whose heartbeat is older than this is dead (the alive bucket's max age). */
  readonly nodeTtlMs: number;
  /** At least the longest cache TTL in use (the cache bucket's max age). */
  readonly cacheMaxAgeMs: number;
  readonly onError: (error: unknown, what: string) => void;
}

/** The state's buckets, created when missing (the settings apply to new buckets only). */
async function openBuckets(link: NatsLink, names: NatsNames, options: NatsStateOptions) {
  // Every KV call is a JetStream request: bounded like a Redis command (JetStream's default is 5 s).
  const jsm = await jetstreamManager(link.connection, { timeout: CLUSTER_CALL_TIMEOUT_MS });
  const open = (bucket: string, settings: BucketSettings) => KvStore.open(link, jsm, bucket, { storage: 'file', ...settings });
  return {
    state: await open(names.stateBucket, {}),
    alive: await open(names.aliveBucket, { ttl: options.nodeTtlMs }),
    cache: await open(names.cacheBucket, { ttl: options.cacheMaxAgeMs }),
  };
}

/**
 * The max ages that must hold whatever the first node to create the buckets was configured with:
 * the cache keeps the longest TTL in use; the node timeout is the bucket's, shared by every node
 * (a node configured otherwise says so and follows the bucket).
 */
async function settleMaxAges(buckets: Awaited<ReturnType<typeof openBuckets>>, options: NatsStateOptions): Promise<number> {
  const cacheAge = await buckets.cache.maxAgeMs();
  if (cacheAge !== 0 && cacheAge < options.cacheMaxAgeMs) await buckets.cache.setMaxAgeMs(options.cacheMaxAgeMs);
  const aliveAge = await buckets.alive.maxAgeMs();
  if (aliveAge === 0) {
    await buckets.alive.setMaxAgeMs(options.nodeTtlMs);
    return options.nodeTtlMs;
  }
  if (aliveAge !== options.nodeTtlMs) {
    options.onError(
      new Error(`the heartbeat bucket expires nodes after ${aliveAge} ms, not ${options.nodeTtlMs} ms as configured; using ${aliveAge} ms`),
      'applying cluster.nodeTimeout',
    );
  }
  return aliveAge;
}

export async function createNatsClusterState(
  options: NatsStateOptions,
): Promise<ClusterState & { membership: NodeMembership; sessions: SessionRegistry }> {
  const link = await NatsLink.connect({ servers: options.servers, name: `switchboard-state-${options.nodeId}` });
  const names = new NatsNames(options.prefix);
  try {
    const buckets = await openBuckets(link, names, options);
    const ttlMs = await settleMaxAges(buckets, options);
    const owned = new OwnedEntries(buckets.state, names, options.nodeId, options.onError);
    const sessions = new NatsSessionRegistry(buckets.state, buckets.alive, names, owned, options.nodeId);
    const membership = new NatsMembership({
      nodeId: options.nodeId,
      state: buckets.state,
      alive: buckets.alive,
      names,
      owned,
      link,
      ttlMs,
      ensureBuckets: async () => {
        await openBuckets(link, names, options);
      },
      onOrphanCleared: (incarnation) => sessions.forgetOwner(incarnation),
      onStartedAfresh: (previous) => sessions.renewOwner(previous),
      onError: options.onError,
    });
    await membership.start();
    const { state, cache } = buckets;
    let closed: Promise<void> | undefined;
    return {
      channels: new NatsChannelState({
        store: state,
        records: new RecordTransactions(state, { parse: parseChannelRecord, format: formatChannelRecord }, options.onError),
        owned,
        names,
        now: options.now,
        onError: options.onError,
      }),
      connections: new NatsConnections(new RecordTransactions(state, countCodec, options.onError), owned, names),
      users: new NatsUsers(new RecordTransactions(state, countCodec, options.onError), owned, names),
      cache: new NatsCache(cache, new RecordTransactions(cache, cacheCodec, options.onError), names, options.now),
      shared: true,
      membership,
      sessions,
      close: () =>
        (closed ??= (async () => {
          try {
            await membership.stop();
          } catch (error) {
            options.onError(error, 'deregistering the node');
          }
          await link.close();
        })()),
    };
  } catch (error) {
    await link.close();
    throw error;
  }
}
