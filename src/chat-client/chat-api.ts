/**
 * The client API over fetch, as the token's user: the token comes from the app's token provider,
 * is reused until the server says it expired (then fetched again, and the request retried once),
 * and every request has a deadline.
 */
import type { MemberRoom, Message, MessagePage, MessagePart, Room } from './types.js';

export class ChatApiError extends Error {
  override readonly name = 'ChatApiError';
  readonly status: number;
  readonly code: string;
  /** Seconds, for 429 and 503. */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: string, message: string, retryAfter: number | undefined) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export interface ChatApiOptions {
  /** http(s)://host:port of Switchboard. */
  readonly url: string;
  readonly appId: string;
  /** Asks the app backend for a token (createChatToken there). */
  readonly tokenProvider: () => Promise<string>;
  /** Milliseconds each request may take (default 10 000). */
  readonly timeoutMs?: number;
}

export class ChatApi {
  readonly #options: ChatApiOptions;
  #token: Promise<string> | undefined;

  constructor(options: ChatApiOptions) {
    this.#options = options;
  }

  token(): Promise<string> {
    this.#token ??= this.#options.tokenProvider().catch((error: unknown) => {
      this.#token = undefined;
      throw error;
    });
    return this.#token;
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown, form?: URLSearchParams): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.token();
      const response = await fetch(`${this.#options.url}/apps/${encodeURIComponent(this.#options.appId)}/chat/client${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(form !== undefined ? { body: form.toString() } : body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
      const text = await response.text();
      if (response.ok) return JSON.parse(text) as T;
      let error: { error?: string; code?: string } = {};
      try {
        error = JSON.parse(text) as typeof error;
      } catch {
        // Not JSON (a proxy's page): the status says enough.
      }
      const code = error.code ?? `HTTP_${response.status}`;
      if (code === 'SB_CHAT_TOKEN_EXPIRED' && attempt === 0) {
        this.#token = undefined;
        continue;
      }
      const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
      throw new ChatApiError(response.status, code, error.error ?? response.statusText, Number.isFinite(retryAfter) ? retryAfter : undefined);
    }
  }

  rooms(): Promise<readonly MemberRoom[]> {
    return this.request<{ rooms: MemberRoom[] }>('GET', '/rooms').then((body) => body.rooms);
  }

  publicRooms(): Promise<readonly Room[]> {
    return this.request<{ rooms: Room[] }>('GET', '/public-rooms').then((body) => body.rooms);
  }

  createRoom(room: { id?: string; name?: string; private?: boolean; custom_data?: Record<string, unknown>; user_ids?: string[] }): Promise<Room> {
    return this.request<{ room: Room }>('POST', '/rooms', room).then((body) => body.room);
  }

  join(roomId: string): Promise<Room> {
    return this.request<{ room: Room }>('POST', `/rooms/${encodeURIComponent(roomId)}/join`).then((body) => body.room);
  }

  async leave(roomId: string): Promise<void> {
    await this.request('POST', `/rooms/${encodeURIComponent(roomId)}/leave`);
  }

  send(roomId: string, parts: readonly MessagePart[], clientKey: string): Promise<{ message: Message; created: boolean }> {
    return this.request('POST', `/rooms/${encodeURIComponent(roomId)}/messages`, { parts, client_key: clientKey });
  }

  messages(roomId: string, query: { after?: number; before?: number; limit?: number }): Promise<MessagePage> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) search.set(name, String(value));
    return this.request('GET', `/rooms/${encodeURIComponent(roomId)}/messages?${search.toString()}`);
  }

  edit(roomId: string, messageId: number, parts: readonly MessagePart[]): Promise<Message> {
    return this.request<{ message: Message }>('POST', `/rooms/${encodeURIComponent(roomId)}/messages/${messageId}`, { parts }).then((body) => body.message);
  }

  delete(roomId: string, messageId: number): Promise<Message> {
    return this.request<{ message: Message }>('POST', `/rooms/${encodeURIComponent(roomId)}/messages/${messageId}/delete`).then((body) => body.message);
  }

  setCursor(roomId: string, position: number): Promise<number> {
    return this.request<{ position: number }>('POST', `/rooms/${encodeURIComponent(roomId)}/cursor`, { position }).then((body) => body.position);
  }

  async typing(roomId: string): Promise<void> {
    await this.request('POST', `/rooms/${encodeURIComponent(roomId)}/typing`);
  }

  authorize(socketId: string, channelName: string): Promise<{ auth: string; channel_data?: string }> {
    return this.request('POST', '/auth', undefined, new URLSearchParams({ socket_id: socketId, channel_name: channelName }));
  }
}
