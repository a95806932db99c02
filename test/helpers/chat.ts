/**
 * Chat in tests: a server with a chat app on a given storage, the `pusher` SDK as the app backend
 * (its own get/post), the client API as a user, and the client SDK on the node pusher-js.
 */
import type { ConfigInput } from '../../src/config/schema.js';
import { ChatApi } from '../../src/chat-client/chat-api.js';
import { ChatClient } from '../../src/chat-client/chat-client.js';
import type { PusherConstructor } from '../../src/chat-client/types.js';
import { createChatToken } from '../../src/chat/chat-token.js';
import { PusherClient, sdkFor } from './pusher.js';
import { startServer, type TestApp, type TestServer } from './server.js';

export const CHAT_APP: TestApp = { id: 'chat-app', key: 'chat-key', secret: 'chat-secret' };

export interface ChatStorage {
  readonly url: string;
  readonly schema?: string;
}

export function chatServer(storage: ChatStorage, chat: Record<string, unknown> = {}, overrides: Partial<ConfigInput> = {}): Promise<TestServer> {
  return startServer({
    apps: [{ ...CHAT_APP, chat: { ...chat } }],
    storage: { url: storage.url, ...(storage.schema === undefined ? {} : { schema: storage.schema }) },
    ...overrides,
  });
}

export interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

/**
 * The app backend: the official SDK's get/post, signed as the Pusher HTTP API. The SDK rejects
 * on 4xx/5xx with the status and body; both outcomes come back as an Answer.
 */
export function backend(server: TestServer, app: TestApp = CHAT_APP) {
  const sdk = sdkFor(server, app);
  const settle = async <T>(request: Promise<{ status: number; text(): Promise<string> }>): Promise<Answer<T>> => {
    try {
      const response = await request;
      return { status: response.status, body: JSON.parse(await response.text()) as T };
    } catch (error) {
      const failed = error as { status?: number; body?: string };
      if (typeof failed.status !== 'number' || typeof failed.body !== 'string') throw error;
      return { status: failed.status, body: JSON.parse(failed.body) as T };
    }
  };
  return {
    get: <T = Record<string, unknown>>(path: string, params: Record<string, unknown> = {}): Promise<Answer<T>> =>
      settle<T>(sdk.get({ path: `/chat${path}`, params })),
    // The SDK JSON-encodes the body itself (its typings say string).
    post: <T = Record<string, unknown>>(path: string, body: unknown = {}): Promise<Answer<T>> =>
      settle<T>(sdk.post({ path: `/chat${path}`, body: body as string })),
  };
}

export type Backend = ReturnType<typeof backend>;

export function tokenFor(userId: string, ttlSeconds = 600, app: TestApp = CHAT_APP): string {
  return createChatToken({ appId: app.id, secret: app.secret, userId, ttlSeconds });
}

export function userApi(server: TestServer, userId: string): ChatApi {
  return new ChatApi({ url: server.httpUrl, appId: CHAT_APP.id, tokenProvider: () => Promise.resolve(tokenFor(userId)) });
}

/** Raw client request with any token (for bad input tests). */
export async function clientRequest(server: TestServer, method: 'GET' | 'POST', path: string, token: string | undefined, body?: string): Promise<Answer> {
  const response = await fetch(`${server.httpUrl}/apps/${CHAT_APP.id}/chat/client${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export function chatClient(server: TestServer, userId: string, pusherOptions: Record<string, unknown> = {}, url = server.httpUrl): ChatClient {
  return new ChatClient({
    Pusher: PusherClient as unknown as PusherConstructor,
    url,
    appId: CHAT_APP.id,
    key: CHAT_APP.key,
    tokenProvider: () => Promise.resolve(tokenFor(userId)),
    pusherOptions: { enabledTransports: ['ws'], ...pusherOptions },
  });
}

/** Creates users and a room with them as members (the first one admin). */
export async function roomWith(api: Backend, roomId: string, userIds: readonly string[], extra: Record<string, unknown> = {}): Promise<void> {
  for (const id of userIds) {
    const created = await api.post('/users', { id, name: `User ${id}` });
    if (created.status !== 201 && created.status !== 409) throw new Error(`user ${id}: ${JSON.stringify(created)}`);
  }
  const [creator, ...others] = userIds;
  const room = await api.post('/rooms', { id: roomId, name: roomId, creator_id: creator, user_ids: others, ...extra });
  if (room.status !== 201) throw new Error(`room ${roomId}: ${JSON.stringify(room)}`);
}

/** The client's current socket id: pusher-js's `connection.socket_id` (the SDK's types leave it out). */
export function socketIdOf(client: ChatClient): string | undefined {
  return (client.pusher.connection as { readonly socket_id?: string }).socket_id;
}
