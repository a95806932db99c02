/**
 * What both queues do after an attempt: count it, decide between done, retry (and when) and
 * drop, and log every drop with its events, so the two implementations cannot drift apart.
 *
 * It also follows each endpoint's health as this process sees it: the first failed attempt after
 * a success (or at start) logs "webhook endpoint down" (warn), the first success after failures
 * logs "webhook endpoint up" (info); one line per transition, not per attempt. Only endpoints that
 * are down are remembered, so memory is bounded by the configured endpoints.
 */
import type { Logger } from '../shared/logger.js';
import { batchEvents, type WebhookBatch } from './batch.js';
import type { WebhookCounterSet } from './metrics.js';
import { nextRetryDelay, type RetryPolicy } from './retry-policy.js';
import type { SendOutcome } from './webhook-sender.js';
import type { WebhookHealth } from './webhook-health.js';

export type DropReason = 'retry period over' | 'queue full' | 'endpoint gone' | 'shutdown' | 'queue unavailable' | 'queue failure';

/** `done`, `dropped`, or the milliseconds to wait before the next attempt. */
export type Verdict = 'done' | 'dropped' | number;

interface EndpointDown {
  readonly sinceMs: number;
  failedAttempts: number;
}

export class DeliveryOutcomes {
  readonly #counters: WebhookCounterSet;
  /** Endpoints whose last attempt failed, by app and URL. */
  readonly #down = new Map<string, EndpointDown>();
  readonly #logger: Logger;
  readonly #policy: RetryPolicy;
  readonly #now: () => number;
  readonly #health: WebhookHealth | undefined;

  constructor(counters: WebhookCounterSet, logger: Logger, policy: RetryPolicy, now: () => number, health?: WebhookHealth) {
    this.#health = health;
    this.#counters = counters;
    this.#logger = logger;
    this.#policy = policy;
    this.#now = now;
  }

  /** After attempt number `attempts` (1 for the first) of `batch` ended with `outcome`. */
  settle(batch: WebhookBatch, attempts: number, outcome: SendOutcome): Verdict {
    this.#health?.attempted(batch, attempts, outcome);
    if (outcome.ok) {
      this.#counters.sent(batch.eventCount);
      this.#endpointAnswered(batch);
      return 'done';
    }
    this.#counters.failedAttempt();
    // Not retried: the app or endpoint is no longer configured, which says nothing of its health.
    if (outcome.retry) this.#endpointFailed(batch, outcome.reason);
    if (!outcome.retry) {
      this.drop(batch, 'endpoint gone', outcome.reason);
      return 'dropped';
    }
    const delay = nextRetryDelay(this.#policy, attempts, batch.createdAt, this.#now());
    if (delay === undefined) {
      this.drop(batch, 'retry period over', outcome.reason, attempts);
      return 'dropped';
    }
    this.#counters.retried();
    this.#logger.debug({ app: batch.appId, url: batch.url, attempts, retryInMs: delay, reason: outcome.reason }, 'webhook attempt failed');
    return delay;
  }

  #endpointFailed(batch: WebhookBatch, reason: string): void {
    const key = `${batch.appId}\n${batch.url}`;
    const down = this.#down.get(key);
    if (down !== undefined) {
      down.failedAttempts += 1;
      return;
    }
    this.#down.set(key, { sinceMs: this.#now(), failedAttempts: 1 });
    this.#logger.warn({ app: batch.appId, url: batch.url, reason }, 'webhook endpoint down');
  }

  #endpointAnswered(batch: WebhookBatch): void {
    if (this.#down.size === 0) return;
    const key = `${batch.appId}\n${batch.url}`;
    const down = this.#down.get(key);
    if (down === undefined) return;
    this.#down.delete(key);
    this.#logger.info(
      { app: batch.appId, url: batch.url, downMs: this.#now() - down.sinceMs, failedAttempts: down.failedAttempts },
      'webhook endpoint up',
    );
  }

  drop(batch: WebhookBatch, reason: DropReason, lastError?: string, attempts?: number): void {
    this.#counters.dropped(batch.eventCount);
    this.#logger.error(
      { app: batch.appId, url: batch.url, reason, lastError, attempts, timeMs: batch.createdAt, events: batchEvents(batch) },
      `webhook dropped (${reason})`,
    );
  }
}
