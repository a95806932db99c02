/**
 * A WebSocket as a Transport. Frames are queued and written to the raw socket once per event-loop
 * turn as pre-encoded RFC 6455 frames (one write, or one corked writev, per socket per turn); `ws`
 * keeps the handshake, the reading side, control frames and the closing handshake. With
 * permessage-deflate negotiated, frames go through `ws.send` instead, since they must be
 * compressed per socket.
 */
import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import type { Frame } from '../protocol/frame.js';
import { CloseReasons } from '../protocol/errors.js';
import type { FlushScheduler } from './flush-scheduler.js';
import { FrameQueue } from './frame-queue.js';
import type { Transport, TransportListener } from './transport.js';

export interface WebSocketTransportOptions {
  readonly scheduler: FlushScheduler;
  /** Cap on queued plus socket-buffered outgoing bytes; over it the connection closes with 4100. */
  readonly maxBufferedBytes: number;
  readonly compression: boolean;
}

/** After a close frame is sent, how long the peer has to answer before the socket is destroyed. */
const CLOSE_HANDSHAKE_TIMEOUT_MS = 5_000;
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
  readonly remoteAddress: string | undefined;
  readonly #ws: WebSocket;
  readonly #socket: Duplex & { writableLength: number };
  readonly #options: WebSocketTransportOptions;
  readonly #queue: FrameQueue;
  #closing = false;
  #listener: TransportListener | undefined;
  #early: Early[] = [];
  #closedWith: { code: number; reason: string } | undefined;
  /** The close this side sent first, reported to the listener whatever the peer answers. */
  #sentClose: { code: number; reason: string } | undefined;

  constructor(ws: WebSocket, socket: Duplex, remoteAddress: string | undefined, options: WebSocketTransportOptions) {
    this.#ws = ws;
    this.#socket = socket;
    this.remoteAddress = remoteAddress;
    this.#options = options;
    this.#queue = new FrameQueue(options.scheduler, options.maxBufferedBytes, () => this.#flush());
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
    ws.on('close', (code: number, reason: Buffer) => {
      this.#closing = true;
      this.#queue.clear();
      const closed = this.#sentClose ?? { code, reason: reason.toString('utf8') };
      if (this.#listener === undefined) this.#closedWith = closed;
      else this.#listener.onClose(closed.code, closed.reason);
    });
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
    if (!this.#queue.push(frame, this.#socket.writableLength)) this.#overflow();
  }

  close(code: number, reason: string): void {
    if (this.#closing) return;
    this.#flush();
    this.#closing = true;
    this.#sentClose = { code, reason };
    this.#ws.close(code, truncateReason(reason));
    setTimeout(() => this.#ws.terminate(), CLOSE_HANDSHAKE_TIMEOUT_MS).unref();
  }

  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
  }

  #flush(): void {
    if (this.#queue.length === 0) return;
    const queue = this.#queue.take();
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    if (this.#options.compression) {
      for (const frame of queue) this.#ws.send(frame.text);
      return;
    }
    const socket = this.#socket;
    if (queue.length === 1) {
      socket.write((queue[0] as Frame).websocketBytes());
      return;
    }
    socket.cork();
    for (const frame of queue) socket.write(frame.websocketBytes());
    socket.uncork();
  }

  /** The reader is too slow: drop what is queued and close with 4100 so the client reconnects. */
  #overflow(): void {
    this.#queue.clear();
    this.#closing = true;
    const { code, message } = CloseReasons.slowConsumer;
    this.#sentClose = { code, reason: message };
    this.#ws.close(code, truncateReason(message));
    setTimeout(() => this.#ws.terminate(), CLOSE_HANDSHAKE_TIMEOUT_MS).unref();
  }
}
