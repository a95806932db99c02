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
  const body = `{"time_ms":${JSON.stringify(now)},"events":[${events.map(encodeEvent).join(',')}]}`;
  return { appId, url, body, createdAt: now, eventCount: events.length };
}

/**
 * One event object. A client event's data is spliced in as the client sent it (never
 * re-serialized: see protocol/raw-json.ts), after the other fields.
 */
function encodeEvent(event: WebhookEvent): string {
  if (event.name !== 'client_event') return JSON.stringify(event);
  const { data, ...fields } = event;
  const text = JSON.stringify(fields);
  return data === undefined ? text : `${text.slice(0, -1)},"data":${data.text}}`;
}

/** The events of a batch, for logging a dropped one. */
export function batchEvents(batch: WebhookBatch): unknown {
  try {
    return (JSON.parse(batch.body) as { events?: unknown }).events;
  } catch {
    return batch.body;
  }
}
