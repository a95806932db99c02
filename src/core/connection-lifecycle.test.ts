/**
 * A Connection on a fake transport, with an injected clock and a cluster state whose joins wait
 * until the test lets them through: inbox backpressure through the transport (pause at the
 * high-water mark, resume once drained), the lifecycle (a server close, a transport close while
 * a message is in flight, release exactly once), and the clock-driven fields (activity, pings,
 * the client-event rate limit). No real timer is waited out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StaticAppStore, type App } from '../apps/app-store.js';
import type { ChannelState } from '../cluster/channel-state.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import { MemoryBroker } from '../cluster/memory-broker.js';
import { createMemoryClusterState } from '../cluster/memory-cluster-state.js';
import { parseConfig } from '../config/load.js';
import { PING_TEXT, PONG_TEXT } from '../protocol/codec.js';
import { CloseReasons } from '../protocol/errors.js';
import type { Frame } from '../protocol/frame.js';
import { silentLogger } from '../shared/logger.js';
import { ChannelRoutes } from './channel-routes.js';
import { Connection } from './connection.js';
import { connectionServices } from './connection-services.js';
import { CoreCounters } from './core-counters.js';
import { DebugTap } from './debug-tap.js';
import type { EngineContext } from './engine-context.js';
import { Hub } from './hub.js';
import { INBOX_HIGH_WATER } from './inbox.js';
import { SubscriptionCounts } from './subscription-counts.js';
import { Transitions } from './transitions.js';
import type { Transport, TransportListener } from './transport.js';
import type { WebhookSink } from './webhook-sink.js';

class FakeTransport implements Transport {
  readonly name = 'ws';
  readonly client = { address: '127.0.0.1', scheme: 'http' as const };
  closing = false;
  listener: TransportListener | undefined;
  readonly sent: string[] = [];
  closedWith: { code: number; reason: string } | undefined;
  pauses = 0;
  resumes = 0;

  attach(listener: TransportListener): void {
    this.listener = listener;
  }

  send(frame: Frame): void {
    if (!this.closing) this.sent.push(frame.text);
  }

  /** As a WebSocket does: the close is reported later, when the peer answers. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.closedWith = { code, reason };
  }

  pause(): void {
    this.pauses += 1;
  }

  resume(): void {
    this.resumes += 1;
  }

  /** Text frames sent carrying `event`. */
  events(event: string): string[] {
    return this.sent.filter((text) => text.includes(`"event":"${event}"`));
  }
}

/** Each join waits for one `release()` (given before or after it starts); the rest is the memory state. */
function gatedState(state: ClusterState): { state: ClusterState; release(): void; waiting(): number } {
  const waiters: (() => void)[] = [];
  let passes = 0;
  const { channels } = state;
  const gated: ChannelState = {
    join: async (request) => {
      if (passes > 0) passes -= 1;
      else await new Promise<void>((resolve) => waiters.push(resolve));
      return channels.join(request);
    },
    leave: (request) => channels.leave(request),
    takeDueTransitions: (now, limit) => channels.takeDueTransitions(now, limit),
    summary: (appId, channel) => channels.summary(appId, channel),
    list: (appId, prefix) => channels.list(appId, prefix),
    members: (appId, channel) => channels.members(appId, channel),
  };
  return {
    state: { ...state, channels: gated, close: () => state.close() },
    release: () => {
      const waiter = waiters.shift();
      if (waiter === undefined) passes += 1;
      else waiter();
    },
    waiting: () => waiters.length,
  };
}

interface Fixture {
  readonly app: App;
  readonly transport: FakeTransport;
  readonly connection: Connection;
  readonly clock: { now: number };
  readonly forgotten: string[];
  readonly gate: ReturnType<typeof gatedState>;
  readonly state: ClusterState;
  text(message: unknown): void;
}

async function fixture(): Promise<Fixture> {
  const config = parseConfig({ apps: [{ id: 'app', key: 'key', secret: 'secret', clientEventsPerSecond: 2 }] });
  const [app] = config.apps;
  if (app === undefined) throw new Error('one app');
  const clock = { now: 1_000_000 };
  const now = (): number => clock.now;
  const memory = createMemoryClusterState(now);
  const gate = gatedState(memory);
  const webhooks: WebhookSink = { emit: () => undefined };
  const forgotten: string[] = [];
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
    tap: new DebugTap('test', now),
    routes: new ChannelRoutes(MemoryBroker.alone({ nodeId: 'node', logger: silentLogger }, { onPublication: () => undefined }), () => undefined),
    state: gate.state,
    transitions: new Transitions({ channels: memory.channels, apps: new StaticAppStore(config.apps), webhooks, logger: silentLogger, now, delayMs: 1_000 }),
    subscriptionCounts: new SubscriptionCounts({ threshold: 100, intervalMs: 1_000 }, webhooks, () => undefined),
    webhooks,
    logger: silentLogger,
    now,
    publish: () => undefined,
    forget: (connection) => void forgotten.push(connection.socketId),
    counters: new CoreCounters(),
  };
  await memory.connections.add(app.id, '1.1', undefined);
  const transport = new FakeTransport();
  const connection = new Connection(connectionServices(context), app, transport, '1.1');
  connection.start();
  const text = (message: unknown): void => {
    const listener = transport.listener;
    if (listener === undefined) throw new Error('not attached');
    listener.onText(JSON.stringify(message));
  };
  return { app, transport, connection, clock, forgotten, gate, state: memory, text };
}

/** Lets the memory state's and the connection's promise callbacks run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

const ping = { event: 'pusher:ping', data: {} };
const subscribe = (channel: string) => ({ event: 'pusher:subscribe', data: { channel } });

describe('Connection inbox and backpressure', () => {
  it('holds messages behind a subscribe in flight, pauses the transport at the high-water mark, resumes once drained', async () => {
    const f = await fixture();
    f.text(subscribe('news'));
    assert.equal(f.connection.busy, true);
    for (let index = 0; index < INBOX_HIGH_WATER - 1; index += 1) f.text(ping);
    assert.equal(f.transport.pauses, 0, 'not paused below the high-water mark');
    f.text(ping);
    assert.equal(f.transport.pauses, 1);
    f.text(ping);
    assert.equal(f.transport.pauses, 1, 'paused once');
    assert.equal(f.transport.events('pusher:pong').length, 0, 'nothing answered while the subscribe waits');

    f.gate.release();
    await settle();
    assert.equal(f.connection.busy, false);
    assert.equal(f.transport.resumes, 1);
    const succeeded = f.transport.sent.findIndex((text) => text.includes('subscription_succeeded'));
    const firstPong = f.transport.sent.indexOf(PONG_TEXT);
    assert.ok(succeeded >= 0 && succeeded < firstPong, 'answered in the order they came');
    assert.equal(f.transport.events('pusher:pong').length, INBOX_HIGH_WATER + 1);
    assert.deepEqual([...f.connection.subscriptions.keys()], ['news']);
  });

  it('a second subscribe queued behind the first keeps the transport paused until it too settles', async () => {
    const f = await fixture();
    f.text(subscribe('one'));
    f.text(subscribe('two'));
    for (let index = 0; index < INBOX_HIGH_WATER; index += 1) f.text(ping);
    assert.equal(f.transport.pauses, 1);
    f.gate.release();
    await settle();
    assert.equal(f.gate.waiting(), 1, 'the second subscribe waits on its join');
    assert.equal(f.transport.resumes, 0, 'still paused: pings wait behind the second subscribe');
    f.gate.release();
    await settle();
    assert.equal(f.transport.resumes, 1);
    assert.deepEqual([...f.connection.subscriptions.keys()], ['one', 'two']);
  });
});

describe('Connection lifecycle', () => {
  it('a server close sends pusher:error then the close, once; the transport report releases it', async () => {
    const f = await fixture();
    f.connection.close(CloseReasons.pongTimeout);
    f.connection.close(CloseReasons.serverShutdown);
    assert.equal(f.connection.closing, true);
    assert.deepEqual(f.transport.closedWith, { code: CloseReasons.pongTimeout.code, reason: CloseReasons.pongTimeout.message });
    assert.equal(f.transport.events('pusher:error').length, 1);
    assert.deepEqual(f.forgotten, []);
    f.transport.listener?.onClose(CloseReasons.pongTimeout.code, CloseReasons.pongTimeout.message);
    await f.connection.done;
    assert.deepEqual(f.forgotten, ['1.1']);
    assert.equal(await f.state.connections.count(f.app.id), 0);
  });

  it('a transport close with a subscribe in flight drops what queued and releases once it settles', async () => {
    const f = await fixture();
    f.text(subscribe('news'));
    f.text(ping);
    f.transport.listener?.onClose(1000, 'bye');
    f.transport.listener?.onClose(1000, 'again');
    assert.equal(f.connection.closing, true);
    f.text(ping);
    await settle();
    assert.deepEqual(f.forgotten, [], 'not released while the subscribe is in flight');
    f.gate.release();
    await f.connection.done;
    assert.deepEqual(f.forgotten, ['1.1']);
    assert.equal(f.transport.events('pusher:pong').length, 0, 'queued and later messages dropped');
    assert.deepEqual([...f.connection.subscriptions.keys()], [], 'the subscription that completed is left on release');
    assert.equal((await f.state.channels.summary(f.app.id, 'news')).subscriptionCount, 0);
  });
});

describe('Connection clock', () => {
  it('activity and pings follow the injected clock', async () => {
    const f = await fixture();
    assert.equal(f.connection.lastActivityAt, 1_000_000);
    f.clock.now += 5_000;
    f.connection.ping(f.clock.now);
    assert.equal(f.connection.pingSentAt, 1_005_000);
    assert.equal(f.transport.sent.at(-1), PING_TEXT);
    f.clock.now += 1_000;
    f.text({ event: 'pusher:pong', data: {} });
    assert.equal(f.connection.pingSentAt, undefined);
    assert.equal(f.connection.lastActivityAt, 1_006_000);
  });

  it('the client-event rate limit refills as the clock moves', async () => {
    const f = await fixture();
    assert.equal(f.connection.takeClientEventToken(), true);
    assert.equal(f.connection.takeClientEventToken(), true);
    assert.equal(f.connection.takeClientEventToken(), false, 'two per second');
    f.clock.now += 500;
    assert.equal(f.connection.takeClientEventToken(), true, 'one token back after half a second');
    assert.equal(f.connection.takeClientEventToken(), false);
  });
});
