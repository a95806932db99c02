/**
 * Push delivery totals of this process, monotonic, read at scrape time (see push-metrics.ts):
 * publishes accepted, and every attempt to a push service by outcome.
 */
export const SEND_OUTCOMES = ['delivered', 'retried', 'failed', 'expired', 'removed'] as const;
export type SendOutcomeLabel = (typeof SEND_OUTCOMES)[number];

export class PushCounters {
  publishes = 0;
  readonly outcomes: Record<SendOutcomeLabel, number> = { delivered: 0, retried: 0, failed: 0, expired: 0, removed: 0 };

  count(outcome: SendOutcomeLabel, by = 1): void {
    this.outcomes[outcome] += by;
  }
}
