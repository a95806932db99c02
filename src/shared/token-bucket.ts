/**
 * A token bucket: `capacity` tokens, refilled continuously at `capacity` per `periodMs`. With
 * capacity 10 per second, 10 back-to-back events pass and the 11th is refused.
 */
export class TokenBucket {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(capacity: number, periodMs: number, now: () => number = Date.now) {
    this.#capacity = capacity;
    this.#refillPerMs = capacity / periodMs;
    this.#now = now;
    this.#tokens = capacity;
    this.#updatedAt = now();
  }

  /** Takes `count` tokens at once, or none; false when there are not enough. */
  take(count = 1): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updatedAt) * this.#refillPerMs);
    this.#updatedAt = now;
    if (this.#tokens < count) return false;
    this.#tokens -= count;
    return true;
  }

  /** Milliseconds until `count` tokens are available (0 when they are; Infinity over capacity). */
  waitMs(count = 1): number {
    if (count > this.#capacity) return Number.POSITIVE_INFINITY;
    const missing = count - this.#tokens - (this.#now() - this.#updatedAt) * this.#refillPerMs;
    return missing <= 0 ? 0 : Math.ceil(missing / this.#refillPerMs);
  }
}
