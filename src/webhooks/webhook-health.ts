/**
 * Each webhook endpoint's health as this process sees it, for the dashboard: the last attempt's
 * outcome and time, failures since the last success, totals. Every settled attempt is also
 * reported to the debug tap when a console watches the app. Memory is bounded by the endpoints
 * that have been tried (configured ones; a removed endpoint's entry goes with `forget`).
 */
import type { DebugTap } from '../core/debug-tap.js';
import type { WebhookBatch } from './batch.js';
import type { SendOutcome } from './webhook-sender.js';

export interface EndpointHealth {
  readonly appId: string;
  readonly url: string;
  /** The last attempt: 'ok', or the reason it failed. */
  readonly lastOutcome: string;
  readonly lastAttemptAt: number;
  /** Failed attempts since the last success. */
  readonly failuresInARow: number;
  readonly sentBatches: number;
  readonly failedAttempts: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Endpoints followed at most (beyond, the oldest entry is forgotten). */
const MAX_ENDPOINTS = 10_000;

export class WebhookHealth {
  readonly #endpoints = new Map<string, Mutable<EndpointHealth>>();
  readonly #tap: DebugTap | undefined;
  readonly #now: () => number;

  constructor(tap: DebugTap | undefined, now: () => number) {
    this.#tap = tap;
    this.#now = now;
  }

  /** After attempt number `attempt` (1 for the first) of `batch` ended with `outcome`. */
  attempted(batch: WebhookBatch, attempt: number, outcome: SendOutcome): void {
    const key = `${batch.appId}\n${batch.url}`;
    let health = this.#endpoints.get(key);
    if (health === undefined) {
      if (this.#endpoints.size >= MAX_ENDPOINTS) this.#endpoints.delete(this.#endpoints.keys().next().value ?? '');
      health = { appId: batch.appId, url: batch.url, lastOutcome: 'ok', lastAttemptAt: 0, failuresInARow: 0, sentBatches: 0, failedAttempts: 0 };
      this.#endpoints.set(key, health);
    }
    health.lastAttemptAt = this.#now();
    health.lastOutcome = outcome.ok ? 'ok' : outcome.reason;
    if (outcome.ok) {
      health.failuresInARow = 0;
      health.sentBatches += 1;
    } else {
      health.failuresInARow += 1;
      health.failedAttempts += 1;
    }
    const tap = this.#tap;
    if (tap === undefined || !tap.watches(batch.appId)) return;
    tap.emit(batch.appId, {
      kind: 'webhook',
      url: batch.url,
      ok: outcome.ok,
      attempt,
      events: batch.eventCount,
      reason: outcome.ok ? undefined : outcome.reason,
    });
  }

  /** Every endpoint tried so far, of one app or of all. */
  endpoints(appId?: string): EndpointHealth[] {
    const all = [...this.#endpoints.values()].map((health) => ({ ...health }));
    return appId === undefined ? all : all.filter((health) => health.appId === appId);
  }
}
