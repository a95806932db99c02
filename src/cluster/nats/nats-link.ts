/**
 * A NATS connection as Switchboard uses it. The client reconnects by itself, for ever, and
 * re-sends its subscriptions on each reconnect. While the server is unreachable the client would
 * queue what is published until its next dial attempt; `assertConnected` lets callers fail at once
 * instead, so nothing accumulates during an outage (at most once). A silently dead connection is
 * noticed within PING_INTERVAL_MS * (MAX_PINGS_OUT + 1). `connectNats` rejects if the first
 * connection fails.
 */
import { connect, NoRespondersError, TimeoutError, type NatsConnection, type Status } from '@nats-io/transport-node';

export interface NatsSettings {
  readonly servers: readonly string[];
  /** Label for the server's monitoring pages. */
  readonly name: string;
  /** Drop this connection's own publications on the server (the broker never wants its echo). */
  readonly noEcho?: boolean;
}

const RECONNECT_WAIT_MS = 1_000;
const RECONNECT_JITTER_MS = 500;
/**
 * The longest wait between two reconnection attempts: every node that can reach NATS again is
 * back at most this long after it returned (plus the connect time).
 */
export const LONGEST_RECONNECT_WAIT_MS = RECONNECT_WAIT_MS + RECONNECT_JITTER_MS;
const PING_INTERVAL_MS = 5_000;
const MAX_PINGS_OUT = 2;
const CONNECT_TIMEOUT_MS = 5_000;

export class NatsUnavailableError extends Error {
  constructor(reason = 'NATS is unreachable; the client is reconnecting') {
    super(reason);
    this.name = 'NatsUnavailableError';
  }
}

/** `promise`, or a NatsUnavailableError after `ms`; the promise's own outcome is still observed. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new NatsUnavailableError(`${what} within ${String(ms)} ms`)), ms);
  });
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * True for failures that mean NATS is not answering right now rather than that a call is wrong:
 * the link is down, a request timed out, or nobody answers JetStream's API yet (a server that
 * restarted answers a moment before JetStream is ready). Periodic work retries these on its
 * next turn instead of reporting them.
 */
export function isNatsOutage(error: unknown): boolean {
  return error instanceof NatsUnavailableError || error instanceof TimeoutError || error instanceof NoRespondersError;
}

export class NatsLink {
  readonly connection: NatsConnection;
  #connected = true;
  #connectedAt: number;
  #reconnected = false;
  readonly #watching: Promise<void>;
  #closed: Promise<void> | undefined;

  private constructor(connection: NatsConnection) {
    this.connection = connection;
    this.#connectedAt = performance.now();
    this.#watching = this.#watch();
  }

  static async connect(settings: NatsSettings): Promise<NatsLink> {
    try {
      const connection = await connect({
        servers: [...settings.servers],
        name: settings.name,
        noEcho: settings.noEcho ?? false,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: RECONNECT_WAIT_MS,
        reconnectJitter: RECONNECT_JITTER_MS,
        pingInterval: PING_INTERVAL_MS,
        maxPingOut: MAX_PINGS_OUT,
        timeout: CONNECT_TIMEOUT_MS,
      });
      return new NatsLink(connection);
    } catch (error) {
      throw new Error(`cannot connect to NATS at ${settings.servers.join(',')}: ${(error as Error).message}`, { cause: error });
    }
  }

  async #watch(): Promise<void> {
    for await (const status of this.connection.status()) this.#onStatus(status);
  }

  #onStatus(status: Status): void {
    switch (status.type) {
      case 'disconnect':
      case 'staleConnection':
        this.#connected = false;
        break;
      case 'reconnect':
        this.#connected = true;
        this.#reconnected = true;
        this.#connectedAt = performance.now();
        break;
      case 'close':
        this.#connected = false;
        break;
      default:
        break;
    }
  }

  get connected(): boolean {
    return this.#connected && !this.connection.isClosed();
  }

  /** Milliseconds since the connection was last (re)established. */
  get connectedForMs(): number {
    return performance.now() - this.#connectedAt;
  }

  /** True once the connection was lost and established again. */
  get reconnected(): boolean {
    return this.#reconnected;
  }

  /** Throws NatsUnavailableError while the server is unreachable. */
  assertConnected(): void {
    if (!this.connected) throw new NatsUnavailableError();
  }

  /** Closes the connection; idempotent, bounded in time. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#connected = false;
      await this.connection.close();
      await this.#watching;
    })();
    return this.#closed;
  }
}
