/**
 * A WebSocket as a Transport. Frames are queued and written to the raw socket once per event-loop
 * turn as pre-encoded RFC 6455 frames (one write, or one corked writev, per socket per turn); `ws`
 * keeps the handshake, the reading side, control frames and the closing handshake. With
 * permessage-deflate negotiated, frames go through `ws.send` instead, since they must be
 * compressed per socket.
 *
 * Frames stay in the FrameQueue until the socket can take them: a flush stops once the socket's
 * write buffer holds WRITE_AHEAD_BYTES, and the rest waits for 'drain'. So a reader that falls
 * behind has its backlog in the queue, which a slow-consumer close drops, and the 4100 close frame
 * is the next thing written after what the kernel already holds.
 */
import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import type { ClientAddress } from '../http/remote-address.js';
import type { Frame } from '../protocol/frame.js';
import { CloseReasons } from '../protocol/errors.js';
import type { ClosingWebSocket } from './closing-websocket.js';
import type { FlushScheduler } from './flush-scheduler.js';
import { FrameQueue } from './frame-queue.js';
import { SlowConsumerRule } from './slow-consumer.js';
import type { Transport, TransportListener } from '../core/transport.js';

export interface WebSocketTransportOptions {
  readonly scheduler: FlushScheduler;
  /** Cap on queued plus socket-buffered outgoing bytes, applied by the SlowConsumerRule. */
  readonly maxBufferedBytes: number;
  readonly compression: boolean;
  readonly now: () => number;
}

/** After a close frame is sent, how long the peer has to answer before the socket is destroyed. */
const CLOSE_HANDSHAKE_TIMEOUT_MS = 5_000;
/** Bytes a flush lets into the socket's write buffer; the rest of the queue waits for 'drain'. */
const WRITE_AHEAD_BYTES = 64 * 1024;
/** Close reasons are limited to 123 bytes by RFC 6455. */
const MAX_REASON_BYTES = 123;

type Early = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'binary' };

function truncateReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out) > MAX_REASON_BYTES) out = out.slice(0, -1);
  return out;
}

function rawToText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export class WebSocketTransport implements Transport {
  readonly name = 'ws';
  readonly client: ClientAddress;
  readonly #ws: ClosingWebSocket;
  readonly #socket: Duplex;
  readonly #options: WebSocketTransportOptions;
  readonly #queue: FrameQueue;
  readonly #slowConsumer: SlowConsumerRule;
  #closing = false;
  #awaitingDrain = false;
  #listener: TransportListener | undefined;
  #early: Early[] = [];
  /** Set once the close is known (peer's close frame or socket closed); reported exactly once. */
  #closedWith: { code: number; reason: string } | undefined;
  /** The close this side sent first, reported to the listener whatever the peer answers. */
  #sentClose: { code: number; reason: string } | undefined;

  constructor(ws: ClosingWebSocket, socket: Duplex, client: ClientAddress, options: WebSocketTransportOptions) {
    this.#ws = ws;
    this.#socket = socket;
    this.client = client;
    this.#options = options;
    this.#slowConsumer = new SlowConsumerRule(options.maxBufferedBytes, options.now);
    this.#queue = new FrameQueue(options.scheduler, this.#slowConsumer.ceiling, () => this.#flush());
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (this.#listener === undefined) {
        this.#early.push(isBinary ? { kind: 'binary' } : { kind: 'text', text: rawToText(data) });
      } else if (isBinary) {
        this.#listener.onUnsupported();
      } else {
        this.#listener.onText(rawToText(data));
      }
    });
    ws.on('pong', () => this.#listener?.onActivity());
    ws.on('ping', () => this.#listener?.onActivity());
    // Protocol errors (bad frames, oversized messages) are answered by ws with a close frame
    // (1002/1007/1009) and then a 'close' event; nothing more to do here.
    ws.on('error', () => undefined);
    // The client's close frame (or a protocol error) starts the closing handshake: the connection
    // is over for the client, so its state is released now rather than when TCP closes.
    ws.onClosing = (code, reason) => {
      if (!this.#closing) this.#closed(code, reason);
    };
    ws.on('close', (code: number, reason: Buffer) => this.#closed(code, reason.toString('utf8')));
  }

  get closing(): boolean {
    return this.#closing;
  }

  attach(listener: TransportListener): void {
    this.#listener = listener;
    for (const early of this.#early) {
      if (early.kind === 'binary') listener.onUnsupported();
      else listener.onText(early.text);
    }
    this.#early = [];
    if (this.#closedWith !== undefined) listener.onClose(this.#closedWith.code, this.#closedWith.reason);
  }

  send(frame: Frame): void {
    if (this.#closing) return;
    const buffered = this.#ws.bufferedAmount;
    if (!this.#queue.push(frame, buffered) || this.#slowConsumer.tooSlow(this.#queue.bytes + buffered)) this.#overflow();
  }

  /** Writes everything queued, backed up or not (it is already in memory), then the close frame. */
  close(code: number, reason: string): void {
    if (this.#closing) return;
    if (this.#ws.readyState === WebSocket.OPEN) this.#write(Number.POSITIVE_INFINITY);
    this.#closing = true;
    this.#queue.clear();
    this.#sentClose = { code, reason };
    this.#ws.close(code, truncateReason(reason));
    this.#armTerminate();
  }

  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
  }

  #closed(code: number, reason: string): void {
    this.#closing = true;
    this.#queue.clear();
    if (this.#closedWith !== undefined) return;
    // The close this side sent first is reported, whatever the peer answers (or if it never does).
    this.#closedWith = this.#sentClose ?? { code, reason };
    this.#listener?.onClose(this.#closedWith.code, this.#closedWith.reason);
  }

  /** Once per turn with frames queued, and on 'drain'. */
  #flush(): void {
    if (this.#closing) return;
    if (this.#ws.readyState !== WebSocket.OPEN) {
      this.#queue.clear();
      return;
    }
    if (this.#queue.length > 0 && !this.#socket.writableNeedDrain) this.#write(WRITE_AHEAD_BYTES);
    if (this.#queue.length > 0 && !this.#awaitingDrain) {
      this.#awaitingDrain = true;
      this.#socket.once('drain', this.#onDrain);
    }
    if (this.#slowConsumer.tooSlow(this.#queue.bytes + this.#ws.bufferedAmount)) this.#overflow();
  }

  readonly #onDrain = (): void => {
    this.#awaitingDrain = false;
    this.#flush();
  };

  /** Writes queued frames in order until the socket's write buffer holds `writeAhead` bytes. */
  #write(writeAhead: number): void {
    if (this.#options.compression) {
      // Compressed frames are written by ws when deflate is done; a whole turn's worth at a time.
      this.#queue.writeWhile((frame) => {
        this.#ws.send(frame.text);
        return true;
      });
      return;
    }
    const socket = this.#socket;
    const write = (frame: Frame): boolean => {
      socket.write(frame.websocketBytes());
      return socket.writableLength < writeAhead;
    };
    if (this.#queue.length === 1) {
      this.#queue.writeWhile(write);
      return;
    }
    socket.cork();
    this.#queue.writeWhile(write);
    socket.uncork();
  }

  /**
   * The reader is too slow: drop what is queued and close with 4100 so the client reconnects. The
   * connection is over for the server, so its state is released at once; the socket lingers only
   * to deliver the close frame.
   */
  #overflow(): void {
    this.#queue.clear();
    this.#closing = true;
    const { code, message } = CloseReasons.slowConsumer;
    this.#sentClose = { code, reason: message };
    const reason = truncateReason(message);
    this.#ws.close(code, reason);
    this.#armTerminate(true);
    // Not from inside send(): the caller may be iterating over the subscribers being released.
    queueMicrotask(() => this.#closed(code, reason));
  }

  /**
   * Destroys the socket CLOSE_HANDSHAKE_TIMEOUT_MS after the close frame, if still open. With
   * `untilSent`, the wait starts over while the close frame is still in the socket's write buffer
   * (a stalled reader), so that a reader that resumes sees the close code rather than an abrupt
   * end; ws's own close timeout (30 s from `close()`) destroys the socket in the end regardless.
   */
  #armTerminate(untilSent = false): void {
    setTimeout(() => {
      if (this.#ws.readyState === WebSocket.CLOSED) return;
      if (untilSent && this.#socket.writableLength > 0) this.#armTerminate(true);
      else this.#ws.terminate();
    }, CLOSE_HANDSHAKE_TIMEOUT_MS).unref();
  }
}
