/** Node deaths (kill -9) and bus outages, with nodes as separate processes. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { signRestQuery } from '../src/protocol/rest-auth.js';
import { clientFor, disconnect, nextEvent, sdkFor, signedIn, subscribed, type PusherClient } from './helpers/pusher.js';
import { APP } from './helpers/server.js';
import { appConfig, startNode, startNodes, stopNode, writeConfig, type ClusterNode } from './helpers/cluster.js';
import { freePort, PrivateRedis } from './helpers/redis-server.js';
import { deleteNatsPrefix, uniqueNatsPrefix } from './helpers/nats.js';
import { PrivateNatsServer } from './helpers/nats-server.js';
import { deleteRedisPrefix, NATS_SERVERS, REDIS_URL, uniquePrefix } from './helpers/services.js';
import { eventually } from './helpers/wait.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

/** A bus to run a test on: the shared server (unique prefix), or a private one that can die. */
interface TestBus {
  readonly name: string;
  shared(label: string): { config: Record<string, unknown>; cleanup: () => Promise<void> };
  private(): Promise<{ config: Record<string, unknown>; kill: () => Promise<void>; restart: () => Promise<void>; close: () => Promise<void> }>;
}

const BUSES: readonly TestBus[] = [
  {
    name: 'Redis',
    shared: (label) => {
      const prefix = uniquePrefix(label);
      return { config: { redis: { url: REDIS_URL, keyPrefix: prefix } }, cleanup: () => deleteRedisPrefix(prefix) };
    },
    private: async () => {
      const redis = new PrivateRedis(await freePort());
      await redis.start();
      // No persistence: the restart comes back empty, and the nodes must restore their state.
      return { config: { redis: { url: redis.url, keyPrefix: 'outage:' } }, kill: () => redis.kill(), restart: () => redis.start(), close: () => redis.kill() };
    },
  },
  {
    name: 'NATS',
    shared: (label) => {
      const prefix = uniqueNatsPrefix(label);
      return { config: { nats: { servers: NATS_SERVERS, prefix } }, cleanup: () => deleteNatsPrefix(prefix) };
    },
    private: async () => {
      const nats = await PrivateNatsServer.start();
      return {
        config: { nats: { servers: [nats.url], prefix: 'outage' } },
        kill: () => nats.kill(),
        restart: () => nats.restart(),
        close: () => nats.close(),
      };
    },
  },
];

interface Users {
  users: { id: string }[];
}

describe('cluster failures', () => {
  const clients: PusherClient[] = [];
  const nodes: ClusterNode[] = [];
  const client = (node: ClusterNode, options: Parameters<typeof clientFor>[2] = {}): PusherClient => {
    const created = clientFor(node.server, APP, options);
    clients.push(created);
    return created;
  };
  after(async () => {
    await Promise.all(clients.map((entry) => disconnect(entry)));
    await Promise.all(nodes.map((node) => stopNode(node)));
  });

  for (const bus of BUSES) it(`cleans up after a node killed with -9 (${bus.name}): member_removed once, watchers told, counts freed`, async () => {
    const busConfig = bus.shared('kill');
    const receiver = await WebhookReceiver.start();
    try {
      const started = await startNodes(2, {
        ...busConfig.config,
        cluster: { nodeTimeout: 2 },
        webhooks: { batchWindowMs: 50, transitionDelayMs: 300 },
        apps: [appConfig(APP, { clientEvents: true, webhooks: [{ url: receiver.url(), events: ['channel_vacated', 'member_removed'] }] })],
      });
      nodes.push(...started.nodes);
      const [doomed, survivor] = started.nodes as [ClusterNode, ClusterNode];

      const watcher = client(survivor, { presence: { user_id: 'watcher' }, user: { id: 'watcher', watchlist: ['victim'] } });
      const initial = nextEvent(watcher.user.watchlist, 'offline');
      await signedIn(watcher);
      await initial;
      const room = await subscribed(watcher, 'presence-room');
      const removals: unknown[] = [];
      room.bind('pusher:member_removed', (member: unknown) => removals.push(member));

      const victim = client(doomed, { presence: { user_id: 'victim' }, user: { id: 'victim' } });
      const online = nextEvent(watcher.user.watchlist, 'online');
      const added = nextEvent(room, 'pusher:member_added');
      await signedIn(victim);
      await online;
      await subscribed(victim, 'presence-room');
      await subscribed(victim, 'only-on-the-doomed-node');
      await added;

      const removed = nextEvent(room, 'pusher:member_removed');
      const offline = nextEvent<{ user_ids: string[] }>(watcher.user.watchlist, 'offline');
      doomed.cli.signal('SIGKILL');
      await doomed.cli.exited;
      assert.deepEqual((await removed).data, { id: 'victim', info: null });
      assert.deepEqual((await offline).data.user_ids, ['victim']);

      const sdk = sdkFor(survivor.server, APP);
      const users = (await (await sdk.get({ path: '/channels/presence-room/users' })).json()) as Users;
      assert.deepEqual(users.users, [{ id: 'watcher' }]);
      const lonely: unknown = await (await sdk.get({ path: '/channels/only-on-the-doomed-node' })).json();
      assert.deepEqual(lonely, { occupied: false });
      const marker = nextEvent(room, 'marker');
      await sdk.trigger('presence-room', 'marker', '');
      await marker;
      assert.equal(removals.length, 1, 'member_removed exactly once');

      // The webhooks follow once, from the survivor, after the debounce.
      await receiver.event({ name: 'channel_vacated', channel: 'only-on-the-doomed-node' });
      await receiver.event({ name: 'member_removed', channel: 'presence-room', user_id: 'victim' });
      const watcherGone = receiver.event({ name: 'channel_vacated', channel: 'presence-room' });
      await disconnect(watcher);
      await watcherGone;
      const events = receiver.events();
      assert.equal(events.filter((event) => event['channel'] === 'only-on-the-doomed-node').length, 1);
      assert.equal(events.filter((event) => event['name'] === 'member_removed' && event['user_id'] === 'victim').length, 1);
    } finally {
      await receiver.close();
      await Promise.all(nodes.splice(0).map((node) => stopNode(node)));
      await busConfig.cleanup();
    }
  });

  for (const bus of BUSES) it(`refuses API publishes with 503 while ${bus.name} is down, then reconnects, restores its state and delivers the retry once`, async () => {
    const server = await bus.private();
    const configPath = await writeConfig({
      ...server.config,
      cluster: { nodeTimeout: 2 },
      apps: [appConfig(APP)],
    });
    const a = await startNode(configPath);
    const b = await startNode(configPath);
    nodes.push(a, b);
    try {
      const onA = client(a, { presence: { user_id: 'on-a' } });
      const onB = client(b, { presence: { user_id: 'on-b' } });
      const channelOnA = await subscribed(onA, 'presence-shared');
      const channelOnB = await subscribed(onB, 'presence-shared');
      const received = { a: 0, b: 0 };
      channelOnA.bind('retried', () => (received.a += 1));
      channelOnB.bind('retried', () => (received.b += 1));

      await server.kill();
      // A 200 would mean every node with subscribers got it; the bus cannot say so: 503, and
      // nothing is delivered on this node either, so the publisher's retry delivers once.
      const body = JSON.stringify({ name: 'retried', channels: ['presence-shared'], data: 'once' });
      const path = `/apps/${APP.id}/events`;
      const refused = await fetch(`${a.server.httpUrl}${path}?${signRestQuery(APP, 'POST', path, {}, body, Date.now())}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const refusal = (await refused.json()) as { code?: string };
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(refusal.code, 'SB_API_BUS_UNAVAILABLE');

      await server.restart();
      const sdkA = sdkFor(a.server, APP);
      const sdkB = sdkFor(b.server, APP);
      // The nodes notice on their own (reconnect, then a heartbeat finds their entries gone).
      await eventually(async () => {
        try {
          const users = (await (await sdkB.get({ path: '/channels/presence-shared/users' })).json()) as Users;
          return users.users.length === 2;
        } catch {
          return false;
        }
      }, 'both nodes restored their presence members into the restarted bus');

      let resumed = false;
      channelOnB.bind('after-outage', () => (resumed = true));
      await eventually(async () => {
        await sdkA.trigger('presence-shared', 'after-outage', '').catch(() => undefined);
        return resumed;
      }, 'cross-node delivery resumes once the broker has re-subscribed');

      // The publisher retries as told; the retry is delivered once on each node.
      const retried = await sdkA.trigger('presence-shared', 'retried', 'once');
      assert.equal(retried.status, 200);
      const markerOnA = nextEvent(channelOnA, 'marker');
      const markerOnB = nextEvent(channelOnB, 'marker');
      await sdkA.trigger('presence-shared', 'marker', '');
      await Promise.all([markerOnA, markerOnB]);
      assert.deepEqual(received, { a: 1, b: 1 }, 'the refused publish was delivered nowhere; its retry once on each node');
      assert.equal(a.cli.child.exitCode, null, 'no node crashed');
      assert.equal(b.cli.child.exitCode, null);
    } finally {
      await Promise.all(nodes.splice(0).map((node) => stopNode(node)));
      await server.close();
    }
  });
});
