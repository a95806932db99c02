/**
 * Sends one Web Push message to one device: the payload already encrypted for the device (RFC 8291
 * aes128gcm, by the encryption pool: encryption-pool.ts), a VAPID Authorization (RFC 8292, signed by `web-push`
 * with the app's key pair, cached per push service origin and renewed long before it expires),
 * TTL, Urgency and Topic (RFC 8030), over node:http(s) with keep-alive and one deadline per
 * request (node:http: 0.6 ms of CPU per message here against 1.3 ms with fetch; the deadline is
 * a plain timer, as AbortSignal.any + AbortSignal.timeout per request cost more than the
 * request's own writing). Redirects are not followed. The push service's answer becomes an outcome the queue acts on.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import webpush from 'web-push';
import type { Urgency } from './publish-request.js';
import type { DeviceTarget, VapidKeyPair } from './push-store.js';

export type SendOutcome =
  | { readonly kind: 'delivered'; readonly status: number }
  /** 404 / 410: the subscription is gone; the device is removed. */
  | { readonly kind: 'gone'; readonly status: number }
  /** 429, 5xx, a timeout or a network error: worth trying again (after Retry-After when given). */
  | { readonly kind: 'retry'; readonly status: number | undefined; readonly reason: string; readonly retryAfterMs: number | undefined }
  /** Any other answer (400, 401, 403, 413, ...): trying again would get the same. */
  | { readonly kind: 'rejected'; readonly status: number; readonly reason: string };

export interface PushMessage {
  readonly appId: string;
  readonly keys: VapidKeyPair;
  readonly payload: string;
  readonly ttlSeconds: number;
  readonly urgency: Urgency;
  readonly topic: string | undefined;
}

/** VAPID tokens are valid for 12 hours (the RFC allows 24) and renewed after 1. */
const VAPID_VALIDITY_SECONDS = 12 * 60 * 60;
const VAPID_RENEW_MS = 60 * 60 * 1000;
/** Bounded: push service origins per app are few (one per browser vendor), apps are many. */
const MAX_CACHED_HEADERS = 10_000;
/** Connections kept per push service origin (browsers' push services are a handful of origins). */
const SOCKETS_PER_ORIGIN = 128;

export class WebPushSender {
  readonly #subject: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #headers = new Map<string, { readonly value: string; readonly renewAt: number }>();
  readonly #httpAgent = new HttpAgent({ keepAlive: true, maxSockets: SOCKETS_PER_ORIGIN });
  readonly #httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: SOCKETS_PER_ORIGIN });
  /**
   * The requests in flight under each stop signal: one abort listener per signal cuts them all
   * (a listener per request cost as much as the request's writing, and hundreds on one signal).
   */
  readonly #inFlight = new WeakMap<AbortSignal, Set<ClientRequest>>();

  constructor(options: { readonly subject: string; readonly timeoutMs: number; readonly now?: () => number }) {
    this.#subject = options.subject;
    this.#timeoutMs = options.timeoutMs;
    this.#now = options.now ?? Date.now;
  }

  /** `body` is the payload encrypted for this device, or why it could not be (the device is refused). */
  async send(device: DeviceTarget, message: PushMessage, body: Buffer | Error, stop: AbortSignal): Promise<SendOutcome> {
    let authorization: string;
    let url: URL;
    try {
      if (body instanceof Error) throw body;
      url = new URL(device.endpoint);
      authorization = this.#authorization(message.appId, url.origin, message.keys);
    } catch (error) {
      // A device whose keys or endpoint cannot be used never will be.
      return { kind: 'rejected', status: 0, reason: error instanceof Error ? error.message : String(error) };
    }
    const headers: Record<string, string | number> = {
      authorization,
      'content-encoding': 'aes128gcm',
      'content-type': 'application/octet-stream',
      'content-length': body.length,
      ttl: String(message.ttlSeconds),
      urgency: message.urgency,
    };
    if (message.topic !== undefined) headers['topic'] = message.topic;
    let response: { status: number; retryAfter: string | undefined };
    try {
      response = await this.#post(url, headers, body, stop);
    } catch (error) {
      return { kind: 'retry', status: undefined, reason: error instanceof Error ? error.message : String(error), retryAfterMs: undefined };
    }
    const status = response.status;
    if (status >= 200 && status < 300) return { kind: 'delivered', status };
    if (status === 404 || status === 410) return { kind: 'gone', status };
    if (status === 429 || status >= 500) {
      return { kind: 'retry', status, reason: `push service answered ${status}`, retryAfterMs: retryAfterMs(response.retryAfter ?? null, this.#now()) };
    }
    return { kind: 'rejected', status, reason: `push service answered ${status}` };
  }

  /** Closes the kept connections. */
  close(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  /**
   * One POST; the response body is read to its end and dropped (so the connection is reused).
   * Cut when `stop` aborts or after the timeout, whichever comes first.
   */
  #post(url: URL, headers: Record<string, string | number>, body: Buffer, stop: AbortSignal): Promise<{ status: number; retryAfter: string | undefined }> {
    if (stop.aborted) return Promise.reject(new Error('stopped before the request was sent'));
    const https = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const onResponse = (response: IncomingMessage): void => {
        response.on('error', fail);
        response.on('end', () => {
          settle();
          resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] });
        });
        response.resume();
      };
      const options = { method: 'POST', headers };
      const request = https ? httpsRequest(url, { ...options, agent: this.#httpsAgent }, onResponse) : httpRequest(url, { ...options, agent: this.#httpAgent }, onResponse);
      const timer = setTimeout(() => request.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      const inFlight = this.#requestsUnder(stop);
      inFlight.add(request);
      const settle = (): void => {
        clearTimeout(timer);
        inFlight.delete(request);
      };
      function fail(error: Error): void {
        settle();
        reject(error);
      }
      request.on('error', fail);
      request.end(body);
    });
  }

  #requestsUnder(stop: AbortSignal): Set<ClientRequest> {
    let requests = this.#inFlight.get(stop);
    if (requests === undefined) {
      const set = new Set<ClientRequest>();
      requests = set;
      this.#inFlight.set(stop, set);
      stop.addEventListener('abort', () => {
        for (const request of set) request.destroy(new Error('stopped while waiting for the answer'));
      }, { once: true });
    }
    return requests;
  }

  #authorization(appId: string, audience: string, keys: VapidKeyPair): string {
    const cacheKey = `${appId} ${keys.publicKey} ${audience}`;
    const now = this.#now();
    const cached = this.#headers.get(cacheKey);
    if (cached !== undefined && cached.renewAt > now) return cached.value;
    const expiration = Math.floor(now / 1000) + VAPID_VALIDITY_SECONDS;
    const value = webpush.getVapidHeaders(audience, this.#subject, keys.publicKey, keys.privateKey, 'aes128gcm', expiration).Authorization;
    if (this.#headers.size >= MAX_CACHED_HEADERS) this.#headers.clear();
    this.#headers.set(cacheKey, { value, renewAt: now + VAPID_RENEW_MS });
    return value;
  }
}

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in milliseconds from now. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
