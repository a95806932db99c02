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
import type { ConnectionServices } from './connection-services.js';
import { tapConnectionClosed, tapConnectionOpened } from './debug-entries.js';
import type { AppCounters } from './core-counters.js';
import type { Subscriber } from './hub.js';
import { Inbox, type InboxOwner } from './inbox.js';
import { handleSignin, releaseSignin, type SignedInUser } from './signin.js';
import { handleSubscribe, handleUnsubscribe, leaveChannel } from './subscriptions.js';
import { TokenBucket } from '../shared/token-bucket.js';

export interface Subscription {
  readonly channel: string;
  readonly type: ChannelType;
  /** The member this connection joined as, on presence channels. */
  readonly member: PresenceMember | undefined;
}

const PONG_FRAME = new Frame(PONG_TEXT);
const PING_FRAME = new Frame(PING_TEXT);

/**
 * A connection's life, in order; it only moves forward. Whether a message is in flight is the
 * inbox's own state (inbox.ts): a message may still be settling while the connection closes.
 */
const enum ConnectionState {
  /** Messages are handled; frames are sent. */
  Open,
  /** The server closed it (close()); the transport has not reported the close yet. */
  Closing,
  /** The transport reported the close: inbound is ignored; in-flight work settles, then release. */
  Closed,
  /** Everything it held is released (cluster state, routes, hub); `done` has resolved. */
  Released,
}

export class Connection implements Subscriber, TransportListener {
  readonly socketId: string;
  /** The Origin header the client connected with (the debug console shows it). */
  readonly origin: string | undefined;
  readonly transport: Transport;
  /** This connection's app's traffic totals (metrics). */
  readonly counters: AppCounters;
  readonly openedAt: number;

  readonly #services: ConnectionServices;
  #app: App;
  #state = ConnectionState.Open;
  readonly #inbox: Inbox;
  /** Confirmed subscriptions, by channel name. */
  readonly #subscriptions = new Map<string, Subscription>();
  #user: SignedInUser | undefined;
  #lastActivityAt: number;
  #pingSentAt: number | undefined;
  #clientEventBucket: TokenBucket | undefined;
  readonly #done: Promise<void>;
  #resolveDone!: () => void;

  constructor(services: ConnectionServices, app: App, transport: Transport, socketId: string, origin?: string) {
    this.#services = services;
    this.origin = origin;
    this.#app = app;
    this.transport = transport;
    this.socketId = socketId;
    this.counters = services.counters.app(app.id);
    this.openedAt = services.now();
    this.#lastActivityAt = this.openedAt;
    this.#inbox = new Inbox(this.#inboxOwner);
    this.#done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  // ---- what others read ----------------------------------------------------------------------

  /** Replaced when the app changes while connected (updateApp); the id never changes. */
  get app(): App {
    return this.#app;
  }

  /** Confirmed subscriptions, by channel name; changed only by subscribed() and unsubscribed(). */
  get subscriptions(): ReadonlyMap<string, Subscription> {
    return this.#subscriptions;
  }

  /** The signed-in user, from signedIn() on. */
  get user(): SignedInUser | undefined {
    return this.#user;
  }

  get lastActivityAt(): number {
    return this.#lastActivityAt;
  }

  /** Set while a server ping awaits any reply. */
  get pingSentAt(): number | undefined {
    return this.#pingSentAt;
  }

  /** Resolves once the connection has closed and released all it held. */
  get done(): Promise<void> {
    return this.#done;
  }

  get closing(): boolean {
    return this.#state !== ConnectionState.Open || this.transport.closing;
  }

  /**
   * True while a message waits on cluster state (a subscribe, unsubscribe or sign-in in flight):
   * until it settles, `subscriptions` and `user` may not yet match what the state holds.
   */
  get busy(): boolean {
    return this.#inbox.busy;
  }

  // ---- transitions ---------------------------------------------------------------------------

  start(): void {
    const { logger, tap, settings } = this.#services;
    this.counters.connectionOpened(this.transport.name);
    logConnectionOpened(logger, this);
    tapConnectionOpened(tap, this);
    this.send(new Frame(encodeConnectionEstablished(this.socketId, settings.activityTimeoutSeconds)));
    this.transport.attach(this);
  }

  /** The app was changed while connected (same id): later messages follow its new settings. */
  updateApp(app: App): void {
    this.#app = app;
  }

  /** A subscription confirmed by cluster state (subscriptions.ts). */
  subscribed(subscription: Subscription): void {
    this.#subscriptions.set(subscription.channel, subscription);
  }

  /** A subscription left (by the client, or on release). */
  unsubscribed(channel: string): void {
    this.#subscriptions.delete(channel);
  }

  /** The sign-in completed (signin.ts); a connection signs in at most once. */
  signedIn(user: SignedInUser): void {
    this.#user = user;
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
    this.#state = ConnectionState.Closing;
    this.send(new Frame(encodeError(reason.code, reason.message)));
    this.transport.close(reason.code, reason.message);
  }

  ping(now: number): void {
    this.#pingSentAt = now;
    this.send(PING_FRAME);
  }

  /** Client events allowed right now under the per-connection rate limit. */
  takeClientEventToken(): boolean {
    this.#clientEventBucket ??= new TokenBucket(this.#app.clientEventsPerSecond, 1000, this.#services.now);
    return this.#clientEventBucket.take();
  }

  // ---- TransportListener ---------------------------------------------------------------------

  onText(text: string): void {
    this.counters.receivedBytes += text.length;
    this.onActivity();
    if (this.#state >= ConnectionState.Closed) return;
    this.#inbox.push(text);
  }

  onUnsupported(): void {
    this.onActivity();
    this.sendError(ClientErrors.binaryFrame);
  }

  onActivity(): void {
    this.#lastActivityAt = this.#services.now();
    this.#pingSentAt = undefined;
  }

  onClose(code: number, reason: string): void {
    if (this.#state >= ConnectionState.Closed) return;
    this.#state = ConnectionState.Closed;
    const { logger, tap, now } = this.#services;
    this.counters.connectionClosed(this.transport.name, code);
    logConnectionClosed(logger, now, this, code, reason);
    tapConnectionClosed(tap, this, code, reason);
    if (code === CloseReasons.slowConsumer.code) this.counters.slowConsumerCloses += 1;
    this.#inbox.clear();
    if (!this.#inbox.busy) void this.#release();
  }

  // ---- inbound processing --------------------------------------------------------------------

  readonly #inboxOwner: InboxOwner = {
    dispatch: (text) => this.#dispatch(text),
    failed: (error) => this.#internalError(error),
    pause: () => this.transport.pause(),
    resume: () => this.transport.resume(),
    idle: () => {
      if (this.#state === ConnectionState.Closed) void this.#release();
    },
  };

  /** Handles one message; returns a promise only when it must wait on cluster state. */
  #dispatch(text: string): Promise<void> | undefined {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.sendError(parsed.error);
      return undefined;
    }
    const message = parsed.message;
    const services = this.#services;
    switch (message.type) {
      case 'ping':
        this.send(PONG_FRAME);
        return undefined;
      case 'pong':
        return undefined;
      case 'subscribe':
        return handleSubscribe(services.subscribe, this, message);
      case 'unsubscribe':
        return handleUnsubscribe(services.subscribe, this, message.channel);
      case 'signin':
        return handleSignin(services.signin, this, message);
      case 'client-event':
        handleClientEvent(services.clientEvents, this, message);
        return undefined;
    }
  }

  #internalError(error: unknown): void {
    this.#services.logger.error({ err: error, socketId: this.socketId, app: this.#app.id }, 'message handling failed');
    this.sendError(ClientErrors.internal);
  }

  /** Leaves every channel, signs out and unregisters; runs once, after in-flight work. */
  async #release(): Promise<void> {
    if (this.#state === ConnectionState.Released) return;
    this.#state = ConnectionState.Released;
    const services = this.#services;
    try {
      const leaving = [...this.#subscriptions.values()].map((subscription) => leaveChannel(services.subscribe, this, subscription));
      await Promise.all([...leaving, releaseSignin(services.signin, this)]);
      const { socketId } = this;
      const appId = this.#app.id;
      await services.counters.timeStateOperation('connections.remove', () => services.state.connections.remove(appId, socketId));
    } catch (error) {
      services.logger.error({ err: error, socketId: this.socketId }, 'could not release a closed connection');
    } finally {
      services.forget(this);
      this.#resolveDone();
    }
  }
}
