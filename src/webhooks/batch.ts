/**
 * A webhook batch: the events of one app for one endpoint, encoded once into the exact request
 * body. The body is what gets signed and sent, on every attempt, by whichever process delivers it
 * (so it is plain JSON data, safe to keep in Redis; the app secret is not part of it).
 */
import type { WebhookEvent } from '../core/webhook-sink.js';

export interface WebhookBatch {
  readonly appId: string;
  /** The endpoint; with appId it finds the target (secret, headers) at send time. */
  readonly url: string;
  /** `{"time_ms":…,"events":[…]}`, exactly as sent. */
  readonly body: string;
  /** time_ms: when the batch was created; the retry period counts from it. */
  readonly createdAt: number;
  readonly eventCount: number;
}

export function createBatch(appId: string, url: string, events: readonly WebhookEvent[], now: number): WebhookBatch {
  return { appId, url, body: JSON.stringify({ time_ms: now, events }), createdAt: now, eventCount: events.length };
}

/** The events of a batch, for logging a dropped one. */
export function batchEvents(batch: WebhookBatch): unknown {
  try {
    return (JSON.parse(batch.body) as { events?: unknown }).events;
  } catch {
    return batch.body;
  }
}
