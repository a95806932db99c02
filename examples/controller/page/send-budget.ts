/**
 * A token bucket kept by the phone, below the app's client event limit (100 per second per
 * connection here, a bucket on the server too): `rate` sends per second on average and up to
 * `burst` at once, so moves that arrive bunched together still go out at once.
 */
export class SendBudget {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #at = performance.now();

  constructor(rate: number, burst: number) {
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
  }

  #refill(): void {
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) * this.#rate) / 1000);
    this.#at = now;
  }

  /** Takes a send if one is available now. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until `take` can succeed. */
  wait(): number {
    this.#refill();
    return Math.max(0, ((1 - this.#tokens) * 1000) / this.#rate);
  }
}
