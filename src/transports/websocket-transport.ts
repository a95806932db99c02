/**
 * A WebSocket as a Transport. Frames are queued and written to the raw socket once per event-loop
 * turn as pre-encoded RFC 6455 frames (one write per socket per turn: several small frames joined
 * into one buffer, shared by the sockets given the same frames, or a corked writev); `ws`
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
import type { JoinedFrames } from './joined-frames.js';
import { SlowConsumerRule } from './slow-consumer.js';
import type { Transport, TransportListener } from '../core/transport.js';

export interface WebSocketTransportOptions {
  readonly scheduler: FlushScheduler;
  /** Shared by every WebSocket of the endpoint: a turn's frames joined once for all recipients. */
  readonly joined: JoinedFrames;
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
  /** websocket.maxBufferedBytes: pending bytes at or under it need no judging. */
  readonly #cap: number;
  /** The socket's buffered bytes when last read (every flush): an upper bound until the next. */
  #bufferedBound = 0;
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
    this.#cap = options.maxBufferedBytes;
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

  /**
   * Called once per recipient of every publication, so the common case reads only this object and
   * its queue: it judges against `#bufferedBound` (the socket's buffered bytes as of the last
   * flush) rather than reading them through ws and the socket's state on every frame. Between
   * flushes those bytes only shrink as the kernel takes them (ws's own control frames aside, a
   * few bytes), so a frame that fits under the bound fits; only near the cap are the exact bytes
   * read and judged. Every flush judges the exact figure again, which also resets the rule's
   * timer when a reader has caught up.
   */
  send(frame: Frame): void {
    if (this.#closing) return;
    const queue = this.#queue;
    const bound = this.#bufferedBound;
    if (queue.push(frame, bound)) {
      if (queue.bytes + bound <= this.#cap || !this.#slowConsumer.tooSlow(queue.bytes + this.#ws.bufferedAmount)) return;
    } else {
      const buffered = this.#ws.bufferedAmount;
      if (queue.push(frame, buffered) && !this.#slowConsumer.tooSlow(queue.bytes + buffered)) return;
    }
    this.#overflow();
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
    // Each write takes at least one frame. One that the kernel took at once leaves no drain to
    // wait for (Node sets needDrain only for a write still pending), so writing goes on until the
    // queue is empty or the socket holds back.
    while (this.#queue.length > 0 && !this.#socket.writableNeedDrain) this.#write(WRITE_AHEAD_BYTES);
    if (this.#queue.length > 0 && !this.#awaitingDrain) {
      this.#awaitingDrain = true;
      this.#socket.once('drain', this.#onDrain);
    }
    const buffered = this.#ws.bufferedAmount;
    this.#bufferedBound = buffered;
    if (this.#slowConsumer.tooSlow(this.#queue.bytes + buffered)) this.#overflow();
  }

  readonly #onDrain = (): void => {
    this.#awaitingDrain = false;
    this.#flush();
  };

  /**
   * Writes queued frames in order until the socket's write buffer holds `writeAhead` bytes: one
   * frame as it is, several joined into one buffer (JoinedFrames), or, when they are too large to
   * join, as one corked writev.
   */
  #write(writeAhead: number): void {
    if (this.#options.compression) {
      // Compressed frames are written by ws when deflate is done; a whole turn's worth at a time.
      for (const frame of this.#queue.take()) this.#ws.send(frame.text);
      return;
    }
    const socket = this.#socket;
    const frames = this.#queue.takeUpTo(writeAhead - socket.writableLength);
    const [first] = frames;
    if (first === undefined) return;
    if (frames.length === 1) {
      socket.write(first.websocketBytes());
      return;
    }
    const joined = this.#options.joined.bytesOf(frames);
    if (joined !== undefined) {
      socket.write(joined);
      return;
    }
    socket.cork();
    for (const frame of frames) socket.write(frame.websocketBytes());
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
