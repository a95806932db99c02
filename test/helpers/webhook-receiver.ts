/**
 * A real HTTP endpoint for webhooks: records every request (headers and the raw body, exactly as
 * received) and answers as the test says: a status code, or never ('hang'). Verification goes
 * through the `pusher` SDK's own `webhook(request).isValid()`, as an app backend would do it.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PusherServer } from './pusher.js';
import type { TestApp } from './server.js';
import { Waiters } from './wait.js';

export interface ReceivedWebhook {
  readonly path: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
  /** Parsed body. */
  readonly body: { time_ms: number; events: Record<string, unknown>[] };
}

/** 'hang' never answers (the connection stays open until the receiver closes). */
export type Answer = number | 'hang';

export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  readonly #server: Server;
  readonly #hanging = new Set<ServerResponse>();
  readonly #waiters = new Waiters();
  /** Decides the answer to each request (0-based index over all requests). */
  answer: (request: ReceivedWebhook, index: number) => Answer = () => 200;
  #port = 0;

  private constructor() {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const received: ReceivedWebhook = {
          path: request.url ?? '',
          method: request.method ?? '',
          headers: request.headers,
          rawBody,
          body: JSON.parse(rawBody) as ReceivedWebhook['body'],
        };
        const index = this.requests.length;
        this.requests.push(received);
        const answer = this.answer(received, index);
        if (answer === 'hang') {
          this.#hanging.add(response);
          response.on('close', () => {
            this.#hanging.delete(response);
            this.#notify();
          });
        } else {
          response.writeHead(answer).end();
        }
        this.#notify();
      });
    });
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.#server.listen(0, '127.0.0.1', resolve));
    receiver.#port = (receiver.#server.address() as AddressInfo).port;
    return receiver;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.#port}${path}`;
  }

  /** Requests whose answer is still pending. */
  get hanging(): number {
    return this.#hanging.size;
  }

  /** Every event received on `path`, in order of arrival. */
  events(path = '/hook'): Record<string, unknown>[] {
    return this.requests.filter((request) => request.path === path).flatMap((request) => request.body.events);
  }

  #notify(): void {
    this.#waiters.notify();
  }

  /** Resolves when the condition holds, re-checked on every request and every dropped connection. */
  until(condition: () => boolean): Promise<void> {
    return this.#waiters.until(condition);
  }

  /** Resolves with the first event on `path` matching `match`, once it has arrived. */
  async event(match: Record<string, unknown>, path = '/hook'): Promise<Record<string, unknown>> {
    const find = () => this.events(path).find((event) => Object.entries(match).every(([key, value]) => event[key] === value));
    await this.until(() => find() !== undefined);
    return find() as Record<string, unknown>;
  }

  /** Answers every request still hanging with `status`. */
  release(status = 200): void {
    for (const response of this.#hanging) response.writeHead(status).end();
  }

  async close(): Promise<void> {
    for (const response of this.#hanging) response.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** The `pusher` SDK's verdict on a received webhook, for `app`. */
export function isValidWebhook(app: TestApp, request: ReceivedWebhook): boolean {
  const sdk = new PusherServer({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1' });
  return sdk.webhook({ headers: request.headers, rawBody: request.rawBody }).isValid();
}
