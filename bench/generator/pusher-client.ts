/**
 * One Pusher protocol client on the generator's WebSocket: waits for connection_established,
 * subscribes (signing private and presence channels with the app secret, as an auth endpoint
 * would), answers pings, and counts what arrives. Benchmark events are recognised from their bytes
 * (event name `bench`, data starting with `T<publish time in µs>|`) without parsing JSON; only the
 * rare protocol messages are parsed.
 */
import { channelStringToSign, signToken } from '../../src/protocol/signatures.js';
import type { Counters } from './counters.js';
import type { Endpoint } from './protocol.js';
import { WsClient, type WsListener } from './ws-client.js';

export const BENCH_EVENT = 'bench';
/** The payload of a benchmark event: `T<µs>|` then padding. */
export const TIMESTAMP_PREFIX = 'T';

const EVENT_KEY = Buffer.from('"event":"');
const DATA_MARKER = Buffer.from(`"data":"${TIMESTAMP_PREFIX}`);
const BENCH_NAME = Buffer.from(`${BENCH_EVENT}"`);
const MEMBER_EVENT = Buffer.from('pusher_internal:member_');
const PONG = JSON.stringify({ event: 'pusher:pong', data: {} });
const ZERO = 0x30;

export const CONNECT_PATH_QUERY = '?protocol=7&client=js&version=8.4.0&flash=false';

export interface ClientEvents {
  /** connection_established, then subscription_succeeded when a channel was asked for. */
  ready(client: PusherClient): void;
  /** The TCP connection is gone. */
  closed(client: PusherClient, code: number, error: string | undefined): void;
}

export interface Subscription {
  readonly channel: string;
  /** Presence user id. */
  readonly userId: string;
}

function matchesAt(buffer: Buffer, position: number, needle: Buffer): boolean {
  return buffer.compare(needle, 0, needle.length, position, position + needle.length) === 0;
}

function parseDigits(buffer: Buffer, start: number, end: number): number {
  let value = 0;
  for (let index = start; index < end; index += 1) {
    const digit = (buffer[index] as number) - ZERO;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return value;
}

export class PusherClient implements WsListener {
  readonly #ws: WsClient;
  readonly #endpoint: Endpoint;
  readonly #counters: Counters;
  readonly #events: ClientEvents;
  readonly #subscription: Subscription | undefined;
  readonly startedUs: number;
  socketId: string | undefined;
  isReady = false;
  /** Set when the benchmark closes it, so that the close is not counted as unexpected. */
  leaving = false;

  constructor(
    endpoint: Endpoint,
    localAddress: string | undefined,
    subscription: Subscription | undefined,
    counters: Counters,
    events: ClientEvents,
    startedUs: number,
  ) {
    this.#endpoint = endpoint;
    this.#counters = counters;
    this.#events = events;
    this.#subscription = subscription;
    this.startedUs = startedUs;
    this.#ws = new WsClient(
      { host: endpoint.host, port: endpoint.port, path: `/app/${endpoint.key}${CONNECT_PATH_QUERY}`, localAddress },
      this,
    );
  }

  close(): void {
    this.leaving = true;
    this.#ws.close();
  }

  /** Leaves the channel it subscribed to, keeping the connection. */
  unsubscribe(): void {
    if (this.#subscription === undefined) return;
    this.#ws.sendText(JSON.stringify({ event: 'pusher:unsubscribe', data: { channel: this.#subscription.channel } }));
  }

  destroy(): void {
    this.leaving = true;
    this.#ws.destroy();
  }

  onOpen(): void {
    // connection_established follows.
  }

  onClose(code: number, error: string | undefined): void {
    this.#events.closed(this, code, error);
  }

  onText(buffer: Buffer, start: number, end: number, receivedUs: number): void {
    const eventKey = buffer.indexOf(EVENT_KEY, start);
    if (eventKey !== -1 && eventKey < end) {
      const name = eventKey + EVENT_KEY.length;
      if (matchesAt(buffer, name, BENCH_NAME)) {
        const marker = buffer.indexOf(DATA_MARKER, start);
        if (marker !== -1 && marker < end) {
          this.#counters.delivery(parseDigits(buffer, marker + DATA_MARKER.length, end), receivedUs);
          return;
        }
      } else if (matchesAt(buffer, name, MEMBER_EVENT)) {
        this.#counters.memberEvents += 1;
        return;
      }
    }
    this.#onProtocolMessage(buffer.toString('utf8', start, end));
  }

  #onProtocolMessage(text: string): void {
    let message: { event?: unknown; data?: unknown };
    try {
      message = JSON.parse(text) as { event?: unknown; data?: unknown };
    } catch {
      this.#counters.sample(`not JSON: ${text.slice(0, 120)}`);
      return;
    }
    switch (message.event) {
      case 'pusher:connection_established': {
        const data = (typeof message.data === 'string' ? JSON.parse(message.data) : message.data) as { socket_id?: unknown };
        this.socketId = String(data.socket_id);
        if (this.#subscription === undefined) this.#markReady();
        else this.#subscribe(this.#subscription);
        return;
      }
      case 'pusher_internal:subscription_succeeded':
        this.#markReady();
        return;
      case 'pusher:ping':
        this.#ws.sendText(PONG);
        return;
      case 'pusher:pong':
        return;
      case 'pusher:error':
      case 'pusher:subscription_error':
        this.#counters.pusherErrors += 1;
        this.#counters.sample(text.slice(0, 200));
        return;
      default:
        this.#counters.sample(`unexpected: ${text.slice(0, 120)}`);
    }
  }

  #markReady(): void {
    if (this.isReady) return;
    this.isReady = true;
    this.#events.ready(this);
  }

  #subscribe({ channel, userId }: Subscription): void {
    const socketId = this.socketId ?? '';
    const data: Record<string, string> = { channel };
    if (channel.startsWith('presence-')) {
      const channelData = JSON.stringify({ user_id: userId, user_info: { name: userId } });
      data['channel_data'] = channelData;
      data['auth'] = signToken(this.#endpoint, channelStringToSign(socketId, channel, channelData));
    } else if (channel.startsWith('private-')) {
      data['auth'] = signToken(this.#endpoint, channelStringToSign(socketId, channel));
    }
    this.#ws.sendText(JSON.stringify({ event: 'pusher:subscribe', data }));
  }
}
