/**
 * Delivery counters of this process, ready for a metrics endpoint: monotonic totals only, read
 * through `snapshot()`. A batch is one webhook request body (one app, one endpoint).
 */
export interface WebhookCounters {
  /** Batches an endpoint acknowledged with 2xx within the timeout. */
  readonly sent: number;
  /** Events in those batches. */
  readonly sentEvents: number;
  /** Attempts that got no 2xx in time (error status, timeout, connection failure). */
  readonly failedAttempts: number;
  /** Failed attempts that were scheduled to be tried again. */
  readonly retried: number;
  /** Batches given up (retry period over, queue full, endpoint no longer configured, shutdown). */
  readonly dropped: number;
  /** Events in those batches. */
  readonly droppedEvents: number;
}

export interface WebhookMetrics {
  snapshot(): WebhookCounters;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class WebhookCounterSet implements WebhookMetrics {
  readonly #counters: Mutable<WebhookCounters> = { sent: 0, sentEvents: 0, failedAttempts: 0, retried: 0, dropped: 0, droppedEvents: 0 };

  sent(events: number): void {
    this.#counters.sent += 1;
    this.#counters.sentEvents += events;
  }

  failedAttempt(): void {
    this.#counters.failedAttempts += 1;
  }

  retried(): void {
    this.#counters.retried += 1;
  }

  dropped(events: number): void {
    this.#counters.dropped += 1;
    this.#counters.droppedEvents += events;
  }

  snapshot(): WebhookCounters {
    return { ...this.#counters };
  }
}
