/**
 * Connection: the protocol state machine of one client (one socket_id), whatever transport it
 * rides. It owns its subscriptions and its sign-in, processes inbound messages strictly in order
 * (a message that waits on cluster state holds the ones behind it, with backpressure on the
 * transport), and on close releases everything it held exactly once.
 */
import type { App } from '../apps/app-store.js';
import type { PresenceMember } from '../cluster/channel-state.js';
import type { ChannelType } from '../protocol/channels.js';
import { encodeConnectionEstablished, encodeError, parseClientMessage, PING_TEXT, PONG_TEXT } from '../protocol/codec.js';
import { ClientErrors, CloseReasons, type ClientError, type CloseReason } from '../protocol/errors.js';
import { Frame } from '../protocol/frame.js';
import type { Transport, TransportListener } from './transport.js';
import { handleClientEvent } from './client-events.js';
import { logConnectionClosed, logConnectionOpened } from './client-log.js';
import { tapConnectionClosed, tapConnectionOpened } from './debug-entries.js';
import type { AppCounters } from './core-counters.js';
import type { EngineContext } from './engine-context.js';
import type { Subscriber } from './hub.js';
import { handleSignin, releaseSignin, type SignedInUser } from './signin.js';
import { handleSubscribe, handleUnsubscribe, leaveChannel } from './subscriptions.js';
import { TokenBucket } from '../shared/token-bucket.js';

export interface Subscription {
  readonly channel: string;
  readonly type: ChannelType;
  /** The member this connection joined as, on presence channels. */
  readonly member: PresenceMember | undefined;
}

/** Inbound messages queued behind a slow one before the transport is paused. */
const INBOX_HIGH_WATER = 64;
const PONG_FRAME = new Frame(PONG_TEXT);
const PING_FRAME = new Frame(PING_TEXT);

export class Connection implements Subscriber, TransportListener {
  readonly socketId: string;
  /** The Origin header the client connected with (the debug console shows it). */
  readonly origin: string | undefined;
  /** Replaced when the app changes while connected (Engine.applyAppChange); the id never changes. */
  app: App;
  readonly transport: Transport;
  readonly context: EngineContext;
  /** This connection's app's traffic totals (metrics). */
  readonly counters: AppCounters;
  /** Confirmed subscriptions, by channel name. */
  readonly subscriptions = new Map<string, Subscription>();
  user: SignedInUser | undefined;
  readonly openedAt: number;
  lastActivityAt: number;
  /** Set while a server ping awaits any reply. */
  pingSentAt: number | undefined;

  #busy = false;
  #inbox: string[] = [];
  #paused = false;
  #closing = false;
  #transportClosed = false;
  #released = false;
  #clientEventBucket: TokenBucket | undefined;
  readonly #done: Promise<void>;
  #resolveDone!: () => void;

  constructor(context: EngineContext, app: App, transport: Transport, socketId: string, origin?: string) {
    this.context = context;
    this.origin = origin;
    this.app = app;
    this.transport = transport;
    this.socketId = socketId;
    this.counters = context.counters.app(app.id);
    this.openedAt = context.now();
    this.lastActivityAt = this.openedAt;
    this.#done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** Resolves once the connection has closed and released all it held. */
  get done(): Promise<void> {
    return this.#done;
  }

  get closing(): boolean {
    return this.#closing || this.#transportClosed || this.transport.closing;
  }

  /**
   * True while a message waits on cluster state (a subscribe, unsubscribe or sign-in in flight):
   * until it settles, `subscriptions` and `user` may not yet match what the state holds.
   */
  get busy(): boolean {
    return this.#busy;
  }

  start(): void {
    this.counters.connectionOpened(this.transport.name);
    logConnectionOpened(this);
    tapConnectionOpened(this);
    this.send(new Frame(encodeConnectionEstablished(this.socketId, this.context.settings.activityTimeoutSeconds)));
    this.transport.attach(this);
  }

  send(frame: Frame): void {
    this.counters.sentBytes += frame.size;
    this.transport.send(frame);
  }

  sendError(error: ClientError, message: string = error.message): void {
    this.send(new Frame(encodeError(error.code, message)));
  }

  /** Closes from the server side: `pusher:error` with the code, then the close frame. */
  close(reason: CloseReason): void {
    if (this.closing) return;
    this.#closing = true;
    this.send(new Frame(encodeError(reason.code, reason.message)));
    this.transport.close(reason.code, reason.message);
  }

  ping(now: number): void {
    this.pingSentAt = now;
    this.send(PING_FRAME);
  }

  /** Client events allowed right now under the per-connection rate limit. */
  takeClientEventToken(): boolean {
    this.#clientEventBucket ??= new TokenBucket(this.app.clientEventsPerSecond, 1000, this.context.now);
    return this.#clientEventBucket.take();
  }

  // ---- TransportListener ---------------------------------------------------------------------

  onText(text: string): void {
    this.counters.receivedBytes += text.length;
    this.onActivity();
    if (this.#transportClosed) return;
    if (this.#busy) {
      this.#inbox.push(text);
      if (this.#inbox.length >= INBOX_HIGH_WATER && !this.#paused) {
        this.#paused = true;
        this.transport.pause();
      }
      return;
    }
    this.#process(text);
  }

  onUnsupported(): void {
    this.onActivity();
    this.sendError(ClientErrors.binaryFrame);
  }

  onActivity(): void {
    this.lastActivityAt = this.context.now();
    this.pingSentAt = undefined;
  }

  onClose(code: number, reason: string): void {
    if (this.#transportClosed) return;
    this.#transportClosed = true;
    this.counters.connectionClosed(this.transport.name, code);
    logConnectionClosed(this, code, reason);
    tapConnectionClosed(this, code, reason);
    if (code === CloseReasons.slowConsumer.code) this.counters.slowConsumerCloses += 1;
    this.#inbox = [];
    if (!this.#busy) void this.#release();
  }

  // ---- inbound processing --------------------------------------------------------------------

  #process(text: string): void {
    let pending: Promise<void> | undefined;
    try {
      pending = this.#dispatch(text);
    } catch (error) {
      this.#internalError(error);
      return;
    }
    if (pending === undefined) return;
    this.#busy = true;
    pending
      .catch((error: unknown) => this.#internalError(error))
      .finally(() => {
        this.#busy = false;
        this.#drain();
      });
  }

  #drain(): void {
    while (!this.#busy && this.#inbox.length > 0 && !this.#transportClosed) {
      this.#process(this.#inbox.shift() as string);
    }
    if (this.#busy) return;
    if (this.#paused) {
      this.#paused = false;
      this.transport.resume();
    }
    if (this.#transportClosed) void this.#release();
  }

  /** Handles one message; returns a promise only when it must wait on cluster state. */
  #dispatch(text: string): Promise<void> | undefined {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.sendError(parsed.error);
      return undefined;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'ping':
        this.send(PONG_FRAME);
        return undefined;
      case 'pong':
        return undefined;
      case 'subscribe':
        return handleSubscribe(this, message);
      case 'unsubscribe':
        return handleUnsubscribe(this, message.channel);
      case 'signin':
        return handleSignin(this, message);
      case 'client-event':
        handleClientEvent(this, message);
        return undefined;
    }
  }

  #internalError(error: unknown): void {
    this.context.logger.error({ err: error, socketId: this.socketId, app: this.app.id }, 'message handling failed');
    this.sendError(ClientErrors.internal);
  }

  /** Leaves every channel, signs out and unregisters; runs once, after in-flight work. */
  async #release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      const leaving = [...this.subscriptions.values()].map((subscription) => leaveChannel(this, subscription));
      await Promise.all([...leaving, releaseSignin(this)]);
      const { app, socketId } = this;
      await this.context.counters.timeStateOperation('connections.remove', () => this.context.state.connections.remove(app.id, socketId));
    } catch (error) {
      this.context.logger.error({ err: error, socketId: this.socketId }, 'could not release a closed connection');
    } finally {
      this.context.forget(this);
      this.#resolveDone();
    }
  }
}
