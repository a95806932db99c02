/**
 * The documented reverse proxy setups (docs/deployment.md: the nginx and Caddy blocks between
 * their markers, run as written with only the listen address and upstream port changed), each
 * with Debian's package as a child process in front of a Switchboard configured as documented
 * (`http.trustProxy: ["loopback"]`): pusher-js (Node build) through it over WebSocket and over
 * xhr_streaming alone, the `pusher` SDK publishing through it, and Switchboard counting and logging
 * the client the proxy forwarded rather than the proxy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { configSchema } from '../src/config/schema.js';
import { CloseReasons } from '../src/protocol/errors.js';
import { documentedCaddySite, startCaddy } from './helpers/caddy.js';
import { documentedNginxSite, startNginx } from './helpers/nginx.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { clientFor, connected, disconnect, nextEvent, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

interface DocumentedProxy {
  readonly name: string;
  readonly site: () => Promise<string>;
  readonly start: (site: string, upstreamPort: number) => Promise<ProxyProcess>;
  /** The timeouts on idle proxied connections the block sets, in seconds (Caddy has none by default). */
  readonly idleTimeouts?: (site: string) => number[];
  /** Whether the proxy replaces the X-Forwarded-For a client sends (else it appends to it). */
  readonly replacesClientForwardedFor: boolean;
}

function secondsOf(site: string, directive: string): number {
  const match = new RegExp(`^\\s*${directive}\\s+(\\d+)s;`, 'm').exec(site);
  assert.ok(match?.[1] !== undefined, `the documented block sets ${directive} in seconds`);
  return Number(match[1]);
}

const PROXIES: readonly DocumentedProxy[] = [
  {
    name: 'nginx',
    site: documentedNginxSite,
    start: startNginx,
    idleTimeouts: (site) => [secondsOf(site, 'proxy_read_timeout'), secondsOf(site, 'proxy_send_timeout')],
    replacesClientForwardedFor: false,
  },
  { name: 'Caddy', site: documentedCaddySite, start: startCaddy, replacesClientForwardedFor: true },
];

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

for (const proxy of PROXIES) {
  describe(`behind ${proxy.name}, as docs/deployment.md configures it`, () => {
    let site: string;
    let switchboard: TestServer;
    let running: ProxyProcess;
    /** Switchboard as clients see it: the proxy's port. */
    let viaProxy: TestServer;
    const clients: PusherClient[] = [];
    const logLines: Record<string, unknown>[] = [];

    before(async () => {
      site = await proxy.site();
      switchboard = await startServer(
        // Heartbeats (at most 29 s apart) stay out of the way of the promptness check below.
        { http: { trustProxy: ['loopback'] }, perAddress: { maxConnections: 2 }, httpTransports: { heartbeatInterval: 29 } },
        { logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) }) },
      );
      running = await proxy.start(site, switchboard.port);
      viaProxy = { ...switchboard, port: running.port, wsUrl: `ws://127.0.0.1:${running.port}`, httpUrl: `http://127.0.0.1:${running.port}` };
    });
    after(async () => {
      await Promise.all(clients.map((client) => disconnect(client)));
      await running.stop();
      await switchboard.close();
    });

    function client(transport: 'ws' | 'xhr_streaming'): PusherClient {
      const http = { httpHost: '127.0.0.1', httpPort: running.port, httpPath: '/pusher' };
      const created = clientFor(viaProxy, APP, { extra: { enabledTransports: [transport], ...(transport === 'ws' ? {} : http) } });
      clients.push(created);
      return created;
    }

    const idleTimeouts = proxy.idleTimeouts;
    if (idleTimeouts !== undefined) {
      it('keeps idle connections open longer than Switchboard lets them idle (activityTimeout + pongTimeout)', () => {
        const defaults = configSchema.parse({});
        for (const seconds of idleTimeouts(site)) assert.ok(seconds > defaults.activityTimeout + defaults.pongTimeout, `${seconds} s`);
      });
    }

    it('carries pusher-js over WebSocket, and an event the pusher SDK triggers through it', async () => {
      const pusher = client('ws');
      await within(connected(pusher), 10_000, `pusher-js over WebSocket through ${proxy.name}`);
      assert.equal(transportOf(pusher)?.name, 'ws');
      const channel = await within(subscribed(pusher, 'private-orders'), 10_000, 'the subscription');
      const received = nextEvent(channel, 'created');
      const response = await sdkFor(viaProxy, APP).trigger('private-orders', 'created', { id: 42 });
      assert.equal(response.status, 200);
      assert.deepEqual((await within(received, 5_000, 'the event')).data, { id: 42 });
      await disconnect(pusher);
    });

    it('carries pusher-js over xhr_streaming alone, and passes each event on while the stream stays open', async () => {
      const pusher = client('xhr_streaming');
      await within(connected(pusher), 10_000, `pusher-js over xhr_streaming through ${proxy.name}`);
      const channel = await within(subscribed(pusher, 'news'), 10_000, 'the subscription');
      const stream = transportOf(pusher);
      assert.ok(stream?.stream !== undefined);
      assert.equal(stream.name, 'xhr_streaming');
      for (const headline of ['first', 'second']) {
        const received = nextEvent(channel, 'breaking');
        await sdkFor(viaProxy, APP).trigger('news', 'breaking', { headline });
        // Well under the heartbeat: a proxy holding back these few bytes would miss it.
        assert.deepEqual((await within(received, 5_000, `event "${headline}"`)).data, { headline });
      }
      assert.equal(transportOf(pusher)?.stream, stream.stream, 'the events came on the stream that was open, not on a new one');
      await disconnect(pusher);
    });

    it('lets Switchboard see, count and log the client the proxy forwarded, not the proxy', async () => {
      const path = `/app/${APP.key}?protocol=7`;
      const open = async (from: string, headers: Record<string, string> = {}): Promise<{ client: RawClient; event: string }> => {
        const raw = await RawClient.open(viaProxy.wsUrl, path, headers, from);
        return { client: raw, event: (await raw.next()).event };
      };
      // The proxy reaches Switchboard from 127.0.0.1 for every client: counted under it, the third would be refused.
      const held = [await open('127.0.0.9'), await open('127.0.0.9'), await open('127.0.0.10')];
      assert.deepEqual(
        held.map((entry) => entry.event),
        ['pusher:connection_established', 'pusher:connection_established', 'pusher:connection_established'],
      );
      const spoofed = proxy.replacesClientForwardedFor ? { 'x-forwarded-for': '203.0.113.1' } : {};
      const over = await open('127.0.0.9', spoofed);
      assert.equal(over.event, 'pusher:error');
      assert.equal((await over.client.closed).code, CloseReasons.addressConnectionLimit.code);
      const opened = logLines.filter((line) => line['msg'] === 'connection opened' && line['remoteAddress'] === '127.0.0.9');
      assert.equal(opened.length, 2);
      assert.deepEqual({ transport: opened[0]?.['transport'], scheme: opened[0]?.['scheme'] }, { transport: 'ws', scheme: 'http' });
      for (const entry of held) await entry.client.close();
    });
  });
}
