/**
 * One pusher-js HTTP session (`{key}/{server}/{session}`) as a Transport: the same Connection
 * state machine as a WebSocket rides it.
 *
 * Outgoing frames queue here and are written once per event-loop turn, as one `a[...]` frame, to
 * the session's open receive request: the stream (`xhr_streaming`), which is never ended except
 * to close, or the pending poll (`xhr`), which is answered and ended. Between receive requests
 * (a poll cycle, a stream rotation) frames wait in the queue, so none is lost; the queue is
 * bounded (4100 over it). `o` is written exactly once, first, on the session's first receive
 * request, before admission, so that a refusal's close code reaches pusher-js (protocol §8.11).
 *
 * Incoming `xhr_send` bodies are put back in client order (`SendOrder`), then handed to the
 * listener one message at a time, exactly as WebSocket text frames; messages wait here while the
 * listener is not attached or has paused the transport (bounded: a send over it gets 429).
 *
 * A session with no receive request for `disconnectGrace` is ended like a closed socket
 * (listener.onClose with 4201). A server-side close writes `c[code,"reason"]` on the open receive
 * request, or on the next one if none is open (within the grace period).
 */
import type { ClientAddress } from '../../http/remote-address.js';
import { CloseReasons } from '../../protocol/errors.js';
import type { Frame } from '../../protocol/frame.js';
import type { FlushScheduler } from '../flush-scheduler.js';
import { FrameQueue } from '../frame-queue.js';
import type { Transport, TransportListener } from '../../core/transport.js';
import { closeFrame, HEARTBEAT_FRAME, messagesFrame, OPEN_FRAME, STREAM_PRELUDE } from './http-frames.js';
import type { ReceiveKind, Receiver } from './receiver.js';
import { SendOrder } from './send-order.js';

export interface HttpSessionLimits {
  /** Outgoing bytes queued plus buffered on the open response; over it the session closes with 4100. */
  readonly maxQueuedBytes: number;
  /**
   * Incoming messages waiting for the listener (not attached yet, or paused): a send that would
   * go over it gets 429. Also the most sends held back for their order (more are applied at once).
   */
  readonly maxPendingMessages: number;
  /** Heartbeat period on streams, and the longest a poll is held. */
  readonly heartbeatMs: number;
  /** How long the session lives without a receive request. */
  readonly disconnectGraceMs: number;
  /** How long a send may wait for an earlier-numbered one; 0 applies sends as they arrive. */
  readonly reorderWindowMs: number;
}

export interface HttpSessionOptions {
  /** `{key}/{server}/{session}`, unique on this node. */
  readonly id: string;
  readonly appKey: string;
  readonly kind: ReceiveKind;
  /** The Origin header of the request that opened the session; every later request must match. */
  readonly origin: string | undefined;
  readonly client: ClientAddress;
  readonly scheduler: FlushScheduler;
  readonly limits: HttpSessionLimits;
  /** Called once when the session is over and may be forgotten. */
  readonly onFinished: (session: HttpSession) => void;
}

export type SendResult = 'accepted' | 'backlog';

/**
 * Where a session stands; it only moves forward, except Open <-> Paused. Sends and inbound
 * delivery stop at Closing (one integer compare on the send path).
 */
const enum SessionState {
  /** Frames are queued and written; inbound messages go to the listener. */
  Open,
  /** Open, with inbound messages held for the listener (pause()) until resume(). */
  Paused,
  /** Closed by either side: sends are dropped; a pending close waits for a receive request. */
  Closing,
  /** Over: receive requests get the close at once; onFinished has been called. */
  Finished,
}

export class HttpSession implements Transport {
  readonly id: string;
  readonly appKey: string;
  readonly name: ReceiveKind;
  readonly origin: string | undefined;
  readonly client: ClientAddress;
  readonly #options: HttpSessionOptions;
  readonly #limits: HttpSessionLimits;
  #state = SessionState.Open;
  /** `o` until the first receive request writes it, then ''. */
  #openFrame = OPEN_FRAME;
  readonly #queue: FrameQueue;
  #receiver: Receiver | undefined;
  /** Set by a server-side close until it is written. */
  #pendingClose: string | undefined;
  #listener: TransportListener | undefined;
  /** A close that came before the listener attached; attach() reports it. */
  #closedWith: { code: number; reason: string } | undefined;
  readonly #order: SendOrder<string[]>;
  #inbound: string[] = [];
  /** Streams: the heartbeat interval. Polls: the hold before an empty answer. */
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #graceTimer: NodeJS.Timeout | undefined;

  constructor(options: HttpSessionOptions) {
    this.#options = options;
    this.#limits = options.limits;
    this.id = options.id;
    this.appKey = options.appKey;
    this.name = options.kind;
    this.origin = options.origin;
    this.client = options.client;
    this.#queue = new FrameQueue(options.scheduler, this.#limits.maxQueuedBytes, () => this.#flush());
    this.#order = new SendOrder(this.#limits.reorderWindowMs, this.#limits.maxPendingMessages, (messages) => {
      this.#inbound.push(...messages);
      this.#deliverInbound();
    });
  }

  get closing(): boolean {
    return this.#state >= SessionState.Closing;
  }

  // ---- the client's requests ------------------------------------------------------------------

  /**
   * A receive request (`xhr_streaming` or `xhr`, by the session's kind). The first one opens the
   * session with `o`; a later stream replaces the current one (the client's rotation) and a later
   * poll answers the one still pending (with `h`).
   */
  receive(receiver: Receiver, n: number | undefined): void {
    this.#order.see(n);
    this.#listener?.onActivity();
    receiver.onGone((gone) => this.#receiverGone(gone));
    if (this.#state === SessionState.Finished) {
      receiver.finish(this.#pendingClose ?? closeFrame(CloseReasons.sessionEnded.code, CloseReasons.sessionEnded.message));
      return;
    }
    this.#replaceReceiver(receiver);
    const prefix = this.#openFrame;
    this.#openFrame = '';
    if (this.name === 'xhr_streaming') {
      receiver.write(STREAM_PRELUDE + prefix);
      this.#heartbeatTimer = setInterval(() => this.#heartbeat(), this.#limits.heartbeatMs);
      this.#heartbeatTimer.unref();
      this.#flush();
      return;
    }
    if (prefix !== '' || this.#queue.length > 0 || this.#pendingClose !== undefined) {
      // A poll is answered at once when there is anything to say: the first one with `o`.
      this.#answerPoll(prefix);
      return;
    }
    this.#heartbeatTimer = setTimeout(() => this.#answerPoll(HEARTBEAT_FRAME), this.#limits.heartbeatMs);
    this.#heartbeatTimer.unref();
  }

  /** An `xhr_send` body (already parsed); `n` restores the client's order. */
  incoming(n: number | undefined, messages: string[]): SendResult {
    this.#listener?.onActivity();
    if (this.#state >= SessionState.Closing) return 'accepted';
    if (this.#inbound.length + messages.length > this.#limits.maxPendingMessages) return 'backlog';
    if (messages.length === 0) {
      // `[]`: a heartbeat or a ping; its number still counts for the order.
      this.#order.see(n);
      return 'accepted';
    }
    this.#order.push(n, messages);
    return 'accepted';
  }

  // ---- Transport ------------------------------------------------------------------------------

  attach(listener: TransportListener): void {
    this.#listener = listener;
    if (this.#closedWith !== undefined) {
      this.#tellListener(this.#closedWith.code, this.#closedWith.reason);
      return;
    }
    this.#deliverInbound();
  }

  send(frame: Frame): void {
    if (this.#state >= SessionState.Closing) return;
    if (!this.#queue.push(frame, this.#receiver?.bufferedBytes ?? 0)) {
      // The reader is too slow: drop what is queued and close so the client reconnects.
      this.#queue.clear();
      const { code, message } = CloseReasons.slowConsumer;
      this.close(code, message);
    }
  }

  close(code: number, reason: string): void {
    if (this.#state >= SessionState.Closing) return;
    this.#state = SessionState.Closing;
    this.#pendingClose = closeFrame(code, reason);
    this.#inbound = [];
    this.#order.clear();
    this.#flush();
    this.#tellListener(code, reason);
  }

  pause(): void {
    if (this.#state === SessionState.Open) this.#state = SessionState.Paused;
  }

  resume(): void {
    if (this.#state === SessionState.Paused) this.#state = SessionState.Open;
    this.#deliverInbound();
  }

  /** Shutdown: ends the session now, writing a pending close if a receive request is open. */
  destroy(): void {
    if (this.#state === SessionState.Finished) return;
    if (this.#state < SessionState.Closing) {
      const { code, message } = CloseReasons.serverShutdown;
      this.close(code, message);
    }
    this.#finish();
  }

  // ---- internals ------------------------------------------------------------------------------

  #flush(): void {
    const receiver = this.#receiver;
    if (receiver === undefined || receiver.isFull()) return;
    if (this.#queue.length === 0 && this.#pendingClose === undefined) return;
    if (receiver.kind === 'xhr_polling') {
      this.#answerPoll('');
      return;
    }
    const text = this.#takeQueued();
    if (this.#pendingClose !== undefined) {
      receiver.finish(text + this.#pendingClose);
      this.#finish();
      return;
    }
    receiver.write(text);
    if (receiver.isFull()) this.#startGrace();
  }

  /** Ends the pending poll with `prefix`, everything queued, and the close if there is one. */
  #answerPoll(prefix: string): void {
    const receiver = this.#receiver;
    if (receiver === undefined) return;
    this.#detachReceiver();
    const closing = this.#pendingClose;
    receiver.finish(prefix + this.#takeQueued() + (closing ?? ''));
    if (closing !== undefined) this.#finish();
    else this.#startGrace();
  }

  #takeQueued(): string {
    return this.#queue.length === 0 ? '' : messagesFrame(this.#queue.take());
  }

  #heartbeat(): void {
    const receiver = this.#receiver;
    if (receiver === undefined || receiver.isFull()) return;
    receiver.write(HEARTBEAT_FRAME);
    if (receiver.isFull()) this.#startGrace();
  }

  #replaceReceiver(receiver: Receiver): void {
    const previous = this.#receiver;
    this.#detachReceiver();
    if (previous !== undefined) {
      if (previous.kind === 'xhr_polling') previous.finish(HEARTBEAT_FRAME);
      else previous.end();
    }
    this.#receiver = receiver;
    this.#stopGrace();
  }

  #detachReceiver(): void {
    this.#receiver = undefined;
    if (this.#heartbeatTimer !== undefined) {
      clearTimeout(this.#heartbeatTimer);
      this.#heartbeatTimer = undefined;
    }
  }

  #receiverGone(receiver: Receiver): void {
    if (this.#receiver !== receiver) return;
    this.#detachReceiver();
    this.#startGrace();
  }

  #startGrace(): void {
    if (this.#graceTimer !== undefined || this.#state === SessionState.Finished) return;
    this.#graceTimer = setTimeout(() => this.#expire(), this.#limits.disconnectGraceMs);
    this.#graceTimer.unref();
  }

  #stopGrace(): void {
    if (this.#graceTimer !== undefined) clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
  }

  /** No receive request for the grace period: the client is gone. */
  #expire(): void {
    this.#graceTimer = undefined;
    if (this.#state < SessionState.Closing) {
      this.#state = SessionState.Closing;
      this.#queue.clear();
      const { code, message } = CloseReasons.sessionEnded;
      this.#tellListener(code, message);
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#state === SessionState.Finished) return;
    this.#state = SessionState.Finished;
    const receiver = this.#receiver;
    this.#detachReceiver();
    if (receiver !== undefined && this.#pendingClose !== undefined) receiver.finish(this.#pendingClose);
    else receiver?.end();
    this.#stopGrace();
    this.#order.clear();
    this.#inbound = [];
    this.#queue.clear();
    this.#options.onFinished(this);
  }

  /**
   * Reports the close to the listener, or keeps it for attach(). Called once: by close() or
   * #expire(), each only on the way into Closing, and by attach() for a kept close.
   */
  #tellListener(code: number, reason: string): void {
    if (this.#listener === undefined) {
      this.#closedWith ??= { code, reason };
      return;
    }
    this.#listener.onClose(code, reason);
  }

  #deliverInbound(): void {
    const listener = this.#listener;
    if (listener === undefined) return;
    while (this.#state === SessionState.Open && this.#inbound.length > 0) {
      listener.onText(this.#inbound.shift() as string);
    }
  }
}
