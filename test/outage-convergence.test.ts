/**
 * After a bus outage the shared state converges to the live connections, on a bus that keeps its
 * data (Redis with appendonly, NATS JetStream): what closed while the bus was down is retired
 * once (member_removed, webhooks, quota slots), and what lives stays without flapping.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { appConfig, startNode, stopNode, writeConfig, type ClusterNode } from './helpers/cluster.js';
import { PrivateNatsServer } from './helpers/nats-server.js';
import { clientFor, connected, disconnect, nextEvent, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { freePort, PrivateRedis } from './helpers/redis-server.js';
import { APP, OTHER_APP } from './helpers/server.js';
import { eventually } from './helpers/wait.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

/** Seconds; the outage outlasts it, so every heartbeat has expired when the bus returns. */
const NODE_TIMEOUT = 1;

interface KeptBus {
  readonly config: Record<string, unknown>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

const BUSES: readonly { name: string; start: () => Promise<KeptBus> }[] = [
  {
    name: 'Redis with appendonly',
    start: async () => {
      const redis = new PrivateRedis(await freePort(), { persistent: true });
      await redis.start();
      return { config: { redis: { url: redis.url, keyPrefix: 'kept:' } }, kill: () => redis.kill(), restart: () => redis.start(), close: () => redis.close() };
    },
  },
  {
    name: 'NATS',
    start: async () => {
      const nats = await PrivateNatsServer.start();
      return { config: { nats: { servers: [nats.url], prefix: 'kept' } }, kill: () => nats.kill(), restart: () => nats.restart(), close: () => nats.close() };
    },
  },
];

interface Users {
  users: { id: string }[];
}

/** Resolves once the node has tried, and failed, to release the closed connection. */
function releaseFailed(node: ClusterNode, socketId: string): Promise<void> {
  return eventually(
    () => node.cli.lines.some((line) => line.includes('could not release a closed connection') && line.includes(socketId)),
    `node to fail releasing ${socketId}`,
  );
}

describe('convergence after a bus outage', () => {
  const clients: PusherClient[] = [];
  const raws: RawClient[] = [];
  const nodes: ClusterNode[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => disconnect(client)));
    await Promise.all(raws.map((raw) => raw.close()));
    await Promise.all(nodes.map((node) => stopNode(node)));
  });

  for (const bus of BUSES) it(`retires what closed during the outage and keeps the rest (${bus.name})`, async () => {
    const server = await bus.start();
    const receiver = await WebhookReceiver.start();
    try {
      const configPath = await writeConfig({
        ...server.config,
        cluster: { nodeTimeout: NODE_TIMEOUT },
        webhooks: { batchWindowMs: 20, transitionDelayMs: 200 },
        apps: [
          appConfig(APP, { webhooks: [{ url: receiver.url(), events: ['channel_vacated', 'member_removed'] }] }),
          appConfig(OTHER_APP, { maxConnections: 3 }),
        ],
      });
      const [a, b] = await Promise.all([startNode(configPath), startNode(configPath)]);
      nodes.push(a, b);
      const client = (node: ClusterNode, userId: string): PusherClient => {
        const created = clientFor(node.server, APP, { presence: { user_id: userId } });
        clients.push(created);
        return created;
      };

      // stay-a and stay-b live through the outage; gone-a and gone-b close during it.
      const stayA = client(a, 'stay-a');
      const room = await subscribed(stayA, 'presence-room');
      const joined = new Set<string>();
      room.bind('pusher:member_added', (member: { id: string }) => joined.add(member.id));
      const goneA = client(a, 'gone-a');
      const goneB = client(b, 'gone-b');
      const stayB = client(b, 'stay-b');
      await Promise.all([stayB, goneA, goneB].map((other) => subscribed(other, 'presence-room')));
      await subscribed(goneA, 'emptied-on-a');
      await subscribed(goneB, 'presence-emptied-on-b');
      await eventually(() => joined.size === 3, 'stay-a to see the three other members join');
      const removals: string[] = [];
      const rejoins: string[] = [];
      room.bind('pusher:member_removed', (member: { id: string }) => removals.push(member.id));
      room.bind('pusher:member_added', (member: { id: string }) => rejoins.push(member.id));

      // The quota app: three connections, two of which close during the outage.
      const quota = await Promise.all([a, b, a].map((node) => RawClient.connect(node.server.wsUrl, OTHER_APP.key)));
      raws.push(...quota.map((entry) => entry.client));
      const [closesOnA, closesOnB] = quota as [(typeof quota)[0], (typeof quota)[0]];

      await server.kill();
      const goneIds = await Promise.all([connected(goneA), connected(goneB)]);
      await Promise.all([disconnect(goneA), disconnect(goneB), closesOnA.client.close(), closesOnB.client.close()]);
      await Promise.all([
        releaseFailed(a, goneIds[0]),
        releaseFailed(b, goneIds[1]),
        releaseFailed(a, closesOnA.socketId),
        releaseFailed(b, closesOnB.socketId),
      ]);
      // The scenario: an outage longer than the node timeout, so every heartbeat lapses.
      await delay(NODE_TIMEOUT * 1500);
      await server.restart();

      // Within a few seconds, not minutes: the nodes reconcile on their own.
      for (const node of [a, b]) {
        const sdk = sdkFor(node.server, APP);
        await eventually(
          async () => {
            try {
              const users = (await (await sdk.get({ path: '/channels/presence-room/users' })).json()) as Users;
              return JSON.stringify(users.users.map((user) => user.id).sort()) === '["stay-a","stay-b"]';
            } catch {
              return false;
            }
          },
          'the users API to list only the live members',
          8_000,
        );
      }
      await receiver.event({ name: 'member_removed', channel: 'presence-room', user_id: 'gone-a' });
      await receiver.event({ name: 'member_removed', channel: 'presence-room', user_id: 'gone-b' });
      await receiver.event({ name: 'channel_vacated', channel: 'emptied-on-a' });
      await receiver.event({ name: 'channel_vacated', channel: 'presence-emptied-on-b' });
      await receiver.event({ name: 'member_removed', channel: 'presence-emptied-on-b', user_id: 'gone-b' });

      // The freed quota slots are usable again, and the quota still holds at three.
      let admitted: RawClient | undefined;
      await eventually(async () => {
        const attempt = await RawClient.open(a.server.wsUrl, `/app/${OTHER_APP.key}?protocol=7`);
        raws.push(attempt);
        const first = await attempt.next();
        if (first.event === 'pusher:connection_established') admitted = attempt;
        else await attempt.closed;
        return admitted !== undefined;
      }, 'a new connection to be admitted (no 4004)', 8_000);
      const second = await RawClient.connect(b.server.wsUrl, OTHER_APP.key);
      raws.push(second.client);
      const over = await RawClient.open(b.server.wsUrl, `/app/${OTHER_APP.key}?protocol=7`);
      raws.push(over);
      assert.equal((await over.closed).code, 4004, 'a fourth connection is still refused');

      // Everything that can arrive has: a marker through the same channel, after the webhooks.
      const marker = nextEvent(room, 'marker');
      await sdkFor(b.server, APP).trigger('presence-room', 'marker', '');
      await marker;
      assert.deepEqual(removals.sort(), ['gone-a', 'gone-b'], 'member_removed once per gone user, none for the live ones');
      assert.deepEqual(rejoins, [], 'no live member left and came back');
      const events = receiver.events();
      const count = (name: string, channel: string, userId?: string): number =>
        events.filter((event) => event['name'] === name && event['channel'] === channel && (userId === undefined || event['user_id'] === userId)).length;
      assert.equal(count('member_removed', 'presence-room', 'gone-a'), 1);
      assert.equal(count('member_removed', 'presence-room', 'gone-b'), 1);
      assert.equal(count('member_removed', 'presence-room', 'stay-a') + count('member_removed', 'presence-room', 'stay-b'), 0);
      assert.equal(count('channel_vacated', 'emptied-on-a'), 1);
      assert.equal(count('channel_vacated', 'presence-emptied-on-b'), 1);
      assert.equal(count('channel_vacated', 'presence-room'), 0);
    } finally {
      await Promise.all(nodes.splice(0).map((node) => stopNode(node)));
      await receiver.close();
      await server.close();
    }
  });
});
