/**
 * Several apps in one process are isolated: presence, counts, client events and signatures of one
 * app never reach or authorize another. (Triggers, cache, users and watchlists have their own
 * isolation tests beside their features.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { channelStringToSign, signToken } from '../src/protocol/signatures.js';
import { clientFor, disconnect, nextEvent, presenceMembers, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, OTHER_APP, startServer, type TestServer } from './helpers/server.js';
import { stateSubscribed } from './helpers/subscribe.js';

describe('app isolation', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const client = (app: typeof APP, userId: string): PusherClient => {
    const created = clientFor(server, app, { presence: { user_id: userId } });
    clients.push(created);
    return created;
  };

  before(async () => {
    server = await startServer({
      apps: [
        { ...APP, clientEvents: true, subscriptionCount: true },
        { ...OTHER_APP, clientEvents: true, subscriptionCount: true },
      ],
    });
  });
  after(async () => {
    await Promise.all(clients.map((entry) => disconnect(entry)));
    await server.close();
  });

  it('keeps presence members and counts per app', async () => {
    await subscribed(client(APP, 'a1'), 'presence-shared');
    await subscribed(client(APP, 'a2'), 'presence-shared');
    const members = presenceMembers(await subscribed(client(OTHER_APP, 'b1'), 'presence-shared'));
    assert.deepEqual(Object.keys(members.members as object), ['b1']);
    const mine: unknown = await (await sdkFor(server, APP).get({ path: '/channels/presence-shared/users' })).json();
    const theirs: unknown = await (await sdkFor(server, OTHER_APP).get({ path: '/channels/presence-shared/users' })).json();
    assert.deepEqual(mine, { users: [{ id: 'a1' }, { id: 'a2' }] });
    assert.deepEqual(theirs, { users: [{ id: 'b1' }] });
    const list: unknown = await (
      await sdkFor(server, OTHER_APP).get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } })
    ).json();
    assert.deepEqual(list, { channels: { 'presence-shared': { user_count: 1 } } });
  });

  it('relays client events and subscription counts only within the app', async () => {
    const mine = client(APP, 'c1');
    const peer = client(APP, 'c2');
    const theirs = client(OTHER_APP, 'd1');
    const [mineChannel, peerChannel] = await Promise.all([subscribed(mine, 'private-room'), subscribed(peer, 'private-room')]);
    const theirChannel = theirs.subscribe('private-room');
    const leaked: unknown[] = [];
    theirChannel.bind('client-hello', (data: unknown) => leaked.push(data));
    const counts: number[] = [];
    theirChannel.bind('pusher:subscription_count', (data: { subscription_count: number }) => counts.push(data.subscription_count));
    await stateSubscribed(theirChannel);
    const relayed = nextEvent(peerChannel, 'client-hello');
    mineChannel.trigger('client-hello', { from: 'app-1' });
    await relayed;
    const marker = nextEvent(theirChannel, 'marker');
    await sdkFor(server, OTHER_APP).trigger('private-room', 'marker', '');
    await marker;
    assert.deepEqual(leaked, []);
    assert.deepEqual(counts, [1], "the other app's channel counts only its own subscriber");
  });

  it("never accepts one app's signature for another app's channel", async () => {
    const { client: raw, socketId } = await RawClient.connect(server.wsUrl, OTHER_APP.key);
    const forged = signToken({ key: OTHER_APP.key, secret: APP.secret }, channelStringToSign(socketId, 'private-x'));
    raw.send({ event: 'pusher:subscribe', data: { channel: 'private-x', auth: forged } });
    const refused = await raw.next();
    assert.equal(refused.event, 'pusher:subscription_error');
    const withOtherKey = signToken(APP, channelStringToSign(socketId, 'private-y'));
    raw.send({ event: 'pusher:subscribe', data: { channel: 'private-y', auth: withOtherKey } });
    assert.equal((await raw.nextEvent('pusher:subscription_error')).channel, 'private-y');
    await raw.close();
  });
});
