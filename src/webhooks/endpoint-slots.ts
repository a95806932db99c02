/**
 * Requests in flight per endpoint URL, capped: both delivery queues take a slot before a request
 * and give it back after, so one slow or dead endpoint holds at most `maxPerEndpoint` of them.
 */
export class EndpointSlots {
  readonly #maxPerEndpoint: number;
  readonly #inFlight = new Map<string, number>();

  constructor(maxPerEndpoint: number) {
    this.#maxPerEndpoint = maxPerEndpoint;
  }

  /** Takes a slot for `url`; false (nothing taken) when its share is in flight already. */
  take(url: string): boolean {
    const inFlight = this.#inFlight.get(url) ?? 0;
    if (inFlight >= this.#maxPerEndpoint) return false;
    this.#inFlight.set(url, inFlight + 1);
    return true;
  }

  /** Gives back a slot taken for `url`. */
  release(url: string): void {
    const left = (this.#inFlight.get(url) ?? 1) - 1;
    if (left === 0) this.#inFlight.delete(url);
    else this.#inFlight.set(url, left);
  }
}
