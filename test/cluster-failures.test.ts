/** Node deaths (kill -9) and bus outages, with nodes as separate processes. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
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

  for (const bus of BUSES) it(`keeps serving local traffic while ${bus.name} is down, then reconnects and restores its state`, async () => {
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
      await subscribed(onB, 'presence-shared');
      const local = await subscribed(onA, 'local-news');

      await server.kill();
      const localEvent = nextEvent(local, 'during-outage');
      const response = await sdkFor(a.server, APP).trigger('local-news', 'during-outage', 'still here');
      assert.equal(response.status, 200, 'publishing on a node keeps working for its own clients');
      assert.equal((await localEvent).data, 'still here');

      await server.restart();
      const sdkB = sdkFor(b.server, APP);
      // The nodes notice on their own (reconnect, then a heartbeat finds their entries gone).
      await eventually(async () => {
        try {
          const users = (await (await sdkB.get({ path: '/channels/presence-shared/users' })).json()) as Users;
          return users.users.length === 2;
        } catch {
          return false;
        }
      }, 'both nodes restored their presence members into the restarted Redis');

      let delivered = false;
      channelOnA.bind('after-outage', () => (delivered = true));
      await eventually(async () => {
        await sdkB.trigger('presence-shared', 'after-outage', '').catch(() => undefined);
        return delivered;
      }, 'cross-node delivery resumes once the broker has re-subscribed');
      assert.equal(a.cli.child.exitCode, null, 'no node crashed');
      assert.equal(b.cli.child.exitCode, null);
    } finally {
      await Promise.all(nodes.splice(0).map((node) => stopNode(node)));
      await server.close();
    }
  });
});
