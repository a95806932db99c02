/**
 * Device registrations per client address (`push.registrationsPerMinute`), per node: the device
 * API is public (a page registers its browser without any secret), so this is what bounds how
 * fast one client can add rows to the device table. A bucket per address holds a minute's worth
 * and refills over the minute; over it, 429 with Retry-After. At most `maxTrackedAddresses`
 * buckets are kept, the least recently used forgotten first (which only refills one early).
 * Unlimited (and nothing tracked) when no rate is set.
 */
import { LRUCache } from 'lru-cache';
import { TokenBucket } from '../shared/token-bucket.js';

const MINUTE_MS = 60_000;

export class RegistrationRate {
  readonly #buckets: LRUCache<string, TokenBucket>;
  readonly #perMinute: number | undefined;
  readonly #now: () => number;

  constructor(perMinute: number | undefined, maxTrackedAddresses: number, now: () => number) {
    this.#perMinute = perMinute;
    this.#now = now;
    this.#buckets = new LRUCache({ max: maxTrackedAddresses });
  }

  /** Undefined when `address` may register a device now; else the seconds to wait. */
  take(address: string): number | undefined {
    if (this.#perMinute === undefined) return undefined;
    let bucket = this.#buckets.get(address);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#perMinute, MINUTE_MS, this.#now);
      this.#buckets.set(address, bucket);
    }
    if (bucket.take()) return undefined;
    return Math.max(1, Math.ceil(bucket.waitMs() / 1000));
  }

  /** Addresses remembered. */
  get trackedAddresses(): number {
    return this.#buckets.size;
  }
}
