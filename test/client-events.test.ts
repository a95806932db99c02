/** Client events (`client-*`): who may send them, who receives them, and every limit at its edge. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { channelStringToSign, signToken } from '../src/protocol/signatures.js';
import { clientFor, disconnect, nextEvent, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { RawClient, type ServerMessage } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

async function rawSubscriber(server: TestServer, channel: string, channelData?: string) {
  const { client, socketId } = await RawClient.connect(server.wsUrl, APP.key);
  client.send({
    event: 'pusher:subscribe',
    data: { channel, auth: signToken(APP, channelStringToSign(socketId, channel, channelData)), channel_data: channelData },
  });
  await client.nextEvent('pusher_internal:subscription_succeeded', channel);
  return { client, socketId };
}

function errorCode(message: ServerMessage): unknown {
  assert.equal(message.event, 'pusher:error');
  return (message.data as { code: unknown }).code;
}

describe('client events', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const raws: RawClient[] = [];
  before(async () => {
    server = await startServer({
      apps: [
        { ...APP, clientEvents: true },
        { id: 'quiet', key: 'quiet-key', secret: 'quiet-secret', clientEvents: false },
      ],
    });
  });
  after(async () => {
    await Promise.all(clients.map((entry) => disconnect(entry)));
    await Promise.all(raws.map((entry) => entry.close()));
    await server.close();
  });

  it('relays to the other subscribers of a private channel, never back to the sender', async () => {
    const alice = clientFor(server, APP);
    const bob = clientFor(server, APP);
    clients.push(alice, bob);
    const [a, b] = await Promise.all([subscribed(alice, 'private-chat'), subscribed(bob, 'private-chat')]);
    const echoes: unknown[] = [];
    a.bind('client-typing', (data: unknown) => echoes.push(data));
    const received = nextEvent(b, 'client-typing');
    assert.equal(a.trigger('client-typing', { typing: true }), true);
    const event = await received;
    assert.deepEqual(event.data, { typing: true });
    assert.equal((event.metadata as { user_id?: unknown }).user_id, undefined, 'no user_id outside presence');
    const marker = nextEvent(a, 'marker');
    await sdkFor(server, APP).trigger('private-chat', 'marker', {});
    await marker;
    assert.deepEqual(echoes, []);
  });

  it("adds the sender's user_id on presence channels", async () => {
    const alice = clientFor(server, APP, { presence: { user_id: 'alice' } });
    const bob = clientFor(server, APP, { presence: { user_id: 'bob' } });
    clients.push(alice, bob);
    const [a, b] = await Promise.all([subscribed(alice, 'presence-chat'), subscribed(bob, 'presence-chat')]);
    const received = nextEvent(b, 'client-wave');
    a.trigger('client-wave', 'hi');
    const event = await received;
    assert.equal(event.data, 'hi');
    assert.equal((event.metadata as { user_id?: unknown }).user_id, 'alice');
  });

  it('refuses client events when the app has them off, on public and encrypted channels, and when not subscribed', async () => {
    const { client: quiet, socketId: quietId } = await RawClient.connect(server.wsUrl, 'quiet-key');
    raws.push(quiet);
    quiet.send({
      event: 'pusher:subscribe',
      data: { channel: 'private-q', auth: signToken({ key: 'quiet-key', secret: 'quiet-secret' }, channelStringToSign(quietId, 'private-q')) },
    });
    await quiet.nextEvent('pusher_internal:subscription_succeeded');
    quiet.send({ event: 'client-x', channel: 'private-q', data: {} });
    const disabled = await quiet.next();
    assert.equal(errorCode(disabled), null);
    assert.match((disabled.data as { message: string }).message, /enable client events/);

    const { client } = await rawSubscriber(server, 'private-encrypted-e');
    raws.push(client);
    client.send({ event: 'pusher:subscribe', data: { channel: 'public-p' } });
    await client.nextEvent('pusher_internal:subscription_succeeded');
    for (const channel of ['public-p', 'private-encrypted-e', 'private-not-subscribed']) {
      client.send({ event: 'client-x', channel, data: {} });
      assert.equal(errorCode(await client.next()), null, channel);
    }
  });

  it('rate-limits at 10 per second: 10 pass, the 11th gets 4301 and the connection stays open', async () => {
    const sender = await rawSubscriber(server, 'private-rate');
    const receiver = await rawSubscriber(server, 'private-rate');
    raws.push(sender.client, receiver.client);
    for (let i = 1; i <= 11; i += 1) sender.client.send({ event: 'client-n', channel: 'private-rate', data: { i } });
    const rejected = await sender.client.next();
    assert.equal(errorCode(rejected), 4301);
    for (let i = 1; i <= 10; i += 1) assert.deepEqual((await receiver.client.next()).data, { i });
    await sender.client.sync();
    await receiver.client.sync();
    assert.equal(
      receiver.client.received.filter((message) => message.event === 'client-n').length,
      10,
      'the 11th was not delivered',
    );
  });

  it('enforces the data size limit at its edge', async () => {
    const sender = await rawSubscriber(server, 'private-size');
    const receiver = await rawSubscriber(server, 'private-size');
    raws.push(sender.client, receiver.client);
    const exact = 'x'.repeat(10_240);
    sender.client.send({ event: 'client-big', channel: 'private-size', data: exact });
    assert.equal((await receiver.client.next()).data, exact);
    sender.client.send({ event: 'client-big', channel: 'private-size', data: `${exact}x` });
    const refused = await sender.client.next();
    assert.equal(errorCode(refused), null);
    assert.match((refused.data as { message: string }).message, /10241 bytes, over the limit of 10240/);
  });

  it('enforces the event name limit at its edge', async () => {
    const sender = await rawSubscriber(server, 'private-name');
    const receiver = await rawSubscriber(server, 'private-name');
    raws.push(sender.client, receiver.client);
    const name = `client-${'n'.repeat(193)}`;
    assert.equal(name.length, 200);
    sender.client.send({ event: name, channel: 'private-name', data: 1 });
    assert.equal((await receiver.client.next()).event, name);
    sender.client.send({ event: `${name}n`, channel: 'private-name', data: 1 });
    assert.match(((await sender.client.next()).data as { message: string }).message, /length limit/);
  });
});
