/**
 * Three nodes in one process on one in-memory bus (test/helpers/memory-cluster.ts), driven with
 * pusher-js and the `pusher` SDK: publications, client events, presence, user termination (a
 * control message) and HTTP fallback sessions relayed between nodes (asks), in milliseconds.
 * The same behaviours run on Redis and NATS in cluster.test.ts and http-transports-cluster.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryCluster } from './helpers/memory-cluster.js';
import { clientFor, disconnect, nextEvent, presenceMembers, sdkFor, signedIn, stateReached, subscribed, type PusherClient } from './helpers/pusher.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './helpers/round-robin-proxy.js';
import { APP, type TestServer } from './helpers/server.js';

describe('three nodes on one in-memory bus', () => {
  const cluster = new MemoryCluster();
  let nodes: TestServer[] = [];
  let proxy: RoundRobinProxy;
  const clients: PusherClient[] = [];
  const node = (index: number): TestServer => nodes[index] ?? assert.fail(`no node ${String(index)}`);
  const on = (index: number, options: Parameters<typeof clientFor>[2] = {}): PusherClient => {
    const client = clientFor(node(index), APP, options);
    clients.push(client);
    return client;
  };

  before(async () => {
    nodes = await Promise.all([0, 1, 2].map(() => cluster.startNode({ apps: [{ ...APP, clientEvents: true }] })));
    proxy = await startRoundRobinProxy(nodes.slice(0, 2).map((entry) => entry.port));
  });
  after(async () => {
    await Promise.all(clients.map((client) => disconnect(client)));
    await proxy.close();
    await Promise.all(nodes.map((entry) => entry.close()));
    await cluster.close();
  });

  it('delivers a trigger made on any node to subscribers on every node, honouring socket_id', async () => {
    const [a, b, c] = [on(0), on(1), on(2)];
    const channels = await Promise.all([a, b, c].map((client) => subscribed(client, 'news')));
    const received = Promise.all(channels.slice(1).map((channel) => nextEvent(channel, 'update')));
    const excluded: unknown[] = [];
    channels[0]?.bind('update', (data: unknown) => excluded.push(data));
    await sdkFor(node(2), APP).trigger('news', 'update', { n: 1 }, { socket_id: a.connection.socket_id });
    assert.deepEqual((await received).map((event) => event.data), [{ n: 1 }, { n: 1 }]);
    const marker = nextEvent(channels[0] ?? assert.fail('no channel'), 'marker');
    await sdkFor(node(1), APP).trigger('news', 'marker', '');
    await marker;
    assert.deepEqual(excluded, []);
  });

  it('shares presence and relays client events across nodes', async () => {
    const alice = on(0, { presence: { user_id: 'alice' } });
    const aliceChannel = await subscribed(alice, 'presence-room');
    const added = nextEvent(aliceChannel, 'pusher:member_added');
    const bobChannel = await subscribed(on(1, { presence: { user_id: 'bob' } }), 'presence-room');
    assert.deepEqual((await added).data, { id: 'bob', info: null });
    assert.equal(presenceMembers(bobChannel).count, 2);
    const typed = nextEvent(bobChannel, 'client-typing');
    aliceChannel.trigger('client-typing', { who: 'alice' });
    assert.deepEqual((await typed).data, { who: 'alice' });
  });

  it('terminates a user on every node (a control message)', async () => {
    const tabs = [on(0, { user: { id: 'carol' } }), on(2, { user: { id: 'carol' } })];
    await Promise.all(tabs.map((tab) => signedIn(tab)));
    const gone = tabs.map((tab) => stateReached(tab, 'disconnected'));
    await sdkFor(node(1), APP).terminateUserConnections('carol');
    await Promise.all(gone);
  });

  for (const transport of ['xhr_streaming', 'xhr_polling'] as const) {
    it(`relays ${transport} requests to the node holding the session (asks)`, async () => {
      const balanced: TestServer = { ...node(0), port: proxy.port };
      const extra = { enabledTransports: [transport], httpHost: '127.0.0.1', httpPort: proxy.port, httpPath: '/pusher' };
      const before = [...proxy.counts];
      const dave = clientFor(balanced, APP, { extra });
      clients.push(dave);
      const channel = await subscribed(dave, `http-${transport}`);
      for (const index of [0, 1]) {
        const received = nextEvent(channel, 'news');
        await sdkFor(node(index), APP).trigger(`http-${transport}`, 'news', { from: index });
        assert.deepEqual((await received).data, { from: index });
      }
      // Round robin: the session's requests alternated between the two nodes, so half were relayed.
      assert.ok(proxy.counts.every((count, index) => count > (before[index] ?? 0)), `requests reached both nodes: ${proxy.counts.join(', ')}`);
    });
  }
});
