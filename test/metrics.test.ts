/** The admin listener's /metrics: the required series appear and move with real clients. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { clientFor, disconnect, nextEvent, sdkFor, subscribed } from './helpers/pusher.js';
import { CloseReasons } from '../src/protocol/errors.js';
import { RawClient } from './helpers/raw-client.js';
import { REPO_ROOT } from './helpers/cli.js';
import { metricFamilies, scrape, valueOf, type Sample } from './helpers/metrics.js';
import { APP, OTHER_APP, startServer, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/wait.js';

function adminUrlOf(server: TestServer): string {
  const address = server.server.adminAddress;
  assert.ok(address !== undefined, 'the admin listener is up');
  return `http://127.0.0.1:${address.port}`;
}

describe('metrics on the admin listener', () => {
  let server: TestServer;
  let adminUrl: string;
  const app = { app: APP.id };

  before(async () => {
    server = await startServer({ apps: [{ ...APP, clientEvents: true }, OTHER_APP] });
    adminUrl = adminUrlOf(server);
  });
  after(() => server.close());

  async function samples(): Promise<Sample[]> {
    const result = await scrape(adminUrl);
    assert.equal(result.status, 200);
    return result.samples;
  }

  it('counts a connection, an API publish, its delivery and the disconnect', async () => {
    const initial = await samples();
    assert.equal(valueOf(initial, 'switchboard_connections', app), 0, 'configured apps are present at 0');
    assert.ok(initial.some((sample) => sample.name === 'switchboard_connections' && sample.labels['app'] === OTHER_APP.id));
    assert.ok(initial.some((sample) => sample.name === 'nodejs_eventloop_lag_seconds'), 'default process metrics are there');

    const client = clientFor(server, APP);
    after(() => disconnect(client));
    const channel = await subscribed(client, 'private-metrics');
    let now = await samples();
    assert.equal(valueOf(now, 'switchboard_connections', app), 1);
    assert.equal(valueOf(now, 'switchboard_connections_opened_total', { ...app, transport: 'ws' }), 1);
    assert.equal(valueOf(now, 'switchboard_subscriptions', { ...app, type: 'private' }), 1);
    assert.equal(valueOf(now, 'switchboard_channels', { ...app, type: 'private' }), 1);

    const received = nextEvent(channel, 'tick');
    await sdkFor(server, APP).trigger(['private-metrics', 'private-nobody'], 'tick', { n: 1 });
    await received;
    now = await samples();
    assert.equal(valueOf(now, 'switchboard_api_messages_total', app), 2, 'one message per event per channel');
    assert.equal(valueOf(now, 'switchboard_deliveries_total', app), 1, 'one subscriber received it');
    assert.equal(valueOf(now, 'switchboard_api_messages_total', { app: OTHER_APP.id }), 0);
    assert.ok(valueOf(now, 'switchboard_sent_bytes_total', app) > 0);
    assert.ok(valueOf(now, 'switchboard_received_bytes_total', app) > 0);
    assert.equal(
      valueOf(now, 'switchboard_http_api_request_duration_seconds_count', { route: '/apps/:appId/events', method: 'POST', status: '200' }),
      1,
    );
    assert.ok(valueOf(now, 'switchboard_state_operation_duration_seconds_count', { operation: 'channels.join' }) >= 1);

    await disconnect(client);
    await eventually(async () => valueOf(await samples(), 'switchboard_connections', app) === 0, 'the gauge is back at 0');
    now = await samples();
    const closed = now.filter((sample) => sample.name === 'switchboard_connections_closed_total' && sample.labels['app'] === APP.id);
    assert.equal(closed.reduce((sum, sample) => sum + sample.value, 0), 1);
    const [first] = closed;
    assert.ok(first !== undefined);
    assert.equal(first.labels['transport'], 'ws');
    assert.match(first.labels['code'] ?? '', /^\d+$/, 'closes are counted by close code');
    assert.equal(valueOf(now, 'switchboard_subscriptions', app), 0);
    assert.equal(valueOf(now, 'switchboard_channels', app), 0);
    assert.equal(
      now.some((sample) => Object.values(sample.labels).some((value) => value.includes('private-metrics'))),
      false,
      'channel names are never label values',
    );
  });

  it("labels a server-side close with the server's code", async () => {
    const before = valueOf(await samples(), 'switchboard_connections_closed_total', { ...app, code: '4009' });
    const raw = await RawClient.connect(server.wsUrl, APP.key);
    // 4009 is what a sign-in timeout sends; here the engine closes the connection directly.
    server.server.engine.connection(raw.socketId)?.close(CloseReasons.signinTimeout);
    await raw.client.closed;
    await eventually(
      async () => valueOf(await samples(), 'switchboard_connections_closed_total', { ...app, code: '4009' }) === before + 1,
      'the close is counted under 4009',
    );
  });

  it('counts client events', async () => {
    const sender = clientFor(server, APP);
    const receiver = clientFor(server, APP);
    try {
      const [sent, heard] = await Promise.all([subscribed(sender, 'private-chat'), subscribed(receiver, 'private-chat')]);
      const got = nextEvent(heard, 'client-hi');
      sent.trigger('client-hi', { x: 1 });
      await got;
      assert.equal(valueOf(await samples(), 'switchboard_client_events_total', app), 1);
    } finally {
      await Promise.all([disconnect(sender), disconnect(receiver)]);
    }
  });

  it('documents every switchboard metric, and the Grafana dashboard queries only documented, served ones', async () => {
    const families = metricFamilies((await scrape(adminUrl)).text);
    const documented = await readFile(`${REPO_ROOT}docs/metrics.md`, 'utf8');
    for (const family of families) {
      if (family.startsWith('switchboard_')) assert.ok(documented.includes(`\`${family}\``), `${family} is in docs/metrics.md`);
    }
    const dashboard: unknown = JSON.parse(await readFile(`${REPO_ROOT}docs/grafana-dashboard.json`, 'utf8'));
    const exprs = [...JSON.stringify(dashboard).matchAll(/"expr":"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1] ?? '');
    assert.ok(exprs.length >= 10, 'the dashboard has panels');
    const queried = new Set(exprs.flatMap((expr) => [...expr.matchAll(/\b((?:switchboard|process|nodejs)_[a-z0-9_]+)/g)].map((match) => match[1] ?? '')));
    for (const name of queried) {
      const family = name.replace(/_(bucket|count|sum)$/, '');
      assert.ok(families.has(family), `${name} (dashboard) is served`);
      assert.ok(documented.includes(`\`${family}\``), `${family} (dashboard) is in docs/metrics.md`);
    }
  });

  it('is not served on the client listener', async () => {
    const response = await fetch(`${server.httpUrl}/metrics`);
    assert.equal(response.status, 404);
  });
});

describe('admin.token', () => {
  const token = 'a-long-enough-admin-token';
  let server: TestServer;
  let adminUrl: string;

  before(async () => {
    server = await startServer({ admin: { port: 0, token } });
    adminUrl = adminUrlOf(server);
  });
  after(() => server.close());

  it('answers 401 without the bearer token or with a wrong one, 200 with it', async () => {
    const missing = await fetch(`${adminUrl}/metrics`);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await scrape(adminUrl, 'a-long-enough-admin-tokeX')).status, 401);
    assert.equal((await scrape(adminUrl, `${token}x`)).status, 401);
    const basic = await fetch(`${adminUrl}/ready`, { headers: { authorization: `Basic ${token}` } });
    assert.equal(basic.status, 401, 'every admin route is behind the token');
    const ok = await scrape(adminUrl, token);
    assert.equal(ok.status, 200);
    assert.ok(ok.samples.some((sample) => sample.name === 'switchboard_connections'));
    const ready = await fetch(`${adminUrl}/ready`, { headers: { authorization: `Bearer ${token}` } });
    assert.deepEqual(await ready.json(), { ready: true });
  });
});
