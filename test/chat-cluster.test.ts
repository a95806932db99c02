/**
 * Chat on a two-node cluster (Redis bus and state, PostgreSQL storage in a schema of its own):
 * messages sent through either node reach readers on both, in order and once; presence in a room
 * spans the nodes, so a member online on the other node is not reported offline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChatClient } from '../src/chat-client/chat-client.js';
import { backend, CHAT_APP, chatClient, roomWith } from './helpers/chat.js';
import { deleteRedisPrefix, REDIS_URL, uniquePrefix } from './helpers/services.js';
import { startServer, type TestServer } from './helpers/server.js';
import { dropPostgresSchema, POSTGRES_URL, uniquePostgresSchema } from './helpers/storage.js';
import { Waiters } from './helpers/wait.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

const text = (content: string) => [{ type: 'text/plain', content }];

describe('chat on a two-node cluster (Redis, PostgreSQL)', () => {
  const schema = uniquePostgresSchema('chatcluster');
  const prefix = uniquePrefix('chatcluster');
  let nodes: TestServer[] = [];
  let hooks: WebhookReceiver;
  const clients: ChatClient[] = [];

  before(async () => {
    hooks = await WebhookReceiver.start();
    const config = {
      redis: { url: REDIS_URL, keyPrefix: prefix },
      storage: { url: POSTGRES_URL, schema },
      webhooks: { batchWindowMs: 10 },
      apps: [{ ...CHAT_APP, chat: { messagesPerSecond: 10_000 }, webhooks: [{ url: hooks.url('/hook'), events: ['chat_offline_message' as const] }] }],
    };
    nodes = [await startServer(config), await startServer(config)];
  });

  after(async () => {
    for (const client of clients) client.disconnect();
    for (const node of nodes) await node.close();
    await hooks.close();
    await deleteRedisPrefix(prefix);
    await dropPostgresSchema(schema);
  });

  it('delivers messages sent through either node to readers on both, in order, once; presence spans the nodes', async () => {
    const [first, second] = nodes;
    if (first === undefined || second === undefined) throw new Error('two nodes');
    const apiFirst = backend(first);
    const apiSecond = backend(second);
    await roomWith(apiFirst, 'c-room', ['c-ann', 'c-bob', 'c-cid']);
    const waiters = new Waiters();
    const received: Record<string, number[]> = { 'c-ann': [], 'c-bob': [] };
    const online: Record<string, readonly string[]> = {};
    for (const [user, node] of [['c-ann', first], ['c-bob', second]] as const) {
      const client = chatClient(node, user);
      clients.push(client);
      client.subscribe(
        'c-room',
        {
          onMessage: (message) => {
            received[user]?.push(message.id);
            waiters.notify();
          },
          onPresence: (members) => {
            online[user] = members;
            waiters.notify();
          },
        },
        { after: 0 },
      );
    }
    await waiters.until(() => (online['c-ann']?.length ?? 0) === 2 && (online['c-bob']?.length ?? 0) === 2);
    for (let index = 0; index < 200; index += 1) {
      const api = index % 2 === 0 ? apiFirst : apiSecond;
      const sent = await api.post('/rooms/c-room/messages', { sender_id: index % 3 === 0 ? 'c-cid' : 'c-ann', parts: text(`${index}`) });
      assert.equal(sent.status, 200);
    }
    await waiters.until(() => received['c-ann']?.length === 200 && received['c-bob']?.length === 200);
    const expected = Array.from({ length: 200 }, (_, index) => index + 1);
    assert.deepEqual(received['c-ann'], expected);
    assert.deepEqual(received['c-bob'], expected);
    // c-cid never connected: the only member reported offline (c-bob is online on the other node).
    const offline = await hooks.event({ name: 'chat_offline_message', room_id: 'c-room', message_id: 2 });
    assert.deepEqual(offline['user_ids'], ['c-cid']);
  });
});
