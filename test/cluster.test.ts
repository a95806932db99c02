/**
 * Three nodes as separate processes on one bus (Redis, then NATS), driven with pusher-js and the
 * `pusher` SDK across nodes: every feature behaves as on one node, whichever node a client or API
 * call hits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  clientFor,
  disconnect,
  nextEvent,
  presenceMembers,
  sdkFor,
  signedIn,
  stateReached,
  subscribed,
  SubscriptionFailed,
  type PusherClient,
} from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP } from './helpers/server.js';
import { appConfig, startNodes, stopNode, type ClusterNode } from './helpers/cluster.js';
import { deleteNatsPrefix, uniqueNatsPrefix } from './helpers/nats.js';
import { deleteRedisPrefix, NATS_SERVERS, REDIS_URL, uniquePrefix } from './helpers/services.js';
import { stateSubscribed } from './helpers/subscribe.js';
import { isValidWebhook, WebhookReceiver } from './helpers/webhook-receiver.js';

const CAPPED = { id: 'capped', key: 'capped-key', secret: 'capped-secret' };

interface Bus {
  readonly name: string;
  config(): Record<string, unknown>;
  cleanup(): Promise<void>;
}

function redisBus(): Bus {
  const prefix = uniquePrefix('cluster');
  return { name: 'Redis', config: () => ({ redis: { url: REDIS_URL, keyPrefix: prefix } }), cleanup: () => deleteRedisPrefix(prefix) };
}

function natsBus(): Bus {
  const prefix = uniqueNatsPrefix('cluster');
  return { name: 'NATS', config: () => ({ nats: { servers: NATS_SERVERS, prefix } }), cleanup: () => deleteNatsPrefix(prefix) };
}

for (const bus of [redisBus(), natsBus()]) describe(`three nodes on ${bus.name}`, () => {
  let nodes: ClusterNode[];
  const clients: PusherClient[] = [];
  const on = (index: number, options: Parameters<typeof clientFor>[2] = {}): PusherClient => {
    const client = clientFor(node(index).server, APP, options);
    clients.push(client);
    return client;
  };
  const node = (index: number): ClusterNode => nodes[index] as ClusterNode;
  const sdk = (index: number) => sdkFor(node(index).server, APP);

  let receiver: WebhookReceiver;

  before(async () => {
    receiver = await WebhookReceiver.start();
    ({ nodes } = await startNodes(3, {
      ...bus.config(),
      cluster: { nodeTimeout: 2 },
      webhooks: { batchWindowMs: 50, transitionDelayMs: 300 },
      apps: [
        appConfig(APP, {
          clientEvents: true,
          subscriptionCount: true,
          maxPresenceMembers: 3,
          webhooks: [{ url: receiver.url(), channelPrefixes: ['wh-', 'presence-wh-'] }],
        }),
        appConfig(CAPPED, { maxConnections: 6 }),
      ],
    }));
  });
  after(async () => {
    await Promise.all(clients.map((client) => disconnect(client)));
    await Promise.all(nodes.map((entry) => stopNode(entry)));
    await receiver.close();
    // After the nodes stopped: a running node would recreate what is deleted.
    await bus.cleanup();
  });

  it('sends each webhook once per transition, whichever and however many nodes see it', async () => {
    const count = (match: Record<string, unknown>) =>
      receiver.events().filter((event) => Object.entries(match).every(([key, value]) => event[key] === value)).length;
    const everywhere = [on(0), on(1), on(2)];
    await Promise.all(everywhere.map((client) => subscribed(client, 'wh-shared')));
    const tabs = [on(0, { presence: { user_id: 'wh-user' } }), on(2, { presence: { user_id: 'wh-user' } })];
    await Promise.all(tabs.map((client) => subscribed(client, 'presence-wh-room')));
    await Promise.all([...everywhere, ...tabs].map((client) => disconnect(client)));
    await receiver.event({ name: 'channel_vacated', channel: 'wh-shared' });
    await receiver.event({ name: 'member_removed', channel: 'presence-wh-room', user_id: 'wh-user' });
    // A later transition on one node: by the time its webhook is in, any duplicate of the ones
    // above (every node sweeps the same due transitions) would have been too.
    const marker = on(1);
    await subscribed(marker, 'wh-marker');
    await disconnect(marker);
    await receiver.event({ name: 'channel_vacated', channel: 'wh-marker' });
    assert.equal(count({ name: 'channel_occupied', channel: 'wh-shared' }), 1);
    assert.equal(count({ name: 'channel_vacated', channel: 'wh-shared' }), 1);
    assert.equal(count({ name: 'member_added', channel: 'presence-wh-room', user_id: 'wh-user' }), 1);
    assert.equal(count({ name: 'member_removed', channel: 'presence-wh-room', user_id: 'wh-user' }), 1);
    for (const request of receiver.requests) assert.equal(isValidWebhook(APP, request), true);
  });

  it('delivers a trigger made on any node to subscribers on every node, honouring socket_id', async () => {
    const [a, b, c] = [on(0), on(1), on(2)];
    const channels = await Promise.all([a, b, c].map((client) => subscribed(client, 'news')));
    const received = Promise.all(channels.slice(1).map((channel) => nextEvent(channel, 'update')));
    const excluded: unknown[] = [];
    channels[0]?.bind('update', (data: unknown) => excluded.push(data));
    await sdk(2).trigger('news', 'update', { n: 1 }, { socket_id: a.connection.socket_id });
    assert.deepEqual((await received).map((event) => event.data), [{ n: 1 }, { n: 1 }]);
    const marker = nextEvent(channels[0] as never, 'marker');
    await sdk(1).trigger('news', 'marker', '');
    await marker;
    assert.deepEqual(excluded, []);
  });

  it('relays client events across nodes', async () => {
    const [a, b] = [on(0), on(1)];
    const [ca, cb] = await Promise.all([subscribed(a, 'private-chat'), subscribed(b, 'private-chat')]);
    const received = nextEvent(cb, 'client-typing');
    ca.trigger('client-typing', { who: 'a' });
    assert.deepEqual((await received).data, { who: 'a' });
  });

  it('shares one presence list, member events and counts across nodes', async () => {
    const alice = on(0, { presence: { user_id: 'alice', user_info: { n: 'A' } } });
    const aliceChannel = await subscribed(alice, 'presence-room');
    const added = nextEvent(aliceChannel, 'pusher:member_added');
    const bob = on(1, { presence: { user_id: 'bob' } });
    const bobChannel = await subscribed(bob, 'presence-room');
    assert.deepEqual((await added).data, { id: 'bob', info: null });
    assert.deepEqual(presenceMembers(bobChannel).get('alice'), { id: 'alice', info: { n: 'A' } });
    const bob2 = on(2, { presence: { user_id: 'bob' } });
    await subscribed(bob2, 'presence-room');
    const users: unknown = await (await sdk(2).get({ path: '/channels/presence-room/users' })).json();
    assert.deepEqual(users, { users: [{ id: 'alice' }, { id: 'bob' }] });
    const info: unknown = await (await sdk(0).get({ path: '/channels/presence-room', params: { info: 'user_count,subscription_count' } })).json();
    assert.deepEqual(info, { occupied: true, user_count: 2, subscription_count: 3 });

    const removed = nextEvent(aliceChannel, 'pusher:member_removed');
    await disconnect(bob2);
    await disconnect(bob);
    assert.deepEqual((await removed).data, { id: 'bob', info: null }, 'removed once, after the last of two nodes');
  });

  it('enforces the presence member cap cluster-wide', async () => {
    for (const [index, id] of [[0, 'm1'], [1, 'm2'], [2, 'm3']] as const) await subscribed(on(index, { presence: { user_id: id } }), 'presence-capped');
    await assert.rejects(subscribed(on(0, { presence: { user_id: 'm4' } }), 'presence-capped'), SubscriptionFailed);
  });

  it('enforces maxConnections cluster-wide', async () => {
    const raws: RawClient[] = [];
    for (let i = 0; i < 6; i += 1) raws.push((await RawClient.connect(node(i % 3).server.wsUrl, CAPPED.key)).client);
    const refused = await RawClient.open(node(1).server.wsUrl, `/app/${CAPPED.key}?protocol=7`);
    assert.equal(((await refused.next()).data as { code: number }).code, 4004);
    await Promise.all(raws.map((raw) => raw.close()));
  });

  it('sends to a user and terminates a user on every node', async () => {
    const tabs = [on(0, { user: { id: 'carol' } }), on(2, { user: { id: 'carol' } })];
    await Promise.all(tabs.map((tab) => signedIn(tab)));
    const received = Promise.all(tabs.map((tab) => nextEvent(tab.user, 'notice')));
    await sdk(1).sendToUser('carol', 'notice', 'hi');
    assert.deepEqual((await received).map((event) => event.data), ['hi', 'hi']);
    const gone = tabs.map((tab) => stateReached(tab, 'disconnected'));
    await sdk(1).terminateUserConnections('carol');
    await Promise.all(gone);
  });

  it('reports watchlist changes across nodes and replays cache channels from any node', async () => {
    const watcher = on(0, { user: { id: 'w', watchlist: ['target'] } });
    const initial = nextEvent(watcher.user.watchlist, 'offline');
    await signedIn(watcher);
    await initial;
    const online = nextEvent<{ user_ids: string[] }>(watcher.user.watchlist, 'online');
    await signedIn(on(2, { user: { id: 'target' } }));
    assert.deepEqual((await online).data.user_ids, ['target']);

    await sdk(1).trigger('cache-ticker', 'price', { v: 42 });
    const late = on(2).subscribe('cache-ticker');
    assert.deepEqual((await nextEvent(late, 'price')).data, { v: 42 });
  });

  it('sends subscription counts with the cluster-wide count', async () => {
    const first = on(0).subscribe('counted');
    const counts: number[] = [];
    const reachedTwo = new Promise<void>((resolve) => {
      first.bind('pusher:subscription_count', (data: { subscription_count: number }) => {
        counts.push(data.subscription_count);
        if (data.subscription_count === 2) resolve();
      });
    });
    await stateSubscribed(first);
    await subscribed(on(1), 'counted');
    await reachedTwo;
    assert.deepEqual(counts, [1, 2]);
  });
});
