/**
 * The documented nginx setup (docs/deployment.md, the block between the nginx-site markers, run
 * as written with only its two ports changed): Debian's nginx in front of Switchboard, pusher-js
 * (Node build) connecting through it over WebSocket and over xhr_streaming alone, the `pusher` SDK
 * publishing through it, and Switchboard (`http.trustProxy: ["loopback"]`, as documented) counting
 * and logging the client nginx forwarded rather than nginx itself.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { configSchema } from '../src/config/schema.js';
import { CloseReasons } from '../src/protocol/errors.js';
import { documentedNginxSite, PrivateNginx } from './helpers/nginx.js';
import { clientFor, connected, disconnect, nextEvent, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

/** pusher-js internals, read only to prove which transport and which stream request are in use. */
interface PusherInternals {
  readonly connection: { readonly connection: { readonly transport: { readonly name: string; readonly socket: { readonly stream?: object } } } | null };
}

function transportOf(client: PusherClient): { name: string; stream: object | undefined } | undefined {
  const transport = (client as unknown as PusherInternals).connection.connection?.transport;
  return transport === undefined ? undefined : { name: transport.name, stream: transport.socket.stream };
}

/** Resolves with `promise`, or rejects once `ms` have passed without it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function secondsOf(site: string, directive: string): number {
  const match = new RegExp(`^\\s*${directive}\\s+(\\d+)s;`, 'm').exec(site);
  assert.ok(match?.[1] !== undefined, `the documented block sets ${directive} in seconds`);
  return Number(match[1]);
}

describe('behind nginx, as docs/deployment.md configures it', () => {
  let site: string;
  let switchboard: TestServer;
  let nginx: PrivateNginx;
  /** Switchboard's address as clients see it: nginx's port. */
  let viaNginx: TestServer;
  const clients: PusherClient[] = [];
  const logLines: Record<string, unknown>[] = [];

  before(async () => {
    site = await documentedNginxSite();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    switchboard = await startServer(
      { http: { trustProxy: ['loopback'] }, perAddress: { maxConnections: 2 }, httpTransports: { heartbeatInterval: 29 } },
      { logger: pino({ level: 'debug' }, sink) },
    );
    nginx = await PrivateNginx.start(site, switchboard.port);
    viaNginx = { ...switchboard, port: nginx.port, wsUrl: `ws://127.0.0.1:${nginx.port}`, httpUrl: `http://127.0.0.1:${nginx.port}` };
  });
  after(async () => {
    await Promise.all(clients.map((client) => disconnect(client)));
    await nginx.stop();
    await switchboard.close();
  });

  function client(transport: 'ws' | 'xhr_streaming'): PusherClient {
    const extra = transport === 'ws' ? { enabledTransports: [transport] } : { enabledTransports: [transport], httpHost: '127.0.0.1', httpPort: nginx.port };
    const created = clientFor(viaNginx, APP, { extra });
    clients.push(created);
    return created;
  }

  it('keeps idle connections longer than Switchboard pings them (activityTimeout + pongTimeout)', () => {
    const defaults = configSchema.parse({});
    for (const directive of ['proxy_read_timeout', 'proxy_send_timeout']) {
      assert.ok(secondsOf(site, directive) > defaults.activityTimeout + defaults.pongTimeout, directive);
    }
  });

  it('carries pusher-js over WebSocket, and an event the pusher SDK triggers through nginx', async () => {
    const pusher = client('ws');
    await within(connected(pusher), 10_000, 'pusher-js over WebSocket through nginx');
    assert.equal(transportOf(pusher)?.name, 'ws');
    const channel = await subscribed(pusher, 'private-orders');
    const received = nextEvent(channel, 'created');
    const response = await sdkFor(viaNginx, APP).trigger('private-orders', 'created', { id: 42 });
    assert.equal(response.status, 200);
    assert.deepEqual((await received).data, { id: 42 });
    await disconnect(pusher);
  });

  it('carries pusher-js over xhr_streaming alone, and passes each event on while the stream stays open', async () => {
    const pusher = client('xhr_streaming');
    await within(connected(pusher), 10_000, 'pusher-js over xhr_streaming through nginx');
    const channel = await subscribed(pusher, 'news');
    const stream = transportOf(pusher);
    assert.ok(stream?.stream !== undefined);
    assert.equal(stream.name, 'xhr_streaming');
    for (const headline of ['first', 'second']) {
      const received = nextEvent(channel, 'breaking');
      await sdkFor(viaNginx, APP).trigger('news', 'breaking', { headline });
      // Well under the heartbeat (29 s here): a buffering proxy would hold these few bytes back.
      assert.deepEqual((await within(received, 5_000, `event "${headline}" through nginx`)).data, { headline });
    }
    assert.equal(transportOf(pusher)?.stream, stream.stream, 'the events came on the stream that was open, not on a new one');
    await disconnect(pusher);
  });

  it('lets Switchboard see, count and log the client nginx forwarded, not nginx', async () => {
    const path = `/app/${APP.key}?protocol=7`;
    const open = async (from: string): Promise<{ client: RawClient; event: string }> => {
      const raw = await RawClient.open(viaNginx.wsUrl, path, {}, from);
      return { client: raw, event: (await raw.next()).event };
    };
    // nginx reaches Switchboard from 127.0.0.1 for every client: counted under it, the third would be refused.
    const held = [await open('127.0.0.9'), await open('127.0.0.9'), await open('127.0.0.10')];
    assert.deepEqual(
      held.map((entry) => entry.event),
      ['pusher:connection_established', 'pusher:connection_established', 'pusher:connection_established'],
    );
    const over = await open('127.0.0.9');
    assert.equal(over.event, 'pusher:error');
    assert.equal((await over.client.closed).code, CloseReasons.addressConnectionLimit.code);
    const opened = logLines.filter((line) => line['msg'] === 'connection opened' && line['address'] === '127.0.0.9');
    assert.equal(opened.length, 2);
    assert.deepEqual({ transport: opened[0]?.['transport'], scheme: opened[0]?.['scheme'] }, { transport: 'ws', scheme: 'http' });
    for (const entry of held) await entry.client.close();
  });
});
