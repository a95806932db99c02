/**
 * Two Switchboard nodes joined by the NATS driver alone (nats.servers, no Redis), driven with
 * pusher-js and the `pusher` SDK: presence, triggers, client events and the HTTP API behave as on
 * one node whichever node a client or an API call lands on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clusterDriverOf } from '../src/cluster/drivers.js';
import { parseConfig } from '../src/config/load.js';
import { deleteNatsPrefix, uniqueNatsPrefix } from './helpers/nats.js';
import { clientFor, presenceMembers, sdkFor, type PusherClient } from './helpers/pusher.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { NATS_SERVERS, REDIS_URL } from './helpers/services.js';
import { stateSubscribed } from './helpers/subscribe.js';

function next<T>(bind: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve) => bind(resolve));
}

describe('two nodes on NATS', () => {
  const prefix = uniqueNatsPrefix('e2e');
  let one: TestServer;
  let two: TestServer;
  const clients: PusherClient[] = [];
  before(async () => {
    const nats = { servers: NATS_SERVERS, prefix };
    one = await startServer({ nats });
    two = await startServer({ nats });
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all([one.close(), two.close()]);
    await deleteNatsPrefix(prefix);
  });

  it('prefers NATS when both NATS and Redis are configured', () => {
    const config = parseConfig({ nats: { servers: NATS_SERVERS }, redis: { url: REDIS_URL } });
    assert.equal(clusterDriverOf(config), 'nats');
  });

  it('shares presence, triggers, client events and channel info across the nodes', async () => {
    const alice = clientFor(one, APP, { presence: { user_id: 'alice', user_info: { name: 'Alice' } } });
    const bob = clientFor(two, APP, { presence: { user_id: 'bob' } });
    clients.push(alice, bob);

    const aliceRoom = alice.subscribe('presence-room');
    await stateSubscribed(aliceRoom);
    const bobJoined = next<{ id: string }>((resolve) => aliceRoom.bind('pusher:member_added', resolve));
    const bobRoom = bob.subscribe('presence-room');
    await stateSubscribed(bobRoom);
    assert.equal((await bobJoined).id, 'bob', 'a member on node two is announced on node one');
    const members = presenceMembers(bobRoom);
    assert.equal(members.count, 2, "node two's snapshot includes node one's member");
    assert.deepEqual((members.get('alice') as { info: unknown }).info, { name: 'Alice' });

    // The HTTP API of node one answers for node two's subscribers, and the other way round.
    const info = await sdkFor(two, APP).get({ path: '/channels/presence-room', params: { info: 'user_count,subscription_count' } });
    assert.deepEqual(await info.json(), { occupied: true, user_count: 2, subscription_count: 2 });

    const triggered = next<unknown>((resolve) => aliceRoom.bind('news', resolve));
    await sdkFor(two, APP).trigger('presence-room', 'news', { n: 1 });
    assert.deepEqual(await triggered, { n: 1 }, 'an API trigger on node two reaches a client on node one');

    const whispered = next<{ data: unknown; userId: unknown }>((resolve) =>
      aliceRoom.bind('client-wave', (data: unknown, metadata: { user_id?: unknown }) => resolve({ data, userId: metadata.user_id })),
    );
    bobRoom.trigger('client-wave', { hi: true });
    assert.deepEqual(await whispered, { data: { hi: true }, userId: 'bob' }, 'a client event crosses nodes with its sender');

    const bobLeft = next<{ id: string }>((resolve) => aliceRoom.bind('pusher:member_removed', resolve));
    bob.disconnect();
    assert.equal((await bobLeft).id, 'bob');
    const after = await sdkFor(one, APP).get({ path: '/channels/presence-room/users' });
    assert.deepEqual(await after.json(), { users: [{ id: 'alice' }] });
  });
});
