/**
 * The chat client SDK, on top of an unmodified pusher-js: one connection for every room of one
 * user. The app passes its pusher-js constructor (the SDK imports nothing, so it runs wherever
 * pusher-js does) and a token provider that asks the app backend for a user token.
 *
 *   const chat = new ChatClient({ Pusher, url: 'https://chat.example.com', appId, key, tokenProvider });
 *   const room = chat.subscribe('general', { onMessage: (message) => render(message) });
 *   await chat.sendText('general', 'hello');
 */
import { ChatApi } from './chat-api.js';
import { RoomSubscription, type RoomHooks, type RoomOptions } from './room-subscription.js';
import type { AuthorizerCallback, MemberRoom, Message, MessagePage, MessagePart, PusherConstructor, PusherLike, Room } from './types.js';

export interface ChatClientOptions {
  /** pusher-js's `Pusher` (the module's default export, or `window.Pusher`). */
  readonly Pusher: PusherConstructor;
  /** http(s)://host[:port] of Switchboard (the HTTP API and, by default, the WebSocket). */
  readonly url: string;
  readonly appId: string;
  /** The app key (pusher-js connects with it). */
  readonly key: string;
  /** Resolves with a user token from the app backend; called again when it expires. */
  readonly tokenProvider: () => Promise<string>;
  /** Extra pusher-js options (transports, activityTimeout, ...); host and authorization are set by the SDK. */
  readonly pusherOptions?: Record<string, unknown>;
  /** Milliseconds each HTTP request may take (default 10 000). */
  readonly timeoutMs?: number;
}

/** Sends that fail on the way (network, 5xx) are retried with the same client key this many times. */
const SEND_ATTEMPTS = 4;
/** A typing event per room at most this often. */
const TYPING_EVERY_MS = 2_000;

export class ChatClient {
  readonly api: ChatApi;
  readonly pusher: PusherLike;
  readonly #rooms = new Map<string, RoomSubscription>();
  readonly #typingAt = new Map<string, number>();

  constructor(options: ChatClientOptions) {
    this.api = new ChatApi({ url: options.url, appId: options.appId, tokenProvider: options.tokenProvider, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
    const location = new URL(options.url);
    const tls = location.protocol === 'https:';
    const port = Number(location.port || (tls ? 443 : 80));
    this.pusher = new options.Pusher(options.key, {
      cluster: 'switchboard',
      wsHost: location.hostname,
      wsPort: port,
      wssPort: port,
      httpHost: location.hostname,
      httpPort: port,
      httpsPort: port,
      forceTLS: tls,
      ...options.pusherOptions,
      channelAuthorization: {
        endpoint: '/unused',
        transport: 'ajax',
        customHandler: ({ socketId, channelName }: { socketId: string; channelName: string }, callback: AuthorizerCallback) => {
          this.api.authorize(socketId, channelName).then(
            (data) => callback(null, data),
            (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
          );
        },
      },
    });
  }

  /** The user's rooms with role, read cursor and unread count (one request). */
  rooms(): Promise<readonly MemberRoom[]> {
    return this.api.rooms();
  }

  publicRooms(): Promise<readonly Room[]> {
    return this.api.publicRooms();
  }

  createRoom(room: Parameters<ChatApi['createRoom']>[0]): Promise<Room> {
    return this.api.createRoom(room);
  }

  joinRoom(roomId: string): Promise<Room> {
    return this.api.join(roomId);
  }

  leaveRoom(roomId: string): Promise<void> {
    this.unsubscribe(roomId);
    return this.api.leave(roomId);
  }

  /** Subscribes to a room: hooks get every message once, in order (see RoomSubscription). */
  subscribe(roomId: string, hooks: RoomHooks, options?: RoomOptions): RoomSubscription {
    this.unsubscribe(roomId);
    const room = new RoomSubscription(this.api, this.pusher, roomId, hooks, options);
    this.#rooms.set(roomId, room);
    room.start();
    return room;
  }

  unsubscribe(roomId: string): void {
    this.#rooms.get(roomId)?.close();
    this.#rooms.delete(roomId);
  }

  /**
   * Sends a message. The client key (a fresh one unless given) makes retries safe: a send that
   * failed on the way is retried with the same key, and the server stores it once.
   */
  async send(roomId: string, parts: readonly MessagePart[], clientKey: string = randomKey()): Promise<Message> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await this.api.send(roomId, parts, clientKey)).message;
      } catch (error) {
        const status = (error as { status?: unknown }).status;
        const retriable = typeof status !== 'number' || status >= 500;
        if (!retriable || attempt >= SEND_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }

  sendText(roomId: string, text: string, clientKey?: string): Promise<Message> {
    return this.send(roomId, [{ type: 'text/plain', content: text }], clientKey);
  }

  /** Older messages: the page before `before` (the newest page when absent), oldest first. */
  fetchMessages(roomId: string, query: { before?: number; limit?: number } = {}): Promise<MessagePage> {
    return this.api.messages(roomId, query);
  }

  editMessage(roomId: string, messageId: number, parts: readonly MessagePart[]): Promise<Message> {
    return this.api.edit(roomId, messageId, parts);
  }

  deleteMessage(roomId: string, messageId: number): Promise<Message> {
    return this.api.delete(roomId, messageId);
  }

  /** Moves the read cursor forward (never back); resolves with the cursor after. */
  setReadCursor(roomId: string, position: number): Promise<number> {
    return this.api.setCursor(roomId, position);
  }

  /** Tells the room this user is typing; sent at most every 2 s per room, however often it is called. */
  async isTyping(roomId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.#typingAt.get(roomId) ?? 0) < TYPING_EVERY_MS) return;
    this.#typingAt.set(roomId, now);
    await this.api.typing(roomId);
  }

  disconnect(): void {
    for (const room of this.#rooms.values()) room.close();
    this.#rooms.clear();
    this.pusher.disconnect();
  }
}

function randomKey(): string {
  return globalThis.crypto.randomUUID();
}
