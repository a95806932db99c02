/**
 * A publication reaches a subscriber on another node as the very bytes a subscriber on the
 * publishing node receives: the bus carries the client frame the publishing node encoded, and the
 * receiving node hands it on without parsing or re-encoding it. Checked on the in-memory bus (in
 * process), on Redis and on NATS (two in-process nodes each), with client events on a presence
 * channel (non-ASCII, escapes, nesting, and the user_id the server adds) and HTTP API publishes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { ConfigInput } from '../src/config/schema.js';
import { channelStringToSign, signToken } from '../src/protocol/signatures.js';
import { MemoryCluster } from './helpers/memory-cluster.js';
import { deleteNatsPrefix, uniqueNatsPrefix } from './helpers/nats.js';
import { sdkFor } from './helpers/pusher.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { deleteRedisPrefix, NATS_SERVERS, REDIS_URL, uniquePrefix } from './helpers/services.js';

const CHANNEL = 'presence-room';

/** A WebSocket keeping every text frame as the server sent it (its UTF-8 bytes, unparsed). */
class FrameRecorder {
  readonly frames: Buffer[] = [];
  readonly #ws: WebSocket;
  #waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => {
      this.frames.push(data);
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    });
    ws.on('error', () => undefined);
  }

  /** Connects, then subscribes to the presence channel as `userId`; resolves once subscribed. */
  static async join(server: TestServer, userId: string): Promise<FrameRecorder> {
    const ws = new WebSocket(`${server.wsUrl}/app/${APP.key}?protocol=7&client=js&version=8.6.0`);
    const recorder = new FrameRecorder(ws);
    const established = JSON.parse((await recorder.frame((text) => text.includes('pusher:connection_established'))).toString('utf8')) as { data: string };
    const { socket_id: socketId } = JSON.parse(established.data) as { socket_id: string };
    const channelData = JSON.stringify({ user_id: userId, user_info: { name: `${userId} ✓` } });
    ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel: CHANNEL, auth: signToken(APP, channelStringToSign(socketId, CHANNEL, channelData)), channel_data: channelData } }));
    await recorder.frame((text) => text.includes('pusher_internal:subscription_succeeded'));
    return recorder;
  }

  /** The first frame received (so far or later) whose text satisfies `match`. */
  async frame(match: (text: string) => boolean): Promise<Buffer> {
    for (;;) {
      const found = this.frames.find((frame) => match(frame.toString('utf8')));
      if (found !== undefined) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  send(text: string): void {
    this.#ws.send(text);
  }

  close(): void {
    this.#ws.close();
  }
}

interface Bus {
  readonly name: string;
  start(): Promise<TestServer[]>;
  cleanup(): Promise<void>;
}

const apps = [{ ...APP, clientEvents: true }];

function memoryBus(): Bus {
  const cluster = new MemoryCluster();
  return { name: 'the in-memory bus', start: () => Promise.all([cluster.startNode({ apps }), cluster.startNode({ apps })]), cleanup: () => cluster.close() };
}

function configuredBus(name: string, config: Partial<ConfigInput>, cleanup: () => Promise<void>): Bus {
  return { name, start: () => Promise.all([startServer({ apps, ...config }), startServer({ apps, ...config })]), cleanup };
}

const redisPrefix = uniquePrefix('frames');
const natsPrefix = uniqueNatsPrefix('frames');
const buses = [
  memoryBus(),
  configuredBus('Redis', { redis: { url: REDIS_URL, keyPrefix: redisPrefix } }, () => deleteRedisPrefix(redisPrefix)),
  configuredBus('NATS', { nats: { servers: NATS_SERVERS, prefix: natsPrefix } }, () => deleteNatsPrefix(natsPrefix)),
];

for (const bus of buses) describe(`cross-node frames on ${bus.name}`, () => {
  let nodes: TestServer[] = [];
  const recorders: FrameRecorder[] = [];
  let sender: FrameRecorder;
  let local: FrameRecorder;
  let remote: FrameRecorder;

  before(async () => {
    nodes = await bus.start();
    const [first, second] = nodes;
    assert.ok(first !== undefined && second !== undefined);
    sender = await FrameRecorder.join(first, 'alice');
    local = await FrameRecorder.join(first, 'carol');
    remote = await FrameRecorder.join(second, 'bob');
    recorders.push(sender, local, remote);
  });
  after(async () => {
    for (const recorder of recorders) recorder.close();
    await Promise.all(nodes.map((node) => node.close()));
    await bus.cleanup();
  });

  it('delivers a client event with user_id and non-ASCII data as the same bytes on both nodes', async () => {
    // Written by hand, not by JSON.stringify: spacing, escapes and raw non-ASCII as the client chose.
    const data = '{ "text":"héllo wörld ✓ 日本語 😀", "esc":"\\u00e9\\n\\"q\\"", "deep":[[[{"n":-1.5e3}]]], "none":null }';
    sender.send(`{"event":"client-typing","channel":"${CHANNEL}","data":${data}}`);
    const isTyping = (text: string): boolean => text.includes('"client-typing"');
    const [here, there] = await Promise.all([local.frame(isTyping), remote.frame(isTyping)]);
    assert.ok(here.equals(there), `local ${here.toString('utf8')}\nremote ${there.toString('utf8')}`);
    const parsed = JSON.parse(there.toString('utf8')) as { user_id?: unknown; data?: unknown };
    assert.equal(parsed.user_id, 'alice');
    assert.ok(there.toString('utf8').includes(data), 'the data is relayed exactly as the client sent it');
  });

  it('delivers an HTTP API publish with non-ASCII data as the same bytes on both nodes', async () => {
    const [first] = nodes;
    assert.ok(first !== undefined);
    await sdkFor(first, APP).trigger(CHANNEL, 'api-event', { text: 'ünïcödé ✓ 😀', quote: '"', n: [1, { m: 2 }] });
    const isApi = (text: string): boolean => text.includes('"api-event"');
    const [here, there, own] = await Promise.all([local.frame(isApi), remote.frame(isApi), sender.frame(isApi)]);
    assert.ok(here.equals(there), `local ${here.toString('utf8')}\nremote ${there.toString('utf8')}`);
    assert.ok(own.equals(here));
  });
});
