/**
 * The gap-free chat tests' fixture: a chat server on SQLite in a temporary folder, its backend
 * API, and a proxy that can cut every reader's WebSocket at once (readers connect through it; the
 * HTTP API goes direct).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatClient } from '../../src/chat-client/chat-client.js';
import { backend, chatClient, chatServer, type Backend } from './chat.js';
import { startCutProxy, type CutProxy } from './cut-proxy.js';
import type { TestServer } from './server.js';

export interface CutFixture {
  /** The temporary folder holding the SQLite file `chat.db`. */
  readonly directory: string;
  readonly server: TestServer;
  readonly api: Backend;
  readonly proxy: CutProxy;
  /** A reader whose WebSocket goes through the proxy; disconnected by `close`. */
  reader(userId: string): ChatClient;
  /** Disconnects `client` at `close` too. */
  track(client: ChatClient): ChatClient;
  /** Sends `count` text messages as `sender`, one after the other; `onEach` sees each stored id. */
  send(room: string, sender: string, count: number, onEach?: (id: number) => void): Promise<void>;
  close(): Promise<void>;
}

export const text = (content: string) => [{ type: 'text/plain', content }];

/** The integers from `from` to `to`, both included. */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, index) => from + index);

export async function startCutFixture(label: string): Promise<CutFixture> {
  const directory = await mkdtemp(join(tmpdir(), `sb-chat-${label}-`));
  const server = await chatServer({ url: `sqlite:${join(directory, 'chat.db')}` }, { messagesPerSecond: 100_000 });
  const api = backend(server);
  const proxy = await startCutProxy(server.port);
  const clients: ChatClient[] = [];
  const track = (client: ChatClient): ChatClient => {
    clients.push(client);
    return client;
  };
  return {
    directory,
    server,
    api,
    proxy,
    track,
    reader: (userId) => track(chatClient(server, userId, { wsHost: '127.0.0.1', wsPort: proxy.port })),
    async send(room, sender, count, onEach) {
      for (let index = 0; index < count; index += 1) {
        const sent = await api.post<{ message: { id: number } }>(`/rooms/${room}/messages`, { sender_id: sender, parts: text(`${index}`) });
        assert.equal(sent.status, 200);
        onEach?.(sent.body.message.id);
      }
    },
    async close() {
      for (const client of clients) client.disconnect();
      await proxy.close();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
