/**
 * The dashboard's server side over HTTP: sign-in into an HttpOnly, SameSite=Strict cookie, CSRF
 * on state-changing requests, same-origin writes, the loopback-only rule without a token, the
 * JSON endpoints, the console stream with the official clients on the other end, and the debug
 * tap's promise: nothing is built while no console watches.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DebugEntry } from '../src/core/debug-tap.js';
import { openConsole, rawRequest, signIn, type DashboardSession } from './helpers/dashboard.js';
import { clientFor, connected, disconnect, nextEvent, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

const TOKEN = 'dashboard-test-token-0123456789';

function adminBase(server: TestServer): string {
  const address = server.server.adminAddress;
  if (address === undefined) throw new Error('no admin listener');
  return `http://127.0.0.1:${address.port}`;
}

describe('dashboard over HTTP, with admin.token', () => {
  let server: TestServer;
  let base: string;
  let session: DashboardSession;
  const clients: PusherClient[] = [];

  before(async () => {
    server = await startServer({ admin: { port: 0, token: TOKEN } });
    base = adminBase(server);
    session = await signIn(base, TOKEN);
  });
  after(async () => {
    await Promise.all(clients.map(disconnect));
    await server.close();
  });

  it('serves the page to anyone, with a policy that allows this origin only', async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const script = await fetch(`${base}/assets/app.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
  });

  it('signs in into an HttpOnly, SameSite=Strict cookie and refuses a wrong token', async () => {
    const wrong = await fetch(`${base}/session`, { method: 'POST', body: JSON.stringify({ token: 'not-the-token-at-all' }) });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    const right = await fetch(`${base}/session`, { method: 'POST', body: JSON.stringify({ token: TOKEN }) });
    assert.equal(right.status, 200);
    const cookie = right.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const state = (await (await fetch(`${base}/session`, { headers: { cookie: cookie.split(';')[0] ?? '' } })).json()) as { signedIn: boolean; csrf?: string };
    assert.equal(state.signedIn, true);
    assert.equal(typeof state.csrf, 'string');
  });

  it('answers the API to a session or the bearer token, and to nothing else', async () => {
    assert.equal((await fetch(`${base}/dashboard/api/overview`)).status, 401);
    assert.equal((await fetch(`${base}/dashboard/api/overview`, { headers: { cookie: 'switchboard_session=forged' } })).status, 401);
    assert.equal((await fetch(`${base}/dashboard/api/overview`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status, 401);
    assert.equal((await fetch(`${base}/dashboard/api/overview`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    assert.equal((await fetch(`${base}/metrics`, { headers: { cookie: session.cookie } })).status, 200, 'a session opens the other admin routes too');
    assert.equal((await fetch(`${base}/api/apps`, { headers: { cookie: session.cookie } })).status, 200);
  });

  it('shows the apps, nodes and webhook health in the overview', async () => {
    const client = clientFor(server, APP);
    clients.push(client);
    await connected(client);
    const overview = (await (await fetch(`${base}/dashboard/api/overview`, { headers: { cookie: session.cookie } })).json()) as {
      apps: { id: string; connections: number }[];
      nodes: { node: string; self: boolean; connections: number }[];
      webhooks: { endpoints: unknown[] };
    };
    assert.equal(overview.apps[0]?.id, APP.id);
    assert.ok(overview.apps[0].connections >= 1);
    assert.equal(overview.nodes.length, 1);
    assert.equal(overview.nodes[0]?.node, server.server.nodeId);
    assert.ok(Array.isArray(overview.webhooks.endpoints));
  });

  it('refuses state changes without the CSRF token or from another origin', async () => {
    const body = JSON.stringify({ channel: 'news', event: 'x', data: '{}' });
    const url = `${base}/dashboard/api/apps/${APP.id}/events`;
    const noCsrf = await fetch(url, { method: 'POST', headers: { cookie: session.cookie }, body });
    assert.equal(noCsrf.status, 403);
    assert.equal(((await noCsrf.json()) as { code: string }).code, 'csrf');
    const crossOrigin = await fetch(url, { method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, origin: 'http://evil.example' }, body });
    assert.equal(crossOrigin.status, 403);
    assert.equal(((await crossOrigin.json()) as { code: string }).code, 'cross_origin');
    const appsWrite = await fetch(`${base}/api/apps`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' }, body: '{}' });
    assert.equal(appsWrite.status, 403, 'the same for the apps API');
  });

  it('publishes from the event creator as the HTTP API would, and checks the event as it does', async () => {
    const client = clientFor(server, APP);
    clients.push(client);
    const channel = await subscribed(client, 'creator-channel');
    const received = nextEvent<{ hello: string }>(channel, 'greeting');
    const headers = { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' };
    const url = `${base}/dashboard/api/apps/${APP.id}/events`;
    const sent = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ channel: 'creator-channel', event: 'greeting', data: '{"hello":"world"}' }) });
    assert.equal(sent.status, 200);
    assert.deepEqual((await received).data, { hello: 'world' });
    const bad = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ channel: 'bad channel name!', event: 'greeting', data: '{}' }) });
    assert.equal(bad.status, 400);
    const unknown = await fetch(`${base}/dashboard/api/apps/no-such-app/events`, { method: 'POST', headers, body: '{}' });
    assert.equal(unknown.status, 404);
  });

  it('builds no debug entry while no console watches, then streams what happens', async () => {
    const tap = server.server.engine.tap;
    const built: DebugEntry[] = [];
    const emit = tap.emit.bind(tap);
    tap.emit = (appId, entry) => {
      built.push(entry);
      emit(appId, entry);
    };
    const quiet = clientFor(server, APP);
    clients.push(quiet);
    await subscribed(quiet, 'unwatched');
    await sdkFor(server, APP).trigger('unwatched', 'e', { n: 1 });
    assert.deepEqual(built, [], 'connect, subscribe and an API message built nothing');

    const reader = await openConsole(base, APP.id, { cookie: session.cookie });
    const client = clientFor(server, APP);
    clients.push(client);
    const socketId = await connected(client);
    await reader.until((record) => record.kind === 'connection-opened' && record.socketId === socketId);
    await subscribed(client, 'presence-less');
    await reader.until((record) => record.kind === 'subscribed' && record.channel === 'presence-less');
    await reader.until((record) => record.kind === 'channel-occupied' && record.channel === 'presence-less');
    await sdkFor(server, APP).trigger('presence-less', 'order-shipped', { id: 7 });
    const message = await reader.until((record) => record.kind === 'api-message');
    assert.equal(message.kind === 'api-message' && message.data, '{"id":7}');
    assert.equal(message.node, server.server.nodeId);
    reader.close();
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('streams only what the filter lets through', async () => {
    const reader = await openConsole(base, APP.id, { cookie: session.cookie }, '?kinds=api-message&channel=wanted');
    const sdk = sdkFor(server, APP);
    await sdk.trigger('other', 'e', {});
    await sdk.trigger('wanted-1', 'e', {});
    await reader.until((record) => record.kind === 'api-message' && record.channel === 'wanted-1');
    assert.deepEqual(
      reader.records.map((record) => record.kind === 'api-message' && record.channel),
      ['wanted-1'],
    );
    reader.close();
  });

  it('lists occupied channels with their counts', async () => {
    const client = clientFor(server, APP, { presence: { user_id: 'ada', user_info: { name: 'Ada' } } });
    clients.push(client);
    await subscribed(client, 'presence-room');
    const { channels } = (await (await fetch(`${base}/dashboard/api/apps/${APP.id}/channels`, { headers: { cookie: session.cookie } })).json()) as {
      channels: { name: string; subscriptionCount: number; members?: { userId: string }[] }[];
    };
    const room = channels.find((channel) => channel.name === 'presence-room');
    assert.equal(room?.subscriptionCount, 1);
    assert.deepEqual(room.members?.map((member) => member.userId), ['ada']);
  });

  it('signs out with the CSRF token only, and the cookie stops working', async () => {
    const own = await signIn(base, TOKEN);
    assert.equal((await fetch(`${base}/session`, { method: 'DELETE', headers: { cookie: own.cookie } })).status, 403);
    const out = await fetch(`${base}/session`, { method: 'DELETE', headers: { cookie: own.cookie, 'x-csrf-token': own.csrf } });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
    assert.equal((await fetch(`${base}/dashboard/api/overview`, { headers: { cookie: own.cookie } })).status, 401);
  });
});

describe('dashboard over HTTP, without admin.token', () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startServer();
    base = adminBase(server);
  });
  after(() => server.close());

  it('opens a session at once on a loopback host', async () => {
    const response = await fetch(`${base}/session`);
    const state = (await response.json()) as { signedIn: boolean; tokenRequired: boolean; csrf: string };
    assert.equal(state.signedIn, true);
    assert.equal(state.tokenRequired, false);
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    assert.equal((await fetch(`${base}/dashboard/api/overview`, { headers: { cookie } })).status, 200);
    assert.equal((await fetch(`${base}/dashboard/api/overview`)).status, 401, 'the dashboard API still needs the session');
  });

  it('refuses the dashboard on any other Host, and keeps the other routes as they were', async () => {
    const port = server.server.adminAddress?.port ?? 0;
    for (const path of ['/', '/session', '/dashboard/api/overview']) {
      const response = await rawRequest(`${base}${path}`, { headers: { host: `switchboard.example:${port}` } });
      assert.equal(response.status, 403, path);
      assert.equal((JSON.parse(response.body) as { code: string }).code, 'loopback_only');
    }
    assert.equal((await rawRequest(`${base}/metrics`, { headers: { host: `switchboard.example:${port}` } })).status, 200);
    assert.equal((await rawRequest(`${base}/`, { headers: { host: `localhost:${port}` } })).status, 200);
  });

  it('refuses writes from another origin', async () => {
    const response = await rawRequest(`${base}/session`, { method: 'POST', headers: { origin: 'http://evil.example' }, body: '{"token":"x"}' });
    assert.equal(response.status, 403);
  });
});
