/**
 * What both queues do after an attempt: count it, decide between done, retry (and when) and
 * drop, and log every drop with its events, so the two implementations cannot drift apart.
 */
import type { Logger } from '../core/logger.js';
import { batchEvents, type WebhookBatch } from './batch.js';
import type { WebhookCounterSet } from './metrics.js';
import { nextRetryDelay, type RetryPolicy } from './retry-policy.js';
import type { SendOutcome } from './webhook-sender.js';

export type DropReason = 'retry period over' | 'queue full' | 'endpoint gone' | 'shutdown' | 'queue unavailable' | 'queue failure';

/** `done`, `dropped`, or the milliseconds to wait before the next attempt. */
export type Verdict = 'done' | 'dropped' | number;

export class DeliveryOutcomes {
  readonly #counters: WebhookCounterSet;
  readonly #logger: Logger;
  readonly #policy: RetryPolicy;
  readonly #now: () => number;

  constructor(counters: WebhookCounterSet, logger: Logger, policy: RetryPolicy, now: () => number) {
    this.#counters = counters;
    this.#logger = logger;
    this.#policy = policy;
    this.#now = now;
  }

  /** After attempt number `attempts` (1 for the first) of `batch` ended with `outcome`. */
  settle(batch: WebhookBatch, attempts: number, outcome: SendOutcome): Verdict {
    if (outcome.ok) {
      this.#counters.sent(batch.eventCount);
      return 'done';
    }
    this.#counters.failedAttempt();
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

  drop(batch: WebhookBatch, reason: DropReason, lastError?: string, attempts?: number): void {
    this.#counters.dropped(batch.eventCount);
    this.#logger.error(
      { app: batch.appId, url: batch.url, reason, lastError, attempts, timeMs: batch.createdAt, events: batchEvents(batch) },
      `webhook dropped (${reason})`,
    );
  }
}
