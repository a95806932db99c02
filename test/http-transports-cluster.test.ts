/**
 * HTTP fallback sessions across nodes: every request of a session goes to a different node than the
 * one before (a round-robin balancer), and with --workers the kernel spreads them; the session
 * still works, relayed to the node that holds it, also after the shared state lost every entry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { appConfig, startNode, stopNode, writeConfig, type ClusterNode } from './helpers/cluster.js';
import { clientFor, disconnect, nextEvent, presenceMembers, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './helpers/round-robin-proxy.js';
import { APP, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/wait.js';
import { deleteNatsPrefix, uniqueNatsPrefix } from './helpers/nats.js';
import { deleteRedisPrefix, NATS_SERVERS, REDIS_URL, uniquePrefix } from './helpers/services.js';

const BUSES = [
  { name: 'Redis', config: (label: string) => ({ redis: { url: REDIS_URL, keyPrefix: uniquePrefix(label) } }) },
  { name: 'NATS', config: (label: string) => ({ nats: { servers: NATS_SERVERS, prefix: uniqueNatsPrefix(label) } }) },
] as const;

for (const bus of BUSES)
for (const transport of ['xhr_streaming', 'xhr_polling'] as const) {
  describe(`${transport} sessions across two nodes on ${bus.name} behind a round-robin balancer`, () => {
    const busConfig = bus.config(`http-${transport}`);
    let nodes: ClusterNode[] = [];
    let proxy: RoundRobinProxy;
    let balanced: TestServer;
    const clients: PusherClient[] = [];
    const httpClient = (options: Parameters<typeof clientFor>[2] = {}): PusherClient => {
      const client = clientFor(balanced, APP, {
        ...options,
        extra: { enabledTransports: [transport], httpHost: '127.0.0.1', httpPort: proxy.port, httpPath: '/pusher' },
      });
      clients.push(client);
      return client;
    };

    before(async () => {
      const configPath = await writeConfig({
        ...busConfig,
        websocket: { maxPayloadBytes: 600_000 },
        httpTransports: { maxSendBytes: 1_300_000, maxQueuedBytes: 4_000_000 },
        apps: [appConfig(APP, { clientEvents: true, maxEventDataBytes: 500_000 })],
      });
      nodes = await Promise.all([startNode(configPath), startNode(configPath)]);
      proxy = await startRoundRobinProxy(nodes.map((node) => node.server.port));
      balanced = { ...(nodes[0] as ClusterNode).server, port: proxy.port };
    });
    after(async () => {
      await Promise.all(clients.map((client) => disconnect(client)));
      await proxy.close();
      await Promise.all(nodes.map((node) => stopNode(node)));
      if ('redis' in busConfig) await deleteRedisPrefix(busConfig.redis.keyPrefix);
      else await deleteNatsPrefix(busConfig.nats.prefix);
    });

    it('subscribes, receives triggers, relays client events and presence, whichever node each request hits', async () => {
      const alice = httpClient({ presence: { user_id: 'alice' } });
      const bob = httpClient({ presence: { user_id: 'bob' } });
      const [a, b] = [await subscribed(alice, 'presence-room'), await subscribed(bob, 'presence-room')];
      assert.equal(presenceMembers(b).count, 2);
      // Round robin: each session's requests alternate between the nodes, so half of them reached
      // a node that does not hold the session and were relayed.
      assert.ok(proxy.counts.every((count) => count > 0), `requests reached every node: ${proxy.counts.join(', ')}`);

      for (const index of [0, 1]) {
        const received = Promise.all([nextEvent(a, 'news'), nextEvent(b, 'news')]);
        await sdkFor((nodes[index] as ClusterNode).server, APP).trigger('presence-room', 'news', { from: index });
        assert.deepEqual((await received).map((event) => event.data), [{ from: index }, { from: index }]);
      }
      const relayed = nextEvent(b, 'client-hello');
      a.trigger('client-hello', { hi: 'bob' });
      const event = await relayed;
      assert.deepEqual(event.data, { hi: 'bob' });
      assert.equal((event.metadata as { user_id?: string }).user_id, 'alice');
    });

    it('keeps delivering after a message large enough to make pusher-js rotate its stream', async () => {
      const carol = httpClient();
      const channel = await subscribed(carol, 'big-news');
      const sdk = sdkFor((nodes[1] as ClusterNode).server, APP);
      const big = 'x'.repeat(300_000);
      const large = nextEvent(channel, 'large');
      await sdk.trigger('big-news', 'large', big);
      assert.equal((await large).data, big);
      for (let i = 0; i < 3; i += 1) {
        const small = nextEvent(channel, 'small');
        await sdk.trigger('big-news', 'small', i);
        assert.equal((await small).data, i);
      }
    });
  });
}

describe('HTTP fallback sessions with --workers', () => {
  it('works whichever worker the kernel hands each request to', async () => {
    const prefix = uniquePrefix('http-workers');
    const configPath = await writeConfig({ redis: { url: REDIS_URL, keyPrefix: prefix }, apps: [appConfig(APP)] });
    const node = await startNode(configPath, ['--workers', '2']);
    const client = clientFor(node.server, APP, {
      extra: { enabledTransports: ['xhr_polling'], httpHost: '127.0.0.1', httpPort: node.server.port, httpPath: '/pusher' },
    });
    try {
      const channel = await subscribed(client, 'workers-news');
      for (let i = 0; i < 3; i += 1) {
        const received = nextEvent(channel, 'tick');
        await sdkFor(node.server, APP).trigger('workers-news', 'tick', i);
        assert.equal((await received).data, i);
      }
    } finally {
      await disconnect(client);
      await stopNode(node);
      await deleteRedisPrefix(prefix);
    }
  });
});

describe('HTTP fallback sessions across two nodes when the shared state loses everything', () => {
  const keyPrefix = uniquePrefix('http-state-loss');
  let nodes: ClusterNode[] = [];
  let proxy: RoundRobinProxy;
  let client: PusherClient | undefined;
  before(async () => {
    const configPath = await writeConfig({
      redis: { url: REDIS_URL, keyPrefix },
      cluster: { nodeTimeout: 2 },
      apps: [appConfig(APP)],
    });
    nodes = await Promise.all([startNode(configPath), startNode(configPath)]);
    proxy = await startRoundRobinProxy(nodes.map((node) => node.server.port));
  });
  after(async () => {
    if (client !== undefined) await disconnect(client);
    await proxy.close();
    await Promise.all(nodes.map((node) => stopNode(node)));
    await deleteRedisPrefix(keyPrefix);
  });

  it('records its sessions again, so a later request on another node still reaches the same session', async () => {
    const server = { ...(nodes[0] as ClusterNode).server, port: proxy.port };
    client = clientFor(server, APP, {
      extra: { enabledTransports: ['xhr_polling'], httpHost: '127.0.0.1', httpPort: proxy.port, httpPath: '/pusher' },
    });
    const channel = await subscribed(client, 'news');
    const socketId = client.connection.socket_id;
    const sdk = sdkFor((nodes[1] as ClusterNode).server, APP);
    const subscriptions = async (): Promise<number | undefined> => {
      const response = await sdk.get({ path: '/channels/news', params: { info: 'subscription_count' } });
      return ((await response.json()) as { subscription_count?: number }).subscription_count;
    };
    assert.equal(await subscriptions(), 1);

    // As if Redis restarted empty: every node's entries, and the record of the session, are gone.
    await deleteRedisPrefix(keyPrefix);
    await eventually(async () => (await subscriptions()) === 1, 'the nodes to restore their entries');

    // Each poll alternates between the nodes; every one must reach the session that exists.
    for (let i = 0; i < 4; i += 1) {
      const received = nextEvent(channel, 'after-loss');
      await sdk.trigger('news', 'after-loss', { i });
      assert.deepEqual((await received).data, { i });
    }
    assert.equal(client.connection.state, 'connected');
    assert.equal(client.connection.socket_id, socketId, 'the same session throughout');
    assert.equal(await subscriptions(), 1);
  });
});
