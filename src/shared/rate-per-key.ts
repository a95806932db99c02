/**
 * A token bucket per key (an app, a client address): `capacity` per `periodMs`, in bursts of up
 * to `capacity`. At most `maxKeys` buckets are kept, the least recently used forgotten first
 * (which only refills that one early), so a flood of distinct keys holds bounded memory.
 */
import { LRUCache } from 'lru-cache';
import { TokenBucket } from './token-bucket.js';

export class RatePerKey {
  readonly #buckets: LRUCache<string, TokenBucket>;
  readonly #capacity: number;
  readonly #periodMs: number;
  readonly #now: () => number;

  constructor(capacity: number, periodMs: number, maxKeys: number, now: () => number) {
    this.#capacity = capacity;
    this.#periodMs = periodMs;
    this.#now = now;
    this.#buckets = new LRUCache({ max: maxKeys });
  }

  /** Undefined when one more may go for `key` now (and counts it); else the whole seconds to wait, at least 1. */
  take(key: string): number | undefined {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#capacity, this.#periodMs, this.#now);
      this.#buckets.set(key, bucket);
    }
    if (bucket.take()) return undefined;
    return Math.max(1, Math.ceil(bucket.waitMs() / 1000));
  }

  /** Keys remembered. */
  get trackedKeys(): number {
    return this.#buckets.size;
  }
}
