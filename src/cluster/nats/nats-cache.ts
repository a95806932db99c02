/**
 * ChannelCache on JetStream KV: one record per cache channel in its own bucket, holding the last
 * event with its expiry time and the cache_miss marker. JetStream 2.9 has no per-message TTL, so
 * expiry is a time inside the value (on this node's clock), and the bucket's max age, at least the
 * longest cache TTL, removes records nobody rewrote. Setting the event replaces the record, which
 * clears the miss marker in the same write.
 */
import type { CachedEvent, ChannelCache } from '../channel-cache.js';
import type { KvStore } from './kv-store.js';
import type { NatsNames } from './nats-names.js';
import type { Outcome, RecordCodec, RecordTransactions } from './record-transactions.js';
import { z } from 'zod';
import { parseStored } from '../stored-json.js';

const cacheRecord = z.object({
  event: z.object({ name: z.string(), data: z.string(), expiresAt: z.number() }).optional(),
  missUntil: z.number().optional(),
});

export type CacheRecord = z.output<typeof cacheRecord>;

export const cacheCodec: RecordCodec<CacheRecord> = {
  parse(text) {
    return parseStored(text, cacheRecord);
  },
  format: (record) => JSON.stringify(record),
};

export class NatsCache implements ChannelCache {
  constructor(
    private readonly store: KvStore,
    private readonly records: RecordTransactions<CacheRecord>,
    private readonly names: NatsNames,
    private readonly now: () => number,
  ) {}

  async set(appId: string, channel: string, event: string, data: string, ttlMs: number): Promise<void> {
    const record: CacheRecord = { event: { name: event, data, expiresAt: this.now() + ttlMs } };
    await this.store.put(this.names.cache(appId, channel), cacheCodec.format(record));
  }

  async get(appId: string, channel: string): Promise<CachedEvent | undefined> {
    const event = (await this.records.read(this.names.cache(appId, channel)))?.event;
    const ttlMs = event === undefined ? 0 : event.expiresAt - this.now();
    return event === undefined || ttlMs <= 0 ? undefined : { event: event.name, data: event.data, ttlMs };
  }

  claimMiss(appId: string, channel: string, windowMs: number): Promise<boolean> {
    const now = this.now();
    return this.records.transact(this.names.cache(appId, channel), (record): Outcome<CacheRecord, boolean> => {
      if (record?.missUntil !== undefined && record.missUntil > now) return { value: record, result: false };
      return { value: { ...record, missUntil: now + windowMs }, result: true };
    });
  }
}
