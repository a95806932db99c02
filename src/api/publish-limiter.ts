/**
 * Per-app HTTP API publish rate (`apiEventsPerSecond`), counted in messages: one event to three
 * channels is three. A request that does not fit is refused whole (nothing is published), with
 * the seconds to wait. The limit is per node.
 */
import type { App } from '../apps/app-store.js';
import { TokenBucket } from '../shared/token-bucket.js';

export type LimitDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

/** Shared by every allowed request: the common answer allocates nothing. */
const ALLOWED: LimitDecision = { ok: true };

export class PublishLimiter {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  take(app: App, messages: number): LimitDecision {
    const rate = app.apiEventsPerSecond;
    if (rate === undefined) return ALLOWED;
    let bucket = this.#buckets.get(app.id);
    if (bucket === undefined) {
      bucket = new TokenBucket(rate, 1000, this.#now);
      this.#buckets.set(app.id, bucket);
    }
    if (bucket.take(messages)) return ALLOWED;
    const waitMs = bucket.waitMs(messages);
    // A request larger than a whole second's allowance never fits; tell the caller to split it.
    return { ok: false, retryAfterSeconds: Number.isFinite(waitMs) ? Math.max(1, Math.ceil(waitMs / 1000)) : 1 };
  }
}
