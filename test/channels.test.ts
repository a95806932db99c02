/** Subscribing: every channel type through pusher-js, and refusals at the protocol level. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { channelStringToSign, signToken } from '../src/protocol/signatures.js';
import {
  clientFor,
  connected,
  disconnect,
  nextEvent,
  presenceMembers,
  PusherServer,
  sdkFor,
  subscribed,
  SubscriptionFailed,
  type PusherClient,
} from './helpers/pusher.js';
import { dataOf, RawClient } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

describe('channels', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const raws: RawClient[] = [];
  const client = (options: Parameters<typeof clientFor>[2] = {}): PusherClient => {
    const created = clientFor(server, APP, options);
    clients.push(created);
    return created;
  };
  const raw = async (): Promise<{ client: RawClient; socketId: string }> => {
    const connection = await RawClient.connect(server.wsUrl, APP.key);
    raws.push(connection.client);
    return connection;
  };

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await Promise.all(clients.map((entry) => disconnect(entry)));
    await Promise.all(raws.map((entry) => entry.close()));
    await server.close();
  });

  it('delivers triggers on public, private and cache-less channels to every subscriber', async () => {
    const alice = client();
    const bob = client();
    for (const name of ['news', 'private-orders']) {
      const [a, b] = await Promise.all([subscribed(alice, name), subscribed(bob, name)]);
      const received = Promise.all([nextEvent(a, 'update'), nextEvent(b, 'update')]);
      await sdkFor(server, APP).trigger(name, 'update', { n: 1 });
      assert.deepEqual(
        (await received).map((event) => event.data),
        [{ n: 1 }, { n: 1 }],
      );
    }
  });

  it('delivers a trigger to several channels, once per channel', async () => {
    const alice = client();
    const [one, two] = await Promise.all([subscribed(alice, 'multi-1'), subscribed(alice, 'multi-2')]);
    const received = Promise.all([nextEvent(one, 'hello'), nextEvent(two, 'hello')]);
    await sdkFor(server, APP).trigger(['multi-1', 'multi-2'], 'hello', 'text');
    assert.deepEqual(
      (await received).map((event) => event.data),
      ['text', 'text'],
    );
  });

  it('excludes the socket named by socket_id', async () => {
    const alice = client();
    const bob = client();
    const aliceId = await connected(alice);
    const [a, b] = await Promise.all([subscribed(alice, 'exclusion'), subscribed(bob, 'exclusion')]);
    const aliceEvents: unknown[] = [];
    a.bind('first', (data: unknown) => aliceEvents.push(data));
    const bobFirst = nextEvent(b, 'first');
    const aliceMarker = nextEvent(a, 'marker');
    const sdk = sdkFor(server, APP);
    await sdk.trigger('exclusion', 'first', 1, { socket_id: aliceId });
    await sdk.trigger('exclusion', 'marker', 2);
    assert.equal((await bobFirst).data, 1);
    await aliceMarker;
    assert.deepEqual(aliceEvents, [], 'the excluded socket got nothing before the next event');
  });

  it('stops delivery after unsubscribe', async () => {
    const alice = client();
    const channel = await subscribed(alice, 'leaving');
    const events: unknown[] = [];
    channel.bind('tick', (data: unknown) => events.push(data));
    alice.unsubscribe('leaving');
    // Messages from one connection are processed in order: once this later subscribe succeeds,
    // the unsubscribe has been applied.
    const other = await subscribed(alice, 'staying');
    const marker = nextEvent(other, 'marker');
    const sdk = sdkFor(server, APP);
    await sdk.trigger('leaving', 'tick', 1);
    await sdk.trigger('staying', 'marker', 2);
    await marker;
    assert.deepEqual(events, []);
  });

  it('relays encrypted channel payloads opaquely; pusher-js decrypts them', async () => {
    const masterKey = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
    const sdk = new PusherServer({
      appId: APP.id,
      key: APP.key,
      secret: APP.secret,
      host: server.host,
      port: String(server.port),
      useTLS: false,
      encryptionMasterKeyBase64: masterKey,
    });
    const alice = client({
      extra: {
        channelAuthorization: {
          endpoint: '/unused',
          transport: 'ajax',
          customHandler: ({ socketId, channelName }, callback) => callback(null, sdk.authorizeChannel(socketId, channelName)),
        },
      },
    });
    const { socketId: spySocket, client: spy } = await raw();
    const name = 'private-encrypted-secrets';
    spy.send({
      event: 'pusher:subscribe',
      data: { channel: name, auth: signToken(APP, channelStringToSign(spySocket, name)) },
    });
    await spy.nextEvent('pusher_internal:subscription_succeeded', name);
    const channel = await subscribed(alice, name);
    const decrypted = nextEvent(channel, 'secret');
    await sdk.trigger(name, 'secret', { message: 'hi' });
    assert.deepEqual((await decrypted).data, { message: 'hi' });
    const relayed = await spy.nextEvent('secret', name);
    const envelope = JSON.parse(relayed.data as string) as { nonce: string; ciphertext: string };
    assert.equal(typeof envelope.nonce, 'string');
    assert.equal(typeof envelope.ciphertext, 'string');
    assert.doesNotMatch(relayed.data as string, /hi/);
  });

  it('refuses private channels without a valid signature, with subscription_error and pusher:error', async () => {
    const { client: socket, socketId } = await raw();
    const cases: [string, string | undefined, number, RegExp][] = [
      ['private-a', undefined, 401, /auth/i],
      ['private-b', `${APP.key}:${'0'.repeat(64)}`, 401, /Invalid signature/],
      ['private-c', signToken({ key: 'wrong-key', secret: APP.secret }, channelStringToSign(socketId, 'private-c')), 401, /Invalid key/],
      ['private-d', signToken({ key: APP.key, secret: 'wrong-secret' }, channelStringToSign(socketId, 'private-d')), 401, /Invalid signature/],
      ['private-e', signToken(APP, channelStringToSign('1.1', 'private-e')), 401, /Invalid signature/],
      ['private-encrypted-f', 'garbage', 401, /Invalid key/],
    ];
    for (const [channel, auth, status, message] of cases) {
      socket.send({ event: 'pusher:subscribe', data: { channel, ...(auth === undefined ? {} : { auth }) } });
      const error = await socket.next();
      assert.equal(error.event, 'pusher:subscription_error', channel);
      assert.equal(error.channel, channel);
      const data = error.data as { type: string; error: string; status: number };
      assert.equal(data.type, 'AuthError');
      assert.equal(data.status, status);
      assert.match(data.error, message);
      const mirrored = await socket.next();
      assert.equal(mirrored.event, 'pusher:error');
      assert.equal((mirrored.data as { code: unknown }).code, null);
    }
  });

  it('refuses invalid and over-long channel names', async () => {
    const { client: socket } = await raw();
    for (const channel of ['has space', 'star*', '', 'a'.repeat(201), '#server-to-user-nobody']) {
      socket.send({ event: 'pusher:subscribe', data: { channel } });
      const error = await socket.nextEvent('pusher:subscription_error');
      assert.equal(error.channel, channel);
    }
    socket.send({ event: 'pusher:subscribe', data: { channel: 'a'.repeat(200) } });
    assert.equal((await socket.nextEvent('pusher_internal:subscription_succeeded')).channel, 'a'.repeat(200));
  });

  it('answers a repeated subscribe again without a second subscription', async () => {
    const { client: socket } = await raw();
    for (let i = 0; i < 2; i += 1) {
      socket.send({ event: 'pusher:subscribe', data: { channel: 'twice' } });
      assert.equal((await socket.next()).event, 'pusher_internal:subscription_succeeded');
    }
    const info = (await (await sdkFor(server, APP).get({ path: '/channels/twice', params: { info: 'subscription_count' } })).json()) as {
      subscription_count: number;
    };
    assert.equal(info.subscription_count, 1);
  });

  it('ignores unsubscribing from a channel that was never subscribed', async () => {
    const { client: socket } = await raw();
    socket.send({ event: 'pusher:unsubscribe', data: { channel: 'never' } });
    await socket.sync();
    assert.deepEqual(
      socket.received.map((message) => message.event),
      ['pusher:connection_established', 'pusher:pong'],
    );
  });
});

describe('presence channels', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const client = (user_id: string | number, name = String(user_id)): PusherClient => {
    const created = clientFor(server, APP, { presence: { user_id, user_info: { name } } });
    clients.push(created);
    return created;
  };

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await Promise.all(clients.map((entry) => disconnect(entry)));
    await server.close();
  });

  it('gives the full member list on subscribe, including me', async () => {
    const alice = client('alice', 'Alice');
    await subscribed(alice, 'presence-list');
    const bob = client('bob', 'Bob');
    const members = presenceMembers(await subscribed(bob, 'presence-list'));
    assert.equal(members.count, 2);
    assert.deepEqual(members.me, { id: 'bob', info: { name: 'Bob' } });
    assert.deepEqual(members.get('alice'), { id: 'alice', info: { name: 'Alice' } });
  });

  it('announces member_added and member_removed only for a user\'s first and last connection', async () => {
    const watcher = client('watcher');
    const watching = await subscribed(watcher, 'presence-room');
    const added: unknown[] = [];
    const removed: unknown[] = [];
    watching.bind('pusher:member_added', (member: unknown) => added.push(member));
    watching.bind('pusher:member_removed', (member: unknown) => removed.push(member));

    const firstAdded = nextEvent(watching, 'pusher:member_added');
    const tab1 = client(42, 'Carol');
    await subscribed(tab1, 'presence-room');
    assert.deepEqual((await firstAdded).data, { id: 42, info: { name: 'Carol' } }, 'numeric ids stay numbers');

    const tab2 = client(42, 'Carol');
    await subscribed(tab2, 'presence-room');
    await disconnect(tab2);
    const lastRemoved = nextEvent(watching, 'pusher:member_removed');
    await disconnect(tab1);
    assert.deepEqual((await lastRemoved).data, { id: 42, info: { name: 'Carol' } });
    assert.equal(added.length, 1, 'one member_added for two connections');
    assert.equal(removed.length, 1, 'one member_removed for two connections');
  });

  it('lists presence users through the HTTP API', async () => {
    const dave = client('dave');
    await subscribed(dave, 'presence-api');
    const response = await sdkFor(server, APP).get({ path: '/channels/presence-api/users' });
    assert.deepEqual(await response.json(), { users: [{ id: 'dave' }] });
  });

  it('keeps a member whose user_id is __proto__: in the hash (also on a repeated subscribe), the users API and channel lists', async () => {
    const { client: raw, socketId } = await RawClient.connect(server.wsUrl, APP.key);
    const channel = 'presence-proto';
    const channelData = JSON.stringify({ user_id: '__proto__', user_info: { name: 'P' } });
    const auth = signToken(APP, channelStringToSign(socketId, channel, channelData));
    const subscribe = { event: 'pusher:subscribe', data: { channel, auth, channel_data: channelData } };
    // Compared as text: an object literal cannot even express an own __proto__ key.
    const expected = '{"presence":{"ids":["__proto__"],"hash":{"__proto__":{"name":"P"}},"count":1}}';
    raw.send(subscribe);
    assert.equal((await raw.nextEvent('pusher_internal:subscription_succeeded')).data, expected);
    raw.send(subscribe);
    assert.equal((await raw.nextEvent('pusher_internal:subscription_succeeded')).data, expected, 'repeated subscribe');
    raw.send({ event: 'pusher:subscribe', data: { channel: '__proto__' } });
    await raw.nextEvent('pusher_internal:subscription_succeeded', '__proto__');

    const sdk = sdkFor(server, APP);
    const users = await sdk.get({ path: `/channels/${channel}/users` });
    assert.equal(await users.text(), '{"users":[{"id":"__proto__"}]}');
    const list = await sdk.get({ path: '/channels', params: { filter_by_prefix: '__' } });
    assert.equal(await list.text(), '{"channels":{"__proto__":{}}}');
    const triggered = await sdk.trigger('__proto__', 'e', 'x', { info: 'subscription_count' });
    assert.equal(await triggered.text(), '{"channels":{"__proto__":{"subscription_count":1}}}');
    await raw.close();
  });

  it('refuses more distinct users than maxPresenceMembers, as subscription_error', async () => {
    const capped = await startServer({ apps: [{ ...APP, maxPresenceMembers: 2 }] });
    const local: PusherClient[] = [];
    try {
      for (const id of ['u1', 'u2']) {
        const entry = clientFor(capped, APP, { presence: { user_id: id } });
        local.push(entry);
        await subscribed(entry, 'presence-capped');
      }
      const sameUser = clientFor(capped, APP, { presence: { user_id: 'u1' } });
      local.push(sameUser);
      await subscribed(sameUser, 'presence-capped');
      const third = clientFor(capped, APP, { presence: { user_id: 'u3' } });
      local.push(third);
      await assert.rejects(subscribed(third, 'presence-capped'), (error: Error) => {
        assert.ok(error instanceof SubscriptionFailed);
        assert.deepEqual(error.data, {
          type: 'LimitReached',
          error: 'Presence channel is full: the member limit was reached',
          status: 403,
        });
        return true;
      });
    } finally {
      await Promise.all(local.map((entry) => disconnect(entry)));
      await capped.close();
    }
  });

  it('refuses bad channel_data only after checking its signature', async () => {
    const { client: socket, socketId } = await RawClient.connect(server.wsUrl, APP.key);
    const subscribe = (channel: string, channelData: string, signedData = channelData) =>
      socket.send({
        event: 'pusher:subscribe',
        data: { channel, channel_data: channelData, auth: signToken(APP, channelStringToSign(socketId, channel, signedData)) },
      });
    subscribe('presence-x', '{"user_id":"a"}', '{"user_id":"b"}');
    assert.match(((dataOf(await socket.nextEvent('pusher:subscription_error')) as { error: string })).error, /Invalid signature/);
    subscribe('presence-x', 'not json');
    assert.match(((dataOf(await socket.nextEvent('pusher:subscription_error')) as { error: string })).error, /channel_data/);
    subscribe('presence-x', '{"user_info":{}}');
    assert.match(((dataOf(await socket.nextEvent('pusher:subscription_error')) as { error: string })).error, /user_id/);
    subscribe('presence-x', JSON.stringify({ user_id: 'x'.repeat(129) }));
    assert.match(((dataOf(await socket.nextEvent('pusher:subscription_error')) as { error: string })).error, /too long/);
    subscribe('presence-x', JSON.stringify({ user_id: 'u', user_info: { big: 'x'.repeat(1100) } }));
    assert.match(((dataOf(await socket.nextEvent('pusher:subscription_error')) as { error: string })).error, /size limit/);
    socket.send({ event: 'pusher:subscribe', data: { channel: 'presence-x', auth: signToken(APP, channelStringToSign(socketId, 'presence-x')) } });
    assert.match(((dataOf(await socket.nextEvent('pusher:subscription_error')) as { error: string })).error, /signed-in/);
    subscribe('presence-x', JSON.stringify({ user_id: 5, user_info: { ok: true } }));
    const succeeded = await socket.nextEvent('pusher_internal:subscription_succeeded');
    assert.deepEqual(dataOf(succeeded), { presence: { ids: [5], hash: { '5': { ok: true } }, count: 1 } });
    await socket.close();
  });
});
