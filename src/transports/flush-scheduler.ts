/**
 * Coalesces writes: a transport with queued frames registers once, and all of them are flushed
 * together in one `setImmediate` after the current I/O phase, so a socket that receives many
 * frames in one event-loop turn is written once.
 */
export interface Flushable {
  flush(): void;
}

export class FlushScheduler {
  #pending: Flushable[] = [];
  #scheduled = false;

  /** The caller guarantees one registration per turn (it keeps its own "scheduled" flag). */
  schedule(item: Flushable): void {
    this.#pending.push(item);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#run);
    }
  }

  readonly #run = (): void => {
    const items = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
    for (const item of items) item.flush();
  };
}
