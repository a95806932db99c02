/**
 * Sends one Beams webhook request as Beams does: `POST {url}` with `Content-Type:
 * application/json`, `User-Agent: pusher-webhooks`, `Webhook-Event-Type`, `Webhook-ID-UUID` (the
 * endpoint: a UUID derived from the app and URL, stable across restarts), `Webhook-Request-ID-UUID`
 * (the event id, the same on every retry) and `Webhook-Signature`, the hex HMAC-SHA1 of the exact
 * body bytes. Beams keys it with a secret set per webhook in its dashboard; Switchboard keys it
 * with the instance's secret key (the app secret), looked up at send time. Success is a 2xx answer
 * within the timeout (Beams: 3 s).
 */
import { createHash, createHmac } from 'node:crypto';
import type { AppStore } from '../apps/app-store.js';
import { describeFetchError, type SendBatch } from '../webhooks/webhook-sender.js';

export function beamsSignature(secret: string, body: Buffer | string): string {
  return createHmac('sha1', secret).update(body).digest('hex');
}

/** A UUID-shaped id of an app's endpoint, the same on every node. */
export function webhookIdOf(appId: string, url: string): string {
  const hex = createHash('sha256').update(`${appId}\n${url}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

interface BodyMetadata {
  readonly event_type: string;
  readonly event_id: string;
}

function metadataOf(body: string): BodyMetadata {
  const parsed = JSON.parse(body) as { metadata?: Partial<BodyMetadata> };
  return { event_type: parsed.metadata?.event_type ?? '', event_id: parsed.metadata?.event_id ?? '' };
}

export function pushWebhookSender(apps: AppStore, timeoutMs: number): SendBatch {
  return async (batch, signal) => {
    let app;
    try {
      app = await apps.findById(batch.appId);
    } catch (error) {
      return { ok: false, retry: true, reason: `app lookup failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (app === undefined) return { ok: false, retry: false, reason: `app ${batch.appId} no longer configured` };
    const target = app.pushWebhooks.find((entry) => entry.url === batch.url);
    if (target === undefined) return { ok: false, retry: false, reason: `push webhook endpoint no longer configured for app ${app.id}` };
    const body = Buffer.from(batch.body, 'utf8');
    const metadata = metadataOf(batch.body);
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'user-agent': 'pusher-webhooks',
          'content-type': 'application/json',
          'webhook-event-type': metadata.event_type,
          'webhook-id-uuid': webhookIdOf(app.id, target.url),
          'webhook-request-id-uuid': metadata.event_id,
          'webhook-signature': beamsSignature(app.secret, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true };
      return { ok: false, retry: true, reason: `HTTP ${response.status}` };
    } catch (error) {
      const reason = signal.aborted ? 'cut off by shutdown' : error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeFetchError(error);
      return { ok: false, retry: true, reason };
    }
  };
}
