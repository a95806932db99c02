/**
 * Puts one session's `xhr_send` bodies back in the order the client made them (protocol §8.4).
 *
 * pusher-js sends each message in its own POST, several may be in flight at once on different
 * TCP connections, and every request of a page carries `n` from one page-wide counter. The
 * numbers a session sees therefore rise in client order, with gaps where the page made requests
 * for other sessions. A send is released when every number below it that the session has not
 * accounted for has arrived; a gap that never fills (another session's number) holds the sends
 * behind it for at most `windowMs`, after which they are released in `n` order. A send that
 * arrives after its slot was given up on, or without `n`, is released at once (arrival order).
 *
 * Bounded: at most `maxHeld` sends are held (more releases everything held, in order); the
 * numbers remembered while something is held are bounded by the same count.
 */
export class SendOrder<T> {
  readonly #windowMs: number;
  readonly #maxHeld: number;
  readonly #release: (item: T) => void;
  /** The lowest number not yet accounted for; undefined before the first numbered request. */
  #next: number | undefined;
  /** Numbers above `#next` seen while something is held (requests that were not sends). */
  readonly #seen = new Set<number>();
  readonly #held = new Map<number, T>();
  #timer: NodeJS.Timeout | undefined;

  constructor(windowMs: number, maxHeld: number, release: (item: T) => void) {
    this.#windowMs = windowMs;
    this.#maxHeld = maxHeld;
    this.#release = release;
  }

  /** Sends held back, waiting for an earlier number. */
  get held(): number {
    return this.#held.size;
  }

  /** Records the number of a session request that carries no message (a receive request). */
  see(n: number | undefined): void {
    if (n === undefined) return;
    if (this.#next === undefined || this.#held.size === 0) {
      this.#next = Math.max(this.#next ?? n + 1, n + 1);
      return;
    }
    if (n < this.#next) return;
    this.#seen.add(n);
    this.#advance();
  }

  /** Accepts a send numbered `n`: released now, or held until the numbers before it are in. */
  push(n: number | undefined, item: T): void {
    if (n === undefined || this.#windowMs === 0) {
      this.#release(item);
      return;
    }
    if (this.#next === undefined) this.#next = n;
    if (n < this.#next || this.#held.has(n)) {
      this.#release(item);
      return;
    }
    this.#held.set(n, item);
    if (this.#held.size + this.#seen.size > this.#maxHeld) {
      this.#releaseAll();
      return;
    }
    this.#advance();
  }

  /** Drops whatever is held (the session is gone) and releases the timer. */
  clear(): void {
    this.#held.clear();
    this.#seen.clear();
    this.#stopTimer();
  }

  #advance(): void {
    let next = this.#next as number;
    for (;;) {
      const item = this.#held.get(next);
      if (item !== undefined) {
        this.#held.delete(next);
        this.#release(item);
      } else if (!this.#seen.delete(next)) {
        break;
      }
      next += 1;
    }
    this.#next = next;
    if (this.#held.size === 0) {
      // Nothing waits on a gap any more: forget the numbers seen beyond it.
      for (const n of this.#seen) if (n >= next) this.#next = Math.max(this.#next, n + 1);
      this.#seen.clear();
      this.#stopTimer();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#releaseAll();
      }, this.#windowMs);
      this.#timer.unref();
    }
  }

  /** Gives up on the gaps: releases everything held in `n` order. */
  #releaseAll(): void {
    const numbers = [...this.#held.keys()].sort((a, b) => a - b);
    const last = numbers[numbers.length - 1];
    if (last !== undefined) this.#next = Math.max(this.#next ?? last + 1, last + 1);
    for (const n of numbers) {
      const item = this.#held.get(n) as T;
      this.#held.delete(n);
      this.#release(item);
    }
    this.#advance();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
