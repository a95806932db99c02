/**
 * Publishes per second per app (`push.publishesPerSecond`), per node: over it, 429 with
 * Retry-After, as Beams answers.
 */
import { TokenBucket } from '../shared/token-bucket.js';

export class PublishRate {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #perSecond: number;
  readonly #now: () => number;

  constructor(perSecond: number, now: () => number) {
    this.#perSecond = perSecond;
    this.#now = now;
  }

  /** Undefined when the publish may go; else the seconds to wait. */
  take(appId: string): number | undefined {
    let bucket = this.#buckets.get(appId);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#perSecond, 1000, this.#now);
      this.#buckets.set(appId, bucket);
    }
    if (bucket.take()) return undefined;
    return Math.max(1, Math.ceil(bucket.waitMs() / 1000));
  }
}
