/**
 * ChannelCache: the last event published through the HTTP API on each cache channel
 * (`cache-`, `private-cache-`, `private-encrypted-cache-`, `presence-cache-`), with a TTL, shared by
 * every node so a subscriber anywhere gets it replayed (protocol §3.12).
 */
export interface CachedEvent {
  readonly event: string;
  readonly data: string;
  /** Milliseconds until it expires. */
  readonly ttlMs: number;
}

export interface ChannelCache {
  set(appId: string, channel: string, event: string, data: string, ttlMs: number): Promise<void>;
  get(appId: string, channel: string): Promise<CachedEvent | undefined>;
  /**
   * De-duplicates cache_miss webhooks: true for the first miss on an empty channel, false for
   * further misses within `windowMs` or until the channel's cache is set again.
   */
  claimMiss(appId: string, channel: string, windowMs: number): Promise<boolean>;
}
