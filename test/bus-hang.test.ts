/**
 * A hung bus, Redis or NATS (SIGSTOP: it accepts TCP and answers nothing), under a node that keeps publishing
 * through the HTTP API: every call is bounded, so memory stays bounded, publishers get 503, new
 * clients and API reads get a prompt answer, and everything recovers on SIGCONT without a restart.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { signRestQuery } from '../src/protocol/rest-auth.js';
import { appConfig, startNode, stopNode, writeConfig, type ClusterNode } from './helpers/cluster.js';
import { RawClient, type Closed, type ServerMessage } from './helpers/raw-client.js';
import { PrivateNatsServer } from './helpers/nats-server.js';
import { freePort, PrivateRedis } from './helpers/redis-server.js';
import { APP } from './helpers/server.js';
import { eventually } from './helpers/wait.js';

/** Far beyond the bounds under test (2 s): an answer slower than this is no answer. */
const NO_ANSWER_MS = 15_000;
const EVENT_BYTES = 9_000;
const EVENTS_PER_REQUEST = 10;
/** What the node is asked to publish while Redis is hung. */
const PUBLISHED_BYTES = 64 * 1024 * 1024;
/** Generous next to the bounds (8-16 MB per connection): a node that queued the 64 MB grew by 148 MB. */
const MAX_RSS_GROWTH_BYTES = 72 * 1024 * 1024;
const CONCURRENT_REQUESTS = 8;

/** The node process's resident memory, from /proc. */
async function rssOf(node: ClusterNode): Promise<number> {
  const status = await readFile(`/proc/${String(node.cli.child.pid)}/status`, 'utf8');
  const kilobytes = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kilobytes === undefined) throw new Error('no VmRSS');
  return Number(kilobytes) * 1024;
}

/** A signed API request; rejects if no answer comes within NO_ANSWER_MS. */
function api(node: ClusterNode, method: 'GET' | 'POST', path: string, body = ''): Promise<Response> {
  const query = signRestQuery(APP, method, path, {}, body, Date.now());
  return fetch(`${node.server.httpUrl}${path}?${query}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'POST' ? { body } : {}),
    signal: AbortSignal.timeout(NO_ANSWER_MS),
  });
}

function batchBody(channel: string, name: string): string {
  const data = 'x'.repeat(EVENT_BYTES);
  return JSON.stringify({ batch: Array.from({ length: EVENTS_PER_REQUEST }, () => ({ name, channel, data })) });
}

/** The first thing a new WebSocket hears: a message, a close, or nothing within NO_ANSWER_MS. */
async function firstAnswer(client: RawClient): Promise<ServerMessage | Closed | 'silence'> {
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<'silence'>((resolve) => (timer = setTimeout(() => resolve('silence'), NO_ANSWER_MS)));
  try {
    return await Promise.race([client.next(), client.closed, silence]);
  } finally {
    clearTimeout(timer);
  }
}

/** A private bus the test can freeze. */
interface HangableBus {
  readonly config: Record<string, unknown>;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

const BUSES: readonly { readonly name: string; start(): Promise<HangableBus> }[] = [
  {
    name: 'Redis',
    start: async () => {
      const redis = new PrivateRedis(await freePort());
      await redis.start();
      return { config: { redis: { url: redis.url, keyPrefix: 'hang:' } }, pause: () => redis.pause(), resume: () => redis.resume(), close: () => redis.kill() };
    },
  },
  {
    name: 'NATS',
    start: async () => {
      const nats = await PrivateNatsServer.start();
      return { config: { nats: { servers: [nats.url], prefix: 'hang' } }, pause: () => nats.pause(), resume: () => nats.resume(), close: () => nats.close() };
    },
  },
];

describe('a hung bus', () => {
  const buses: HangableBus[] = [];
  const nodes: ClusterNode[] = [];
  after(async () => {
    for (const bus of buses) bus.resume();
    await Promise.all(nodes.map((node) => stopNode(node)));
    await Promise.all(buses.map((bus) => bus.close()));
  });

  for (const bus of BUSES) it(`${bus.name}: bounds memory, answers publishers 503, new clients 4100 and reads 503 promptly, and recovers on SIGCONT`, async () => {
    const server = await bus.start();
    buses.push(server);
    const config = await writeConfig({
      ...server.config,
      apps: [appConfig(APP, { maxEventDataBytes: EVENT_BYTES * 2 })],
    });
    // The node runs without coverage collection even under `npm run coverage`: the bound is on the
    // memory of the server as shipped, and V8's coverage instrumentation alone pushes this growth
    // past it (measured: under the bound without NODE_V8_COVERAGE, 94-100 MB with it).
    const node = await startNode(config, undefined, { NODE_V8_COVERAGE: undefined });
    nodes.push(node);
    const { client: listener } = await RawClient.connect(node.server.wsUrl, APP.key);
    listener.send({ event: 'pusher:subscribe', data: { channel: 'news' } });
    await listener.nextEvent('pusher_internal:subscription_succeeded', 'news');

    const path = `/apps/${APP.id}/batch_events`;
    const body = batchBody('news', 'load');
    // Warm up, so the node's heap is at its working size before the baseline.
    for (let index = 0; index < 50; index += 1) assert.equal((await api(node, 'POST', path, body)).status, 200);
    const baseline = await rssOf(node);

    server.pause();
    const statuses = new Map<number, number>();
    let remaining = Math.ceil(PUBLISHED_BYTES / (EVENT_BYTES * EVENTS_PER_REQUEST));
    await Promise.all(
      Array.from({ length: CONCURRENT_REQUESTS }, async () => {
        while (remaining > 0) {
          remaining -= 1;
          const response = await api(node, 'POST', path, body);
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      }),
    );
    const growth = (await rssOf(node)) - baseline;
    assert.ok(growth < MAX_RSS_GROWTH_BYTES, `RSS grew by ${String(growth)} bytes while Redis was hung`);
    assert.deepEqual([...statuses.keys()], [503], 'every publish during the hang is refused with 503');

    const refused = await api(node, 'POST', `/apps/${APP.id}/events`, JSON.stringify({ name: 'e', channel: 'news', data: 'x' }));
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(((await refused.json()) as { code: string }).code, 'SB_API_BUS_UNAVAILABLE');

    const read = await api(node, 'GET', `/apps/${APP.id}/channels/news`);
    assert.equal(read.status, 503);
    assert.equal(((await read.json()) as { code: string }).code, 'SB_API_STATE_UNAVAILABLE');

    const newcomer = await RawClient.open(node.server.wsUrl, `/app/${APP.key}?protocol=7&client=js&version=8.6.0&flash=false`);
    const answer = await firstAnswer(newcomer);
    assert.notEqual(answer, 'silence', 'a new connection gets an answer');
    if (typeof answer === 'object' && 'event' in answer && answer.event === 'pusher:error') {
      assert.equal((await newcomer.closed).code, 4100, 'refused with a close that makes pusher-js back off');
    } else if (typeof answer === 'object' && 'code' in answer) {
      assert.equal(answer.code, 4100);
    } else {
      assert.equal((answer as ServerMessage).event, 'pusher:connection_established');
    }
    await newcomer.close();

    server.resume();
    // The connections reset after the timeout reconnect by themselves.
    await eventually(async () => (await api(node, 'GET', `/apps/${APP.id}/channels/news`)).status === 200, 'reads answer again', 30_000);
    await eventually(async () => (await api(node, 'POST', path, batchBody('news', 'after'))).status === 200, 'publishes are accepted again', 30_000);
    // The connected client stayed connected throughout and hears the traffic again.
    await listener.nextEvent('after', 'news');
    const { client: late } = await RawClient.connect(node.server.wsUrl, APP.key);
    await late.close();
    assert.equal(node.cli.child.exitCode, null, 'the node never restarted');
    await listener.close();
  });
});
