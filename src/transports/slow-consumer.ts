/**
 * The slow-consumer rule of a WebSocket: it judges what a client fails to drain over time, not one
 * turn's burst. A client may have more than `maxBufferedBytes` outgoing bytes pending (queued or in
 * the socket's write buffer) for a while, as it does right after a burst of subscribes whose
 * replies (presence member lists) it asked for. It is too slow once its pending bytes have stayed
 * above the cap for `SLOW_CONSUMER_GRACE_MS`, or at once when they would go over
 * `SLOW_CONSUMER_CEILING` times the cap, so the memory a connection holds stays bounded whatever it
 * does. Judged whenever bytes are queued for the client or its socket drains; the clock is
 * injected so that tests need not wait. The description of websocket.maxBufferedBytes (config
 * schema) and docs/features.md state both constants: change them together.
 */

/** How long pending bytes may stay above the cap before the reader counts as too slow. */
export const SLOW_CONSUMER_GRACE_MS = 5_000;
/** The hard ceiling on pending bytes, as a multiple of the cap. */
export const SLOW_CONSUMER_CEILING = 4;

export class SlowConsumerRule {
  readonly #cap: number;
  readonly #now: () => number;
  /** When the pending bytes last went above the cap; undefined while they are at or below it. */
  #overSince: number | undefined;

  constructor(maxBufferedBytes: number, now: () => number) {
    this.#cap = maxBufferedBytes;
    this.#now = now;
  }

  /** Pending bytes above this are refused outright. */
  get ceiling(): number {
    return this.#cap * SLOW_CONSUMER_CEILING;
  }

  /** Notes how many bytes are pending now; true when the reader is too slow. */
  tooSlow(pendingBytes: number): boolean {
    if (pendingBytes <= this.#cap) {
      this.#overSince = undefined;
      return false;
    }
    if (pendingBytes > this.ceiling) return true;
    const now = this.#now();
    this.#overSince ??= now;
    return now - this.#overSince >= SLOW_CONSUMER_GRACE_MS;
  }
}
