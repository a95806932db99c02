/**
 * A bare pusher-js-style HTTP session client (node:http, one TCP connection per request, as
 * pusher-js in Node does) for protocol-level tests of the HTTP transports: it reads the
 * receive responses line by line into typed frames, and tests await them in order.
 */
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { ServerMessage } from './raw-client.js';

export type HttpFrame =
  | { readonly type: 'open'; readonly line: string }
  | { readonly type: 'heartbeat'; readonly line: string }
  | { readonly type: 'messages'; readonly messages: ServerMessage[] }
  | { readonly type: 'close'; readonly code: number; readonly reason: string };

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export function parseFrame(line: string): HttpFrame {
  switch (line[0]) {
    case 'o':
      return { type: 'open', line };
    case 'h':
      return { type: 'heartbeat', line };
    case 'a':
      return { type: 'messages', messages: (JSON.parse(line.slice(1)) as string[]).map((text) => JSON.parse(text) as ServerMessage) };
    case 'c': {
      const [code, reason] = JSON.parse(line.slice(1)) as [number, string];
      return { type: 'close', code, reason };
    }
    default:
      throw new Error(`unknown frame: ${line.slice(0, 80)}`);
  }
}

/** One receive response, read as frames. */
export class FrameReader {
  readonly request: ClientRequest;
  /** Resolves with the status and headers. */
  readonly response: Promise<{ status: number; headers: IncomingHttpHeaders }>;
  /** Resolves when the server ends the response (or the request fails). */
  readonly ended: Promise<void>;
  /** Every frame line received so far, in order. */
  readonly lines: string[] = [];
  /** Characters received (as pusher-js counts its responseText). */
  chars = 0;
  #buffer = '';
  readonly #queue: HttpFrame[] = [];
  readonly #waiters: ((frame: HttpFrame | undefined) => void)[] = [];
  #done = false;
  /** Messages of a frame that nextEvent has not returned yet. */
  readonly #messages: ServerMessage[] = [];

  constructor(request: ClientRequest) {
    this.request = request;
    let resolveEnded!: () => void;
    this.ended = new Promise((resolve) => (resolveEnded = resolve));
    const finish = (): void => {
      this.#done = true;
      for (const waiter of this.#waiters.splice(0)) waiter(undefined);
      resolveEnded();
    };
    this.response = new Promise((resolve, reject) => {
      request.on('response', (response) => {
        resolve({ status: response.statusCode ?? 0, headers: response.headers });
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => this.#onData(chunk));
        response.on('end', finish);
        response.on('close', finish);
      });
      request.on('error', (error) => {
        reject(error);
        finish();
      });
    });
    request.end();
  }

  #onData(chunk: string): void {
    this.chars += chunk.length;
    this.#buffer += chunk;
    for (let end = this.#buffer.indexOf('\n'); end !== -1; end = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 1);
      this.lines.push(line);
      const frame = parseFrame(line);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(frame);
      else this.#queue.push(frame);
    }
  }

  /** The next frame; rejects if the response ends first. */
  async next(): Promise<HttpFrame> {
    const queued = this.#queue.shift();
    if (queued) return queued;
    if (this.#done) throw new Error('the response ended');
    const frame = await new Promise<HttpFrame | undefined>((resolve) => this.#waiters.push(resolve));
    if (frame === undefined) throw new Error('the response ended');
    return frame;
  }

  /** The next frame that is not a heartbeat. */
  async nextNonHeartbeat(): Promise<HttpFrame> {
    for (;;) {
      const frame = await this.next();
      if (frame.type !== 'heartbeat') return frame;
    }
  }

  /**
   * Skips messages until one with this event name (and channel); returns it. Messages after it
   * in the same frame are kept for the next call.
   */
  async nextEvent(event: string, channel?: string): Promise<ServerMessage> {
    for (;;) {
      const message = this.#messages.shift() ?? (await this.#nextMessageFrame(event));
      if (message !== undefined && message.event === event && (channel === undefined || message.channel === channel)) return message;
    }
  }

  async #nextMessageFrame(waitingFor: string): Promise<ServerMessage | undefined> {
    const frame = await this.next();
    if (frame.type === 'close') throw new Error(`closed ${frame.code} ${frame.reason} while waiting for ${waitingFor}`);
    if (frame.type !== 'messages') return undefined;
    this.#messages.push(...frame.messages.slice(1));
    return frame.messages[0];
  }

  /** Every frame until the server ends the response. */
  async rest(): Promise<HttpFrame[]> {
    await this.ended;
    return this.#queue.splice(0);
  }

  /** Aborts the request, as pusher-js does on rotation and on disconnect. */
  abort(): void {
    this.request.destroy();
  }
}

let sessionCounter = 0;

export interface RawHttpSessionOptions {
  readonly path?: string;
  readonly origin?: string;
  readonly query?: string;
  /** Binds the client's side of every request (e.g. 127.0.0.2). */
  readonly localAddress?: string;
  /** Sent with every request (e.g. X-Forwarded-For, as a proxy would add it). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One session id, and the requests pusher-js would make on it. */
export class RawHttpSession {
  readonly base: string;
  readonly #host: string;
  readonly #port: number;
  readonly #headers: Record<string, string>;
  readonly #query: string;
  readonly #localAddress: string | undefined;
  #n = 0;

  constructor(httpUrl: string, key: string, options: RawHttpSessionOptions = {}) {
    const url = new URL(httpUrl);
    this.#host = url.hostname;
    this.#port = Number(url.port);
    sessionCounter += 1;
    this.base = `${options.path ?? '/pusher'}/app/${key}/${sessionCounter % 1000}/${randomBytes(5).toString('hex').slice(0, 8)}`;
    this.#headers = { 'content-type': 'application/json', ...(options.origin === undefined ? {} : { origin: options.origin }), ...options.headers };
    this.#query = options.query ?? 'protocol=7&client=js&version=8.6.0';
    this.#localAddress = options.localAddress;
  }

  /** The next value of the page-wide counter, as pusher-js numbers its requests. */
  nextN(): number {
    this.#n += 1;
    return this.#n;
  }

  stream(n: number = this.nextN()): FrameReader {
    return this.#receive('xhr_streaming', n);
  }

  poll(n: number = this.nextN()): FrameReader {
    return this.#receive('xhr', n);
  }

  /** POSTs an xhr_send body (messages are JSON-encoded, as pusher-js does, unless `raw`). */
  send(messages: readonly unknown[] | { raw: string }, n: number = this.nextN(), headers: Record<string, string> = {}): Promise<HttpAnswer> {
    const body =
      'raw' in messages ? messages.raw : JSON.stringify(messages.map((message) => (typeof message === 'string' ? message : JSON.stringify(message))));
    return request(this.#host, this.#port, 'POST', `${this.base}/xhr_send?t=${Date.now()}&n=${n}`, { ...this.#headers, ...headers }, body);
  }

  #receive(kind: 'xhr_streaming' | 'xhr', n: number): FrameReader {
    const req = httpRequest({
      host: this.#host,
      port: this.#port,
      method: 'POST',
      path: `${this.base}/${kind}?${this.#query}&t=${Date.now()}&n=${n}`,
      headers: { ...this.#headers, 'content-length': '0' },
      agent: false,
      ...(this.#localAddress === undefined ? {} : { localAddress: this.#localAddress }),
    });
    return new FrameReader(req);
  }
}

/** One plain HTTP request on its own connection; resolves with the whole answer. */
export function request(
  host: string,
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host, port, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body ?? '')) }, agent: false },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
