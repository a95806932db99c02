/**
 * reconcile() on the memory state, with what the store holds as this node's given explicitly (as
 * Redis's owned set would say): what no live connection backs is retired once, in-flight work
 * (a join, an admission, a closing connection) is left alone, and what changes while the pass
 * reads the store is neither retired nor announced twice.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StaticAppStore, type App } from '../apps/app-store.js';
import type { Publication } from '../cluster/broker.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import { createMemoryClusterState } from '../cluster/memory-cluster-state.js';
import { MemoryBroker } from '../cluster/memory-broker.js';
import type { NodeMembership, OwnedEntry } from '../cluster/ownership.js';
import { parseConfig } from '../config/load.js';
import { channelType } from '../protocol/channels.js';
import { ChannelRoutes } from './channel-routes.js';
import { CoreCounters } from './core-counters.js';
import type { Subscription } from './connection.js';
import type { EngineContext } from './engine-context.js';
import { DebugTap } from './debug-tap.js';
import { Hub } from './hub.js';
import { silentLogger } from '../shared/logger.js';
import { reconcile, type LiveConnection, type LiveConnections } from './reconcile.js';
import { SubscriptionCounts } from './subscription-counts.js';
import { Transitions } from './transitions.js';
import type { WebhookEvent, WebhookSink } from './webhook-sink.js';

const ROOM = 'presence-room';

/** The store's view of this node's entries; `reading` runs while the pass waits for it. */
class StoreView implements NodeMembership {
  readonly nodeId = 'node';
  entries: OwnedEntry[] = [];
  reading: () => Promise<void> = () => Promise.resolve();

  claimOrphans(): Promise<readonly OwnedEntry[]> {
    return Promise.resolve([]);
  }

  onLost(): void {}

  liveNodes(): Promise<readonly string[]> {
    return Promise.resolve([this.nodeId]);
  }

  async ownEntries(): Promise<readonly OwnedEntry[]> {
    const snapshot = [...this.entries];
    await this.reading();
    return snapshot;
  }

  reconciled(): Promise<void> {
    return Promise.resolve();
  }
}

interface Fixture {
  readonly app: App;
  readonly state: ClusterState;
  readonly store: StoreView;
  readonly published: Publication[];
  readonly webhooks: WebhookEvent[];
  readonly connections: Map<string, LiveConnection>;
  readonly admitting: Set<string>;
  run(): ReturnType<typeof reconcile>;
  /** What a connection does to the state when it joins the room as `userId`. */
  join(socketId: string, userId: string): Promise<void>;
  live(socketId: string, userId: string, options?: { subscribed?: boolean; closing?: boolean; busy?: boolean }): LiveConnection;
}

function fixture(): Fixture {
  const config = parseConfig({ apps: [{ id: 'app', key: 'key', secret: 'secret', webhooks: [{ url: 'http://127.0.0.1:9/hook' }] }] });
  const [app] = config.apps;
  if (app === undefined) throw new Error('one app');
  const apps = new StaticAppStore(config.apps);
  const state = createMemoryClusterState();
  const store = new StoreView();
  const published: Publication[] = [];
  const webhookEvents: WebhookEvent[] = [];
  const webhooks: WebhookSink = { emit: (_app, event) => webhookEvents.push(event) };
  const publish = (publication: Publication): void => void published.push(publication);
  const context: EngineContext = {
    settings: {
      activityTimeoutSeconds: 120,
      pongTimeoutSeconds: 30,
      transitionDelayMs: 1_000,
      sweepIntervalMs: 1_000,
      reapIntervalMs: 1_000,
      subscriptionCountThrottle: { threshold: 100, intervalMs: 1_000 },
    },
    hub: new Hub(),
    tap: new DebugTap('test'),
    routes: new ChannelRoutes(MemoryBroker.alone({ nodeId: 'node', logger: silentLogger }, { onPublication: () => undefined }), () => undefined),
    state,
    transitions: new Transitions({ channels: state.channels, apps, webhooks, logger: silentLogger, now: Date.now, delayMs: 1_000 }),
    subscriptionCounts: new SubscriptionCounts({ threshold: 100, intervalMs: 1_000 }, webhooks, publish),
    webhooks,
    logger: silentLogger,
    now: Date.now,
    publish,
    forget: () => undefined,
    counters: new CoreCounters(),
  };
  const connections = new Map<string, LiveConnection>();
  const admitting = new Set<string>();
  const live: LiveConnections = {
    all: () => connections.values(),
    get: (socketId) => connections.get(socketId),
    admitting: (socketId) => admitting.has(socketId),
  };
  const member = (userId: string) => ({ userId, userInfo: undefined });
  return {
    app,
    state,
    store,
    published,
    webhooks: webhookEvents,
    connections,
    admitting,
    run: () => reconcile({ services: context, apps, membership: store, live }),
    join: async (socketId, userId) => {
      await state.connections.add(app.id, socketId, undefined);
      await state.channels.join({ appId: app.id, channel: ROOM, socketId, member: member(userId), transitionDelayMs: 1_000 });
      await state.users.add(app.id, userId, socketId);
      store.entries.push(
        { kind: 'connection', appId: app.id, socketId },
        { kind: 'subscription', appId: app.id, channel: ROOM, socketId },
        { kind: 'user', appId: app.id, userId, socketId },
      );
    },
    live: (socketId, userId, options = {}) => {
      const subscription: Subscription = { channel: ROOM, type: channelType(ROOM), member: member(userId) };
      const connection: LiveConnection = {
        app,
        socketId,
        subscriptions: new Map(options.subscribed === false ? [] : [[ROOM, subscription]]),
        user: { id: userId, info: undefined, userData: '{}', watchlist: [] },
        closing: options.closing ?? false,
        busy: options.busy ?? false,
      };
      connections.set(socketId, connection);
      return connection;
    },
  };
}

function events(published: readonly Publication[], name: string): string[] {
  return published.filter((publication) => publication.event === name).flatMap((publication) => (typeof publication.data === 'string' ? [publication.data] : []));
}

describe('reconcile', () => {
  it('retires, once, only what no live connection backs; in-flight work is left alone', async () => {
    const f = fixture();
    await f.join('1.gone', 'gone');
    await f.join('2.stay', 'stay');
    f.live('2.stay', 'stay');
    // Mid-join: the state has the subscription, the connection has not confirmed it yet.
    await f.join('3.joining', 'joiner');
    f.live('3.joining', 'joiner', { subscribed: false, busy: true });
    // Closing: its own release removes what it held.
    await f.join('4.closing', 'leaver');
    f.live('4.closing', 'leaver', { subscribed: false, closing: true });
    // Being admitted: registered under the quota, not yet a connection.
    await f.state.connections.add(f.app.id, '5.admitting', undefined);
    f.store.entries.push({ kind: 'connection', appId: f.app.id, socketId: '5.admitting' });
    f.admitting.add('5.admitting');

    assert.deepEqual(await f.run(), { retired: 3, reasserted: 0 });
    assert.deepEqual(events(f.published, 'pusher_internal:member_removed'), [JSON.stringify({ user_id: 'gone' })]);
    const members = await f.state.channels.members(f.app.id, ROOM);
    assert.deepEqual(members.map((member) => member.userId).sort(), ['joiner', 'leaver', 'stay']);
    assert.equal(await f.state.connections.count(f.app.id), 4);
    assert.deepEqual(await f.state.users.online(f.app.id, ['gone', 'stay', 'joiner', 'leaver']), ['stay', 'joiner', 'leaver']);
    const due = await f.state.channels.takeDueTransitions(Date.now() + 60_000, 10);
    assert.deepEqual(due, [{ appId: f.app.id, channel: ROOM, transition: { kind: 'member-removed', userId: 'gone' } }]);

    // The store still lists the retired entries (it is a fixed view here): retiring again changes nothing.
    await f.run();
    assert.equal(events(f.published, 'pusher_internal:member_removed').length, 1);
    assert.deepEqual(await f.state.channels.takeDueTransitions(Date.now() + 60_000, 10), []);
  });

  it('re-asserts what live connections hold and the state lacks, except what is on its way out', async () => {
    const f = fixture();
    f.live('1.stay', 'stay');
    // A message in flight does not hold back what the connection already confirmed.
    f.live('2.busy', 'busy', { busy: true });
    f.live('3.closing', 'leaver', { closing: true });

    assert.deepEqual(await f.run(), { retired: 0, reasserted: 6 });
    const added = events(f.published, 'pusher_internal:member_added').map((data) => (JSON.parse(data) as { user_id: string }).user_id);
    assert.deepEqual(added, ['stay', 'busy']);
    assert.deepEqual(f.webhooks, [
      { name: 'channel_occupied', channel: ROOM },
      { name: 'member_added', channel: ROOM, user_id: 'stay' },
      { name: 'member_added', channel: ROOM, user_id: 'busy' },
    ]);
    assert.equal(await f.state.connections.count(f.app.id), 2);
    assert.deepEqual(await f.state.users.online(f.app.id, ['stay', 'busy', 'leaver']), ['stay', 'busy']);
  });

  it('neither retires nor announces twice what changes while the pass reads the store', async () => {
    const f = fixture();
    // Left while the pass reads: in the snapshot, gone from both the state and the connection.
    await f.join('1.unsubscribing', 'unsubscriber');
    const unsubscribing = f.live('1.unsubscribing', 'unsubscriber', { busy: true });
    // Joined while the pass reads: in neither the snapshot nor the connection when it starts.
    const joining = f.live('2.joining', 'joiner', { subscribed: false, busy: true });
    await f.state.connections.add(f.app.id, '2.joining', undefined);
    await f.state.users.add(f.app.id, 'joiner', '2.joining');
    f.store.entries.push(
      { kind: 'connection', appId: f.app.id, socketId: '2.joining' },
      { kind: 'user', appId: f.app.id, userId: 'joiner', socketId: '2.joining' },
    );
    f.store.reading = async () => {
      await f.state.channels.leave({ appId: f.app.id, channel: ROOM, socketId: '1.unsubscribing', transitionDelayMs: 1_000 });
      f.connections.set('1.unsubscribing', { ...unsubscribing, subscriptions: new Map(), busy: false });
      await f.state.channels.join({ appId: f.app.id, channel: ROOM, socketId: '2.joining', member: { userId: 'joiner', userInfo: undefined } });
      f.connections.set('2.joining', { ...joining, subscriptions: new Map([[ROOM, { channel: ROOM, type: channelType(ROOM), member: { userId: 'joiner', userInfo: undefined } }]]), busy: false });
    };

    await f.run();
    // The connections' own operations reported their changes; the pass repeated them harmlessly.
    assert.deepEqual(events(f.published, 'pusher_internal:member_removed'), []);
    assert.deepEqual(events(f.published, 'pusher_internal:member_added'), []);
    const members = await f.state.channels.members(f.app.id, ROOM);
    assert.deepEqual(members.map((member) => member.userId), ['joiner']);
  });
});
