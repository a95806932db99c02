/**
 * A local push service that follows RFC 8030 strictly, standing in for the browsers' vendor push
 * services (unreachable from here). Each subscription is made as a browser makes one (a fresh key
 * pair and auth secret, bound to the application server key it was made with). A push message
 * (POST to the subscription's endpoint) is checked (VAPID: 401/403; `TTL` required; `Urgency`
 * and `Topic` syntax; `Content-Encoding: aes128gcm`; at most 4096 bytes: 413), decrypted with the
 * subscription's private key, and answered 201 with a Location. A user agent that is online
 * receives it at once; one that is offline gets, when it comes online, what has not expired (TTL)
 * with a later message replacing an earlier one of the same Topic. The test can script answers
 * (404, 410, 429 with Retry-After, 5xx) per subscription, and unsubscribe (410 from then on), and
 * hold answers: a held message is accepted and delivered, but its request stays in flight (the
 * sender never learns it arrived) until the service closes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PushSubscriber, type SubscriptionKeys } from './push-subscriber.js';
import { checkVapid } from './vapid-check.js';
import { Waiters } from './wait.js';

const MAX_MESSAGE_BYTES = 4096;
const URGENCIES = ['very-low', 'low', 'normal', 'high'];

export interface TestSubscription {
  readonly id: string;
  /** The push resource, as PushSubscription.endpoint. */
  readonly endpoint: string;
  readonly keys: SubscriptionKeys;
  /** PushSubscription.toJSON(), what the Beams web SDK base64-encodes into its device token. */
  toJSON(): { endpoint: string; expirationTime: null; keys: SubscriptionKeys };
}

/** A message the service accepted. */
export interface PushMessage {
  readonly subscriptionId: string;
  readonly ttlSeconds: number;
  readonly urgency: string;
  readonly topic: string | undefined;
  /** The decrypted payload. */
  readonly text: string;
  readonly receivedAt: number;
  readonly vapidSubject: string;
}

/** Every request, with how it was answered. */
export interface PushAttempt {
  readonly subscriptionId: string;
  readonly status: number;
  readonly reason: string;
  readonly headers: IncomingHttpHeaders;
}

export interface ScriptedAnswer {
  readonly status: number;
  readonly retryAfterSeconds?: number;
}

interface Entry {
  readonly subscriber: PushSubscriber;
  readonly serverKey: string;
  online: boolean;
  gone: boolean;
  readonly script: ScriptedAnswer[];
  /** Accepted while offline, not yet delivered. */
  pending: PushMessage[];
  readonly delivered: PushMessage[];
}

export class LocalPushService {
  readonly attempts: PushAttempt[] = [];
  readonly #server: Server;
  readonly #entries = new Map<string, Entry>();
  readonly #waiters = new Waiters();
  readonly #now: () => number;
  #origin = '';
  #deliveredCount = 0;
  #reachedCount = 0;
  /** Requests still answered before answers are held; Infinity: never hold. */
  #answersLeft = Infinity;
  #heldCount = 0;
  /** Answers every request with this first, when set (e.g. 503 for an outage). */
  outage: ScriptedAnswer | undefined;

  private constructor(now: () => number) {
    this.#now = now;
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_MESSAGE_BYTES) chunks.push(chunk);
      });
      request.on('end', () => {
        const { status, reason, retryAfter, location } = this.#handle(request.method ?? '', request.url ?? '', request.headers, size, Buffer.concat(chunks));
        const id = /^\/push\/([^/]+)$/.exec(request.url ?? '')?.[1] ?? '';
        this.attempts.push({ subscriptionId: id, status, reason, headers: request.headers });
        const headers: Record<string, string> = {};
        if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
        if (location !== undefined) headers['location'] = location;
        if (this.#answersLeft <= 0) {
          this.#heldCount += 1;
        } else {
          this.#answersLeft -= 1;
          response.writeHead(status, headers).end(status >= 400 ? reason : undefined);
        }
        this.#waiters.notify();
      });
    });
  }

  static async start(options: { now?: () => number } = {}): Promise<LocalPushService> {
    const service = new LocalPushService(options.now ?? Date.now);
    await new Promise<void>((resolve) => service.#server.listen(0, '127.0.0.1', resolve));
    const { port } = service.#server.address() as AddressInfo;
    service.#origin = `http://127.0.0.1:${port}`;
    return service;
  }

  get origin(): string {
    return this.#origin;
  }

  /** PushManager.subscribe({ applicationServerKey }): a new subscription bound to that key. */
  subscribe(applicationServerKey: string): TestSubscription {
    const id = randomUUID();
    const subscriber = new PushSubscriber();
    this.#entries.set(id, { subscriber, serverKey: applicationServerKey, online: true, gone: false, script: [], pending: [], delivered: [] });
    const endpoint = `${this.#origin}/push/${id}`;
    const keys = subscriber.keys;
    return { id, endpoint, keys, toJSON: () => ({ endpoint, expirationTime: null, keys }) };
  }

  /** The browser dropped the subscription: 410 Gone from now on. */
  unsubscribe(id: string): void {
    this.#entry(id).gone = true;
  }

  /** The next answers for this subscription, in order, before normal handling resumes. */
  script(id: string, ...answers: ScriptedAnswer[]): void {
    this.#entry(id).script.push(...answers);
  }

  /** Takes the user agent offline: messages wait (TTL, Topic) until `goOnline`. */
  goOffline(id: string): void {
    this.#entry(id).online = false;
  }

  /** The user agent comes back: it receives what has not expired, in order. */
  goOnline(id: string): PushMessage[] {
    const entry = this.#entry(id);
    entry.online = true;
    const now = this.#now();
    const live = entry.pending.filter((message) => message.receivedAt + message.ttlSeconds * 1000 > now);
    entry.pending = [];
    for (const message of live) this.#deliver(entry, message);
    this.#waiters.notify();
    return live;
  }

  /**
   * Answers `count` more requests, then holds every answer: later messages are still delivered,
   * but their requests stay in flight until `close`.
   */
  holdAnswersAfter(count: number): void {
    this.#answersLeft = count;
  }

  /** Answers every request from now on (requests held so far stay in flight). */
  answerAll(): void {
    this.#answersLeft = Infinity;
  }

  /** Requests whose answer was held. */
  get heldCount(): number {
    return this.#heldCount;
  }

  /** Messages the user agent received, oldest first. */
  delivered(id: string): readonly PushMessage[] {
    return this.#entry(id).delivered;
  }

  /** Messages accepted and waiting for an offline user agent. */
  pending(id: string): readonly PushMessage[] {
    return this.#entry(id).pending;
  }

  /** Messages delivered to user agents, in all (kept as a count: conditions re-check it per request). */
  get deliveredCount(): number {
    return this.#deliveredCount;
  }

  /** Subscriptions that have received at least one message. */
  get reachedCount(): number {
    return this.#reachedCount;
  }

  until(condition: () => boolean): Promise<void> {
    return this.#waiters.until(condition);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #deliver(entry: Entry, message: PushMessage): void {
    if (entry.delivered.length === 0) this.#reachedCount += 1;
    entry.delivered.push(message);
    this.#deliveredCount += 1;
  }

  #entry(id: string): Entry {
    const entry = this.#entries.get(id);
    if (entry === undefined) throw new Error(`no subscription ${id}`);
    return entry;
  }

  #handle(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    size: number,
    body: Buffer,
  ): { status: number; reason: string; retryAfter?: number; location?: string } {
    const id = /^\/push\/([^/]+)$/.exec(url)?.[1];
    if (method !== 'POST' || id === undefined) return { status: 404, reason: 'no such push resource' };
    const entry = this.#entries.get(id);
    if (entry === undefined) return { status: 404, reason: 'no such subscription' };
    if (this.outage !== undefined) return answer(this.outage);
    const scripted = entry.script.shift();
    if (scripted !== undefined) return answer(scripted);
    if (entry.gone) return { status: 410, reason: 'subscription expired' };
    const vapid = checkVapid(headerOf(headers, 'authorization'), this.#origin, entry.serverKey, this.#now());
    if (!vapid.ok) return { status: vapid.status, reason: vapid.reason };
    const ttlHeader = headerOf(headers, 'ttl');
    if (ttlHeader === undefined || !/^\d+$/.test(ttlHeader)) return { status: 400, reason: 'TTL header missing or not a number' };
    const urgency = headerOf(headers, 'urgency') ?? 'normal';
    if (!URGENCIES.includes(urgency)) return { status: 400, reason: 'bad Urgency' };
    const topic = headerOf(headers, 'topic');
    if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) return { status: 400, reason: 'bad Topic' };
    if (size > MAX_MESSAGE_BYTES) return { status: 413, reason: `message of ${size} bytes is over ${MAX_MESSAGE_BYTES}` };
    if (headerOf(headers, 'content-encoding') !== 'aes128gcm') return { status: 415, reason: 'Content-Encoding must be aes128gcm' };
    let text: string;
    try {
      text = entry.subscriber.decrypt(body).toString('utf8');
    } catch (error) {
      return { status: 400, reason: `cannot decrypt: ${error instanceof Error ? error.message : String(error)}` };
    }
    const message: PushMessage = { subscriptionId: id, ttlSeconds: Number(ttlHeader), urgency, topic, text, receivedAt: this.#now(), vapidSubject: vapid.subject };
    if (entry.online) this.#deliver(entry, message);
    else {
      // RFC 8030 §5.4: a message with a Topic replaces an undelivered one with the same Topic.
      if (topic !== undefined) entry.pending = entry.pending.filter((earlier) => earlier.topic !== topic);
      entry.pending.push(message);
    }
    return { status: 201, reason: 'created', location: `${this.#origin}/message/${randomUUID()}` };
  }
}

function answer(scripted: ScriptedAnswer): { status: number; reason: string; retryAfter?: number } {
  return scripted.retryAfterSeconds === undefined
    ? { status: scripted.status, reason: 'scripted' }
    : { status: scripted.status, reason: 'scripted', retryAfter: scripted.retryAfterSeconds };
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
