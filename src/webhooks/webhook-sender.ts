/**
 * Sends one batch as Pusher does (protocol §7): `POST {url}` with `Content-Type: application/json`
 * exactly (no charset: the `pusher` SDK compares it with ===), `X-Pusher-Key`, and
 * `X-Pusher-Signature`, the hex HMAC-SHA256 of the exact body bytes with the app secret. The app
 * and endpoint are looked up at send time, so a batch kept in Redis carries no secret and follows
 * a changed secret or headers after a restart. Success is a 2xx answer within the timeout.
 *
 * Uses the fetch built into Node (undici): pooled keep-alive connections, and one AbortSignal that
 * bounds the whole exchange, headers and body alike.
 */
import type { AppStore } from '../apps/app-store.js';
import { hmacSha256Hex } from '../protocol/signatures.js';
import { VERSION } from '../shared/version.js';
import type { WebhookBatch } from './batch.js';

export type SendOutcome =
  | { readonly ok: true }
  /** `retry: false` when trying again cannot help (the app or endpoint is no longer configured). */
  | { readonly ok: false; readonly retry: boolean; readonly reason: string };

export type SendBatch = (batch: WebhookBatch, signal: AbortSignal) => Promise<SendOutcome>;

export class WebhookSender {
  readonly #apps: AppStore;
  readonly #timeoutMs: number;

  constructor(apps: AppStore, timeoutMs: number) {
    this.#apps = apps;
    this.#timeoutMs = timeoutMs;
  }

  /** Never rejects. `signal` cuts the request short (shutdown); the timeout applies regardless. */
  readonly send: SendBatch = async (batch, signal) => {
    let app;
    try {
      app = await this.#apps.findById(batch.appId);
    } catch (error) {
      return { ok: false, retry: true, reason: `app lookup failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (app === undefined) return { ok: false, retry: false, reason: `app ${batch.appId} no longer configured` };
    const target = app.webhooks.find((entry) => entry.url === batch.url);
    if (target === undefined) return { ok: false, retry: false, reason: `endpoint no longer configured for app ${app.id}` };
    const body = Buffer.from(batch.body, 'utf8');
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'user-agent': `switchboard/${VERSION}`,
          ...target.headers,
          'content-type': 'application/json',
          'x-pusher-key': app.key,
          'x-pusher-signature': hmacSha256Hex(app.secret, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.#timeoutMs)]),
      });
      // The answer's body is of no interest; cancelling it releases the connection.
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) return { ok: true };
      return { ok: false, retry: true, reason: `HTTP ${response.status}` };
    } catch (error) {
      const reason = signal.aborted
        ? 'cut off by shutdown'
        : error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${this.#timeoutMs} ms`
          : describeFetchError(error);
      return { ok: false, retry: true, reason };
    }
  };
}

/** fetch wraps network errors as "fetch failed" with the useful part in `cause`. */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) return `${error.message}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`;
  return error.message;
}
