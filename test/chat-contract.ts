/**
 * The chat contract, run on every storage (test/chat-sqlite.test.ts, test/chat-postgres.test.ts):
 * the backend API through the `pusher` SDK's get/post, the client API with user tokens, roles,
 * limits, idempotent sends, cursors and unread counts, bad input (clear 4xx, nothing stored), and
 * the realtime side through pusher-js (room channel authorized from membership, events, presence,
 * webhooks).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChatApiError } from '../src/chat-client/chat-api.js';
import type { Message } from '../src/chat-client/types.js';
import type { OfflineMessage } from '../src/chat/chat-realtime.js';
import { createChatToken } from '../src/chat/chat-token.js';
import { backend, chatClient, chatServer, clientRequest, roomWith, tokenFor, userApi, type Backend, type ChatStorage } from './helpers/chat.js';
import type { TestServer } from './helpers/server.js';
import { Waiters } from './helpers/wait.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

const text = (content: string) => [{ type: 'text/plain', content }];

export function chatContract(name: string, storage: () => Promise<ChatStorage>): void {
  describe(`chat contract: ${name}`, () => {
    let server: TestServer;
    let api: Backend;
    let hooks: WebhookReceiver;

    before(async () => {
      hooks = await WebhookReceiver.start();
      server = await chatServer(await storage(), {}, {
        webhooks: { batchWindowMs: 10 },
        apps: [
          {
            id: 'chat-app',
            key: 'chat-key',
            secret: 'chat-secret',
            chat: { maxMembersPerRoom: 6, maxRoomsPerUser: 4, messagesPerSecond: 20, maxPartsPerMessage: 3, maxMessageBytes: 2_048 },
            webhooks: [{ url: hooks.url('/hook'), events: ['chat_message_created', 'chat_member_added', 'chat_member_removed', 'chat_offline_message'] }],
          },
          { id: 'plain-app', key: 'plain-key', secret: 'plain-secret' },
        ],
      });
      api = backend(server);
    });

    after(async () => {
      await server.close();
      await hooks.close();
    });

    it('manages users through the SDK: create, conflict, get, update, unknown', async () => {
      assert.equal((await api.post('/users', { id: 'u-alice', name: 'Alice', custom_data: { team: 'a' } })).status, 201);
      const again = await api.post('/users', { id: 'u-alice' });
      assert.deepEqual([again.status, again.body['code']], [409, 'SB_CHAT_USER_EXISTS']);
      const updated = await api.post('/users/u-alice', { avatar_url: 'https://example.com/a.png', name: null });
      assert.equal(updated.status, 200);
      const got = await api.get<{ user: Record<string, unknown> }>('/users/u-alice');
      assert.deepEqual([got.body.user['name'], got.body.user['avatar_url'], got.body.user['custom_data']], [null, 'https://example.com/a.png', { team: 'a' }]);
      assert.equal((await api.get('/users/nobody')).status, 404);
    });

    it('creates rooms with an admin creator and members; lists members, public rooms and a user\'s rooms', async () => {
      await roomWith(api, 'r-basic', ['b-ann', 'b-bob', 'b-cid']);
      const members = await api.get<{ members: { user_id: string; role: string }[] }>('/rooms/r-basic/members');
      assert.deepEqual(members.body.members.map((member) => [member.user_id, member.role]), [['b-ann', 'admin'], ['b-bob', 'member'], ['b-cid', 'member']]);
      await roomWith(api, 'r-hidden', ['b-ann'], { private: true });
      const publicRooms = await api.get<{ rooms: { id: string }[] }>('/rooms');
      assert.ok(publicRooms.body.rooms.some((room) => room.id === 'r-basic'));
      assert.ok(!publicRooms.body.rooms.some((room) => room.id === 'r-hidden'));
      const rooms = await api.get<{ rooms: { id: string; role: string }[] }>('/users/b-ann/rooms');
      assert.deepEqual(rooms.body.rooms.map((room) => [room.id, room.role]), [['r-basic', 'admin'], ['r-hidden', 'admin']]);
      assert.equal((await api.post('/rooms', { id: 'r-basic' })).status, 409);
      const unknownMember = await api.post('/rooms', { id: 'r-ghost', user_ids: ['nobody'] });
      assert.deepEqual([unknownMember.status, unknownMember.body['code']], [404, 'SB_CHAT_USER_NOT_FOUND']);
      assert.equal((await api.get('/rooms/r-ghost')).status, 404, 'nothing stored');
    });

    it('numbers messages 1..N per room, pages them after, before and newest, and caps pages at 100', async () => {
      await roomWith(api, 'r-pages', ['p-ann', 'p-bob']);
      for (let index = 1; index <= 12; index += 1) {
        const sent = await api.post<{ message: Message }>('/rooms/r-pages/messages', { sender_id: index % 2 === 0 ? 'p-ann' : 'p-bob', parts: text(`m${index}`) });
        assert.equal(sent.body.message.id, index);
      }
      const newest = await api.get<{ messages: Message[]; last_message_id: number }>('/rooms/r-pages/messages', { limit: 5 });
      assert.deepEqual(newest.body.messages.map((message) => message.id), [8, 9, 10, 11, 12]);
      assert.equal(newest.body.last_message_id, 12);
      const older = await api.get<{ messages: Message[] }>('/rooms/r-pages/messages', { before: 8, limit: 3 });
      assert.deepEqual(older.body.messages.map((message) => message.id), [5, 6, 7]);
      const afterPage = await userApi(server, 'p-bob').messages('r-pages', { after: 10 });
      assert.deepEqual(afterPage.messages.map((message) => message.id), [11, 12]);
      assert.equal((await api.get('/rooms/r-pages/messages', { limit: 101 })).status, 400);
      assert.equal((await api.get('/rooms/r-pages/messages', { after: 1, before: 5 })).status, 400);
    });

    it('stores one message per client key, however often the send is retried', async () => {
      await roomWith(api, 'r-idem', ['i-ann', 'i-bob']);
      const client = userApi(server, 'i-ann');
      const sends = await Promise.all([1, 2, 3].map(() => client.send('r-idem', text('once'), 'key-1')));
      assert.deepEqual(new Set(sends.map((sent) => sent.message.id)), new Set([1]));
      assert.equal(sends.filter((sent) => sent.created).length, 1);
      const other = await client.send('r-idem', text('twice'), 'key-2');
      assert.equal(other.message.id, 2);
      // The same key from another sender is another message.
      assert.equal((await userApi(server, 'i-bob').send('r-idem', text('bob'), 'key-1')).message.id, 3);
      const page = await client.messages('r-idem', {});
      assert.deepEqual(page.messages.map((message) => message.id), [1, 2, 3]);
    });

    it('counts unread messages of others after the cursor, for all rooms in one call; cursors only move forward', async () => {
      await roomWith(api, 'r-unread-1', ['n-ann', 'n-bob']);
      await roomWith(api, 'r-unread-2', ['n-ann', 'n-bob']);
      const bob = userApi(server, 'n-bob');
      const ann = userApi(server, 'n-ann');
      for (const content of ['a', 'b', 'c']) await ann.send('r-unread-1', text(content), content);
      await ann.send('r-unread-2', text('x'), 'x');
      await bob.send('r-unread-2', text('own'), 'own');
      const unread = (rooms: readonly { id: string; unread_count: number }[]) => rooms.map((room) => [room.id, room.unread_count]);
      assert.deepEqual(unread(await bob.rooms()), [['r-unread-1', 3], ['r-unread-2', 1]]);
      assert.equal(await bob.setCursor('r-unread-1', 2), 2);
      assert.equal(await bob.setCursor('r-unread-1', 1), 2, 'never back');
      assert.equal(await bob.setCursor('r-unread-1', 99), 3, 'never past the last message');
      assert.deepEqual(unread(await bob.rooms()), [['r-unread-1', 0], ['r-unread-2', 1]]);
    });

    it('enforces roles: readers read, members send and edit their own, moderators delete, admins manage', async () => {
      await roomWith(api, 'r-roles', ['o-adm', 'o-mem', 'o-mod', 'o-rdr']);
      assert.equal((await api.post('/rooms/r-roles/roles', { user_id: 'o-mod', role: 'moderator' })).status, 200);
      assert.equal((await api.post('/rooms/r-roles/roles', { user_id: 'o-rdr', role: 'reader' })).status, 200);
      const [adm, mem, mod, rdr] = [userApi(server, 'o-adm'), userApi(server, 'o-mem'), userApi(server, 'o-mod'), userApi(server, 'o-rdr')];
      const code = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: unknown) => (error instanceof ChatApiError ? `${error.status} ${error.code}` : String(error)));
      assert.equal(await code(rdr.send('r-roles', text('hi'), 'r1')), '403 SB_CHAT_FORBIDDEN');
      assert.equal((await rdr.messages('r-roles', {})).messages.length, 0);
      const sent = await mem.send('r-roles', text('mine'), 'm1');
      assert.equal(await code(mod.edit('r-roles', sent.message.id, text('theirs'))), '403 SB_CHAT_FORBIDDEN');
      assert.equal((await mem.edit('r-roles', sent.message.id, text('mine, edited'))).edited_at !== null, true);
      const second = await adm.send('r-roles', text('admin says'), 'a1');
      assert.equal(await code(mem.delete('r-roles', second.message.id)), '403 SB_CHAT_FORBIDDEN');
      const deleted = await mod.delete('r-roles', second.message.id);
      assert.deepEqual([deleted.id, deleted.parts, deleted.deleted_at !== null], [second.message.id, [], true]);
      assert.equal(await code(mod.delete('r-roles', second.message.id)), '404 SB_CHAT_MESSAGE_NOT_FOUND');
      await api.post('/users', { id: 'o-new' });
      assert.equal(await code(mem.request('POST', '/rooms/r-roles/members/add', { user_ids: ['o-new'] })), '403 SB_CHAT_FORBIDDEN');
      assert.equal(await code(adm.request('POST', '/rooms/r-roles/members/add', { user_ids: ['o-new'] })), 'ok');
      // History keeps the deleted message's id, empty.
      const page = await adm.messages('r-roles', {});
      assert.deepEqual(page.messages.map((message) => [message.id, message.parts.length]), [[1, 1], [2, 0]]);
    });

    it('joins and leaves public rooms; private rooms are joined only by being added', async () => {
      await roomWith(api, 'r-open', ['j-ann']);
      await roomWith(api, 'r-closed', ['j-ann'], { private: true });
      await api.post('/users', { id: 'j-bob' });
      const bob = userApi(server, 'j-bob');
      assert.equal((await bob.join('r-open')).id, 'r-open');
      assert.deepEqual((await bob.rooms()).map((room) => room.id), ['r-open']);
      await assert.rejects(bob.join('r-closed'), (error: unknown) => error instanceof ChatApiError && error.code === 'SB_CHAT_PRIVATE_ROOM');
      await assert.rejects(bob.messages('r-closed', {}), (error: unknown) => error instanceof ChatApiError && error.code === 'SB_CHAT_NOT_MEMBER');
      await bob.leave('r-open');
      assert.deepEqual(await bob.rooms(), []);
    });

    it('enforces the member, room and rate limits with clear 4xx', async () => {
      const users = ['l-1', 'l-2', 'l-3', 'l-4', 'l-5', 'l-6', 'l-7'];
      await roomWith(api, 'r-limit', users.slice(0, 6));
      await api.post('/users', { id: 'l-7' });
      const full = await api.post('/rooms/r-limit/members/add', { user_ids: ['l-7'] });
      assert.deepEqual([full.status, full.body['code']], [409, 'SB_CHAT_ROOM_FULL']);
      for (const room of ['r-lim-a', 'r-lim-b', 'r-lim-c']) await roomWith(api, room, ['l-7']);
      await roomWith(api, 'r-lim-d', ['l-6']);
      const many = await api.post('/rooms/r-lim-d/members/add', { user_ids: ['l-7'] });
      assert.equal(many.status, 200, 'the fourth room is allowed');
      await roomWith(api, 'r-lim-e', ['l-6']);
      const tooMany = await api.post('/rooms/r-lim-e/members/add', { user_ids: ['l-7'] });
      assert.deepEqual([tooMany.status, tooMany.body['code']], [409, 'SB_CHAT_TOO_MANY_ROOMS']);
      // One message per second: of five sends at once, the first passes and the others get 429.
      const strict = await chatServer(await storage(), { messagesPerSecond: 1 });
      try {
        const sender = userApi(strict, 'l-1');
        const outcomes = await Promise.all(
          Array.from({ length: 5 }, (_, index) => sender.send('r-limit', text(`${index}`), `rate-${index}`).then(() => 200, (error: unknown) => error as ChatApiError)),
        );
        const refused = outcomes.filter((outcome): outcome is ChatApiError => outcome !== 200);
        assert.ok(refused.length >= 3, `${refused.length} refused`);
        assert.deepEqual([refused[0]?.status, refused[0]?.code, (refused[0]?.retryAfter ?? 0) >= 1], [429, 'SB_CHAT_RATE_LIMITED', true]);
        const stored = await sender.messages('r-limit', { limit: 100 });
        assert.equal(stored.messages.length, 5 - refused.length, 'refused sends stored nothing');
      } finally {
        await strict.close();
      }
    });

    it('answers bad input with a clear 4xx and stores nothing', async () => {
      await roomWith(api, 'r-bad', ['x-ann', 'x-bob']);
      await api.post('/users', { id: 'x-out' });
      const ann = tokenFor('x-ann');
      const send = (token: string | undefined, body: unknown) => clientRequest(server, 'POST', '/rooms/r-bad/messages', token, typeof body === 'string' ? body : JSON.stringify(body));
      const cases: [string, Promise<{ status: number; body: Record<string, unknown> }>, number, string][] = [
        ['oversized', send(ann, { parts: text('x'.repeat(3_000)) }), 413, 'SB_CHAT_MESSAGE_TOO_LARGE'],
        ['too many parts', send(ann, { parts: [...text('1'), ...text('2'), ...text('3'), ...text('4')] }), 400, 'SB_CHAT_TOO_MANY_PARTS'],
        ['wrong types', send(ann, { parts: [{ type: 'text/plain', content: 5 }] }), 400, 'SB_CHAT_INVALID_INPUT'],
        ['no parts', send(ann, { parts: [] }), 400, 'SB_CHAT_INVALID_INPUT'],
        ['unknown field', send(ann, { parts: text('a'), sender_id: 'x-bob' }), 400, 'SB_CHAT_INVALID_INPUT'],
        ['bad MIME type', send(ann, { parts: [{ type: 'text', content: 'a' }] }), 400, 'SB_CHAT_INVALID_INPUT'],
        ['not JSON', send(ann, '{"parts": ['), 400, 'SB_API_INVALID_JSON'],
        ['not a member', send(tokenFor('x-out'), { parts: text('a') }), 403, 'SB_CHAT_NOT_MEMBER'],
        ['no token', send(undefined, { parts: text('a') }), 401, 'SB_CHAT_TOKEN_MISSING'],
        ['expired token', send(createChatToken({ appId: 'chat-app', secret: 'chat-secret', userId: 'x-ann', ttlSeconds: -1 }), { parts: text('a') }), 401, 'SB_CHAT_TOKEN_EXPIRED'],
        ['forged token', send(createChatToken({ appId: 'chat-app', secret: 'wrong', userId: 'x-ann' }), { parts: text('a') }), 401, 'SB_CHAT_TOKEN_INVALID'],
        ['other app', send(createChatToken({ appId: 'plain-app', secret: 'chat-secret', userId: 'x-ann' }), { parts: text('a') }), 401, 'SB_CHAT_TOKEN_INVALID'],
        ['too long-lived', send(createChatToken({ appId: 'chat-app', secret: 'chat-secret', userId: 'x-ann', ttlSeconds: 90_000 }), { parts: text('a') }), 401, 'SB_CHAT_TOKEN_INVALID'],
        ['unknown room', clientRequest(server, 'POST', '/rooms/nope/messages', ann, JSON.stringify({ parts: text('a') })), 404, 'SB_CHAT_ROOM_NOT_FOUND'],
        ['bad room id', api.post('/rooms', { id: 'has space' }), 400, 'SB_CHAT_INVALID_INPUT'],
        ['bad user', api.post('/users', { id: 'x', avatar_url: 'javascript:alert(1)' }), 400, 'SB_CHAT_INVALID_INPUT'],
        ['backend sender not member', api.post('/rooms/r-bad/messages', { sender_id: 'x-out', parts: text('a') }), 403, 'SB_CHAT_NOT_MEMBER'],
        ['chat off', backend(server, { id: 'plain-app', key: 'plain-key', secret: 'plain-secret' }).get('/rooms'), 404, 'SB_CHAT_DISABLED'],
      ];
      for (const [label, request, status, code] of cases) {
        const answer = await request;
        assert.deepEqual([label, answer.status, answer.body['code']], [label, status, code]);
      }
      const page = await api.get<{ messages: Message[]; last_message_id: number }>('/rooms/r-bad/messages');
      assert.deepEqual([page.body.messages.length, page.body.last_message_id], [0, 0], 'nothing stored');
      assert.equal((await api.get('/users/x')).status, 404);
      // An unsigned backend call is refused by the Pusher HTTP API gate.
      const unsigned = await fetch(`${server.httpUrl}/apps/chat-app/chat/rooms`);
      assert.equal(unsigned.status, 401);
    });

    it('delivers messages, typing and cursors on the room channel, authorized from membership, with presence', async () => {
      await roomWith(api, 'r-live', ['v-ann', 'v-bob']);
      await api.post('/users', { id: 'v-eve' });
      const ann = chatClient(server, 'v-ann');
      const bob = chatClient(server, 'v-bob');
      const eve = chatClient(server, 'v-eve');
      try {
        const changes = new Waiters();
        const got: Message[] = [];
        const typing: string[] = [];
        const cursors: number[] = [];
        let online: readonly string[] = [];
        const annReady = new Promise<void>((resolve) => {
          ann.subscribe('r-live', {
            onMessage: (message) => {
              got.push(message);
              changes.notify();
            },
            onTyping: (event) => {
              typing.push(event.user_id);
              changes.notify();
            },
            onCursor: (event) => {
              cursors.push(event.position);
              changes.notify();
            },
            onPresence: (members) => {
              online = members;
              if (members.includes('v-bob')) resolve();
            },
          });
        });
        bob.subscribe('r-live', {});
        await annReady;
        assert.deepEqual([...online].sort(), ['v-ann', 'v-bob']);
        const denied = new Promise<unknown>((resolve) => eve.subscribe('r-live', { onError: resolve }));
        assert.ok(await denied, 'a non-member cannot subscribe to the room channel');
        await bob.sendText('r-live', 'hello ann');
        await bob.isTyping('r-live');
        await bob.setReadCursor('r-live', 1);
        await changes.until(() => got.length === 1 && typing.length === 1 && cursors.length === 1);
        assert.deepEqual([got[0]?.parts, typing, cursors], [text('hello ann'), ['v-bob'], [1]]);
        // Webhooks: the message, the members added, and the offline member (v-ann and v-bob are online).
        const created = await hooks.event({ name: 'chat_message_created', room_id: 'r-live' });
        assert.equal((created['message'] as Message).sender_id, 'v-bob');
        await hooks.event({ name: 'chat_member_added', room_id: 'r-pages', user_id: 'p-bob' });
      } finally {
        ann.disconnect();
        bob.disconnect();
        eve.disconnect();
      }
    });

    it('works over the HTTP fallback transports too (xhr_streaming): room channel, messages in order', async () => {
      await roomWith(api, 'r-xhr', ['h-ann', 'h-bob']);
      const bob = chatClient(server, 'h-bob', { enabledTransports: ['xhr_streaming'], httpPath: '/pusher' });
      try {
        const waiters = new Waiters();
        const ids: number[] = [];
        let subscribed = false;
        bob.subscribe(
          'r-xhr',
          {
            onMessage: (message) => {
              ids.push(message.id);
              waiters.notify();
            },
            onPresence: () => {
              subscribed = true;
              waiters.notify();
            },
          },
          { after: 0 },
        );
        await waiters.until(() => subscribed);
        const ann = userApi(server, 'h-ann');
        for (const content of ['one', 'two', 'three']) await ann.send('r-xhr', text(content), content);
        await waiters.until(() => ids.length === 3);
        assert.deepEqual(ids, [1, 2, 3]);
      } finally {
        bob.disconnect();
      }
    });

    it('tells the backend which members were offline when a message arrived', async () => {
      await roomWith(api, 'r-offline', ['f-ann', 'f-bob', 'f-cid']);
      const ann = chatClient(server, 'f-ann');
      try {
        await new Promise<void>((resolve) => ann.subscribe('r-offline', { onPresence: (members) => members.includes('f-ann') && resolve() }));
        // The internal hook (the push layer's) sees the same members as the webhook.
        const hooked = new Promise<OfflineMessage>((resolve) => (server.server.chatHooks.offlineMessage = resolve));
        await api.post('/rooms/r-offline/messages', { sender_id: 'f-bob', parts: text('psst') });
        const offline = await hooks.event({ name: 'chat_offline_message', room_id: 'r-offline' });
        assert.deepEqual([offline['message_id'], offline['sender_id'], offline['user_ids']], [1, 'f-bob', ['f-cid']]);
        const internal = await hooked;
        assert.deepEqual([internal.appId, internal.roomId, internal.message.id, internal.userIds], ['chat-app', 'r-offline', 1, ['f-cid']]);
        delete server.server.chatHooks.offlineMessage;
      } finally {
        ann.disconnect();
      }
    });
  });
}

