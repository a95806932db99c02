/** Per-app limits not covered elsewhere: the HTTP API publish rate and the origin allow-list. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signRestQuery } from '../src/protocol/rest-auth.js';
import { clientFor, disconnect, nextEvent, sdkFor, subscribed } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, OTHER_APP, startServer, type TestServer } from './helpers/server.js';

describe('HTTP API publish rate', () => {
  let server: TestServer;
  // The server's clock is driven by the test, so refills happen exactly when the test says.
  let clock = Date.now();
  before(async () => {
    server = await startServer({ apps: [{ ...APP, apiEventsPerSecond: 5 }, { ...OTHER_APP }] }, { now: () => clock });
  });
  after(() => server.close());

  it('lets n messages through and answers the n+1th with 429 and Retry-After; other apps are unaffected', async () => {
    const sdk = sdkFor(server, APP);
    const listener = clientFor(server, APP);
    const channel = await subscribed(listener, 'rated');
    const received: unknown[] = [];
    channel.bind('e', (data: unknown) => received.push(data));
    await sdk.trigger(['rated', 'other-1', 'other-2'], 'e', 1);
    await sdk.trigger(['rated', 'other-1'], 'e', 2);
    const body = JSON.stringify({ name: 'e', channels: ['rated'], data: '3' });
    const refused = await fetch(`${server.httpUrl}/apps/${APP.id}/events?${signRestQuery(APP, 'POST', `/apps/${APP.id}/events`, {}, body, clock)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(((await refused.json()) as { code: string }).code, 'SB_API_RATE_LIMITED');
    const otherApp = await sdkFor(server, OTHER_APP).trigger('rated', 'e', 'x');
    assert.equal(otherApp.status, 200);
    const marker = nextEvent(channel, 'marker');
    clock += 200; // one message's worth of refill at 5 per second
    await sdk.trigger('rated', 'marker', '');
    await assert.rejects(sdk.trigger('rated', 'e', 4), (error: { status: number }) => error.status === 429);
    await marker;
    assert.deepEqual(received, [1, 2]);
    await disconnect(listener);
  });

  it('refuses a whole batch that does not fit, publishing none of it', async () => {
    const fresh = await startServer({ apps: [{ ...APP, apiEventsPerSecond: 3 }] });
    try {
      const sdk = sdkFor(fresh, APP);
      const batch = (n: number) => sdk.triggerBatch(Array.from({ length: n }, (_, i) => ({ channel: 'b', name: 'e', data: String(i) })));
      await assert.rejects(batch(4), (error: { status: number }) => error.status === 429);
      const response = await batch(3);
      assert.equal(response.status, 200);
      await assert.rejects(batch(1), (error: { status: number }) => error.status === 429);
    } finally {
      await fresh.close();
    }
  });
});

describe('origin allow-list', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      apps: [{ ...APP, allowedOrigins: ['https://app.example.com', 'https://*.example.org'] }, { ...OTHER_APP }],
    });
  });
  after(() => server.close());

  const open = (key: string, origin?: string) =>
    RawClient.open(server.wsUrl, `/app/${key}?protocol=7`, origin === undefined ? {} : { origin });

  it('admits allowed origins, exact and by subdomain', async () => {
    for (const origin of ['https://app.example.com', 'https://eu.example.org']) {
      const client = await open(APP.key, origin);
      assert.equal((await client.next()).event, 'pusher:connection_established', origin);
      await client.close();
    }
  });

  it('refuses other origins with pusher:error 4009 and close 4009, before any other work', async () => {
    for (const origin of ['https://evil.test', 'http://app.example.com', 'https://example.org']) {
      const client = await open(APP.key, origin);
      const error = await client.next();
      assert.equal(error.event, 'pusher:error');
      assert.equal((error.data as { code: number }).code, 4009);
      assert.match((error.data as { message: string }).message, /Origin .* is not allowed/);
      assert.equal((await client.closed).code, 4009);
    }
    assert.equal(server.server.engine.connectionCount, 0);
  });

  it('applies only to the app that configures it', async () => {
    const client = await open(OTHER_APP.key, 'https://evil.test');
    assert.equal((await client.next()).event, 'pusher:connection_established');
    await client.close();
  });

  it('lets clients without an Origin header connect (non-browser clients)', async () => {
    const pusher = clientFor(server, APP);
    const channel = await subscribed(pusher, 'no-origin');
    const received = nextEvent(channel, 'e');
    await sdkFor(server, APP).trigger('no-origin', 'e', 'ok');
    assert.equal((await received).data, 'ok');
    await disconnect(pusher);
  });
});
