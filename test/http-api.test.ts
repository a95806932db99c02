/** The HTTP API through the official `pusher` SDK, and every error path at the HTTP level. */
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { signRestQuery } from '../src/protocol/rest-auth.js';
import { clientFor, disconnect, nextEvent, PusherServer, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { APP, OTHER_APP, startServer, type TestApp, type TestServer } from './helpers/server.js';

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly json: unknown;
}

/** A signed (or deliberately mis-signed) request with full control over every byte. */
function call(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: string; app?: TestApp; query?: string; params?: Record<string, string>; headers?: Record<string, string>; agent?: Agent; now?: number } = {},
): Promise<RawResponse> {
  const body = options.body ?? '';
  const app = options.app ?? APP;
  const query = options.query ?? signRestQuery(app, method, path, options.params ?? {}, body, options.now ?? Date.now());
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: server.host,
        port: server.port,
        method,
        path: `${path}?${query}`,
        headers: { 'content-type': 'application/json', ...options.headers },
        agent: options.agent ?? false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const eventBody = (extra: Record<string, unknown> = {}) => JSON.stringify({ name: 'e', data: '{}', channels: ['c'], ...extra });

describe('HTTP API', () => {
  let server: TestServer;
  let sdk: PusherServer;
  const clients: PusherClient[] = [];
  before(async () => {
    server = await startServer({
      apps: [
        { ...APP, clientEvents: true },
        { ...OTHER_APP },
        { id: 'off', key: 'off-key', secret: 'off-secret', enabled: false },
      ],
    });
    sdk = sdkFor(server, APP);
  });
  after(async () => {
    await Promise.all(clients.map((entry) => disconnect(entry)));
    await server.close();
  });

  it('triggers and answers {} without info, or the requested counts with info', async () => {
    const alice = clientFor(server, APP, { presence: { user_id: 'alice' } });
    const bob = clientFor(server, APP, { presence: { user_id: 'bob' } });
    clients.push(alice, bob);
    await Promise.all([subscribed(alice, 'presence-room'), subscribed(bob, 'presence-room'), subscribed(alice, 'lobby')]);
    const plain = await sdk.trigger('lobby', 'e', 'x');
    assert.equal(plain.status, 200);
    assert.deepEqual(await plain.json(), {});
    const withInfo = await sdk.trigger(['presence-room', 'lobby', 'empty'], 'e', 'x', { info: 'user_count,subscription_count' });
    assert.deepEqual(await withInfo.json(), {
      channels: {
        'presence-room': { user_count: 2, subscription_count: 2 },
        lobby: { subscription_count: 1 },
        empty: { subscription_count: 0 },
      },
    });
  });

  it('triggers batches, with index-aligned info', async () => {
    const carol = clientFor(server, APP);
    clients.push(carol);
    const channel = await subscribed(carol, 'batch-1');
    const received = nextEvent(channel, 'b');
    const response = await sdk.triggerBatch([
      { channel: 'batch-1', name: 'b', data: 'one', info: 'subscription_count' },
      { channel: 'batch-2', name: 'b', data: 'two' },
    ]);
    assert.deepEqual(await response.json(), { batch: [{ subscription_count: 1 }, {}] });
    assert.equal((await received).data, 'one');
  });

  it('answers channel queries', async () => {
    const dave = clientFor(server, APP, { presence: { user_id: 'dave' } });
    clients.push(dave);
    await Promise.all([subscribed(dave, 'presence-q'), subscribed(dave, 'q-public')]);
    const list = (await (await sdk.get({ path: '/channels' })).json()) as { channels: Record<string, unknown> };
    assert.deepEqual(list.channels['q-public'], {});
    assert.deepEqual(list.channels['presence-q'], {});
    const presence: unknown = await (await sdk.get({ path: '/channels', params: { filter_by_prefix: 'presence-q', info: 'user_count' } })).json();
    assert.deepEqual(presence, { channels: { 'presence-q': { user_count: 1 } } });
    const one: unknown = await (await sdk.get({ path: '/channels/presence-q', params: { info: 'user_count,subscription_count' } })).json();
    assert.deepEqual(one, { occupied: true, user_count: 1, subscription_count: 1 });
    assert.deepEqual(await (await sdk.get({ path: '/channels/nobody-here' })).json(), { occupied: false });
    assert.deepEqual(await (await sdk.get({ path: '/channels/presence-q/users' })).json(), { users: [{ id: 'dave' }] });
  });

  it('answers 400 for invalid queries', async () => {
    const cases: [string, Record<string, string>][] = [
      ['/apps/app-1/channels', { info: 'user_count' }],
      ['/apps/app-1/channels', { info: 'nonsense' }],
      ['/apps/app-1/channels/public-x', { info: 'user_count' }],
      ['/apps/app-1/channels/bad%20name', {}],
      ['/apps/app-1/channels/public-x/users', {}],
    ];
    for (const [path, params] of cases) {
      const response = await call(server, 'GET', path, { params });
      assert.equal(response.status, 400, `${path} ${JSON.stringify(params)}`);
      assert.equal(typeof (response.json as { error: string }).error, 'string');
    }
  });

  it('answers 401 for a wrong secret, a wrong key, a stale timestamp, a bad body_md5 and missing auth', async () => {
    const wrongSecret = new PusherServer({ appId: APP.id, key: APP.key, secret: 'nope', host: server.host, port: String(server.port), useTLS: false });
    await assert.rejects(wrongSecret.trigger('c', 'e', 'x'), (error: { status: number; body: string }) => {
      assert.equal(error.status, 401);
      assert.match(error.body, /Invalid signature/);
      return true;
    });
    const body = eventBody();
    assert.equal((await call(server, 'POST', '/apps/app-1/events', { body, app: { ...APP, key: 'other' } })).status, 401);
    const stale = await call(server, 'POST', '/apps/app-1/events', { body, now: Date.now() - 601_000 });
    assert.equal(stale.status, 401);
    assert.match(stale.body, /Timestamp expired/);
    assert.equal((await call(server, 'POST', '/apps/app-1/events', { body: `${body} `, query: signRestQuery(APP, 'POST', '/apps/app-1/events', {}, body, Date.now()) })).status, 401);
    assert.equal((await call(server, 'POST', '/apps/app-1/events', { body, query: 'auth_key=key-1' })).status, 401);
    const otherApp = await call(server, 'POST', '/apps/app-1/events', { body, app: OTHER_APP });
    assert.equal(otherApp.status, 401, "one app's credentials never authorize another app");
  });

  it('answers 404 for an unknown app or route, 405 for a wrong method, 403 for a disabled app', async () => {
    const unknown = await call(server, 'POST', '/apps/nope/events', { body: eventBody() });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { error: 'The app nope could not be found', code: 'SB_API_APP_NOT_FOUND' });
    assert.equal((await call(server, 'GET', '/apps/app-1/nothing')).status, 404);
    assert.equal((await call(server, 'GET', '/apps/app-1/events')).status, 405);
    const disabled = await call(server, 'POST', '/apps/off/events', { body: eventBody(), app: { id: 'off', key: 'off-key', secret: 'off-secret' } });
    assert.equal(disabled.status, 403);
  });

  it('answers 400 for invalid bodies and enforces each limit at its edge', async () => {
    const post = (body: string) => call(server, 'POST', '/apps/app-1/events', { body });
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post('[]')).status, 400);
    assert.equal((await post(JSON.stringify({ data: 'x', channels: ['c'] }))).status, 400, 'missing name');
    assert.equal((await post(JSON.stringify({ name: 'e', channels: ['c'] }))).status, 400, 'missing data');
    assert.equal((await post(JSON.stringify({ name: 'e', data: 'x' }))).status, 400, 'missing channels');
    assert.equal((await post(eventBody({ channels: ['bad name'] }))).status, 400);
    assert.equal((await post(eventBody({ channels: ['private-encrypted-a', 'private-encrypted-b'] }))).status, 400);
    assert.equal((await post(eventBody({ socket_id: 'abc' }))).status, 400);
    assert.equal((await post(eventBody({ info: 'bogus' }))).status, 400);

    const channels = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
    assert.equal((await post(eventBody({ channels: channels(100) }))).status, 200);
    assert.equal((await post(eventBody({ channels: channels(101) }))).status, 400);

    assert.equal((await post(eventBody({ data: 'x'.repeat(10_240) }))).status, 200);
    const tooBig = await post(eventBody({ data: 'x'.repeat(10_241) }));
    assert.equal(tooBig.status, 413);
    assert.match(tooBig.body, /10241 bytes, over the limit of 10240/);

    assert.equal((await post(eventBody({ name: 'n'.repeat(200) }))).status, 200);
    assert.equal((await post(eventBody({ name: 'n'.repeat(201) }))).status, 400);

    const batch = (n: number) =>
      call(server, 'POST', '/apps/app-1/batch_events', {
        body: JSON.stringify({ batch: Array.from({ length: n }, () => ({ name: 'e', channel: 'c', data: 'x' })) }),
      });
    assert.equal((await batch(10)).status, 200);
    assert.equal((await batch(11)).status, 400);
    assert.equal((await batch(0)).status, 400);
  });

  it('answers 413 for a body over http.maxBodyBytes without reading it all', async () => {
    const response = await call(server, 'POST', '/apps/app-1/events', { body: 'x'.repeat(1_048_577) });
    assert.equal(response.status, 413);
  });

  it('serves several requests on one keep-alive connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on('free', (socket) => sockets.add(socket));
    try {
      for (let i = 0; i < 5; i += 1) {
        const response = await call(server, 'POST', '/apps/app-1/events', { body: eventBody(), agent });
        assert.equal(response.status, 200);
        assert.notEqual(response.headers.connection, 'close');
      }
      assert.equal(sockets.size, 1, 'all five requests used the same socket');
    } finally {
      agent.destroy();
    }
  });

  it('answers CORS preflights and puts CORS headers on responses', async () => {
    const preflight = await call(server, 'OPTIONS', '/apps/app-1/events', {
      headers: { origin: 'https://example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);
    const response = await call(server, 'POST', '/apps/app-1/events', { body: eventBody() });
    assert.equal(response.headers['access-control-allow-origin'], '*');
  });

  it('answers / and /ready with 200', async () => {
    assert.equal((await call(server, 'GET', '/', { query: '' })).status, 200);
    const ready = await call(server, 'GET', '/ready', { query: '' });
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { ready: true });
  });

  it('keeps apps apart: one app\'s trigger never reaches another app\'s subscribers', async () => {
    const mine = clientFor(server, APP);
    const theirs = clientFor(server, OTHER_APP);
    clients.push(mine, theirs);
    const [a, b] = await Promise.all([subscribed(mine, 'shared-name'), subscribed(theirs, 'shared-name')]);
    const leaked: unknown[] = [];
    b.bind('secret', (data: unknown) => leaked.push(data));
    const mineReceived = nextEvent(a, 'secret');
    await sdk.trigger('shared-name', 'secret', 'for app-1 only');
    await mineReceived;
    const marker = nextEvent(b, 'marker');
    await sdkFor(server, OTHER_APP).trigger('shared-name', 'marker', '');
    await marker;
    assert.deepEqual(leaked, []);
    const info: unknown = await (await sdkFor(server, OTHER_APP).get({ path: '/channels/shared-name', params: { info: 'subscription_count' } })).json();
    assert.deepEqual(info, { occupied: true, subscription_count: 1 });
  });
});
