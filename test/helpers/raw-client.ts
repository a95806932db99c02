/**
 * A bare WebSocket client (the `ws` package) for protocol-level tests: every frame the server
 * sends is queued, and tests await them in order.
 */
import { WebSocket, type ClientOptions } from 'ws';

export interface ServerMessage {
  readonly event: string;
  readonly channel?: string;
  readonly data?: unknown;
  readonly user_id?: string | number;
}

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export class RawClient {
  readonly ws: WebSocket;
  readonly closed: Promise<Closed>;
  readonly #queue: ServerMessage[] = [];
  readonly #waiters: ((message: ServerMessage) => void)[] = [];
  readonly #all: ServerMessage[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) throw new Error('server sent a binary frame');
      const message = JSON.parse(data.toString('utf8')) as ServerMessage;
      this.#all.push(message);
      const waiter = this.#waiters.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString('utf8') }));
    });
    ws.on('error', () => undefined);
  }

  /**
   * Opens `${wsUrl}${path}`; resolves once the WebSocket is open (before any Pusher message).
   * `localAddress` binds the client's side (e.g. 127.0.0.2) to test per-address behaviour;
   * `options` adds `ws` client options (e.g. `ca` for a wss:// server with a test certificate).
   */
  static open(wsUrl: string, path: string, headers: Record<string, string> = {}, localAddress?: string, options: ClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(`${wsUrl}${path}`, { ...options, headers, ...(localAddress === undefined ? {} : { localAddress }) });
    const client = new RawClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Opens `/app/{key}?protocol=7` and waits for connection_established; returns its socket id. */
  static async connect(wsUrl: string, key: string, options: ClientOptions = {}): Promise<{ client: RawClient; socketId: string }> {
    const client = await RawClient.open(wsUrl, `/app/${key}?protocol=7&client=js&version=8.6.0&flash=false`, {}, undefined, options);
    const established = await client.next();
    if (established.event !== 'pusher:connection_established') {
      throw new Error(`expected connection_established, got ${JSON.stringify(established)}`);
    }
    const data = JSON.parse(established.data as string) as { socket_id: string };
    return { client, socketId: data.socket_id };
  }

  /** The next message, in order. */
  next(): Promise<ServerMessage> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Skips messages until one with this event name (and channel, if given) arrives. */
  async nextEvent(event: string, channel?: string): Promise<ServerMessage> {
    for (;;) {
      const message = await this.next();
      if (message.event === event && (channel === undefined || message.channel === channel)) return message;
    }
  }

  /** Every message received so far, including ones already taken with next(). */
  get received(): readonly ServerMessage[] {
    return this.#all;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Round-trips a ping: every frame sent before it has been processed once the pong is back. */
  async sync(): Promise<void> {
    this.send({ event: 'pusher:ping', data: {} });
    await this.nextEvent('pusher:pong');
  }

  close(): Promise<Closed> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
    return this.closed;
  }
}

/** The parsed `data` of a server message (double-encoded for pusher:* events). */
export function dataOf(message: ServerMessage): unknown {
  return typeof message.data === 'string' ? (JSON.parse(message.data) as unknown) : message.data;
}
