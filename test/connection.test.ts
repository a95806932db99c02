/** Connecting: handshake, refusals with their close codes, ping/pong and liveness. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connected, disconnect, nextEvent, PusherClient, sdkFor, stateReached, subscribed } from './helpers/pusher.js';
import { dataOf, RawClient } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/wait.js';

const PATH = (key: string, query = 'protocol=7&client=js&version=8.6.0&flash=false') => `/app/${key}?${query}`;

describe('connection handshake', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      apps: [
        { ...APP, clientEvents: true },
        { id: 'disabled', key: 'disabled-key', secret: 's', enabled: false },
        { id: 'small', key: 'small-key', secret: 's', maxConnections: 2 },
      ],
    });
  });
  after(() => server.close());

  it('connects a pusher-js client configured with only key, wsHost, wsPort, forceTLS and cluster, and delivers a trigger', async () => {
    const client = new PusherClient(APP.key, { wsHost: server.host, wsPort: server.port, forceTLS: false, cluster: 'mt1' });
    try {
      await connected(client);
      const channel = await subscribed(client, 'my-channel');
      const received = nextEvent(channel, 'my-event');
      await sdkFor(server, APP).trigger('my-channel', 'my-event', { hello: 'world' });
      assert.deepEqual((await received).data, { hello: 'world' });
    } finally {
      await disconnect(client);
    }
  });

  it('sends connection_established first, with a numeric socket id and a non-zero activity timeout', async () => {
    const client = await RawClient.open(server.wsUrl, PATH(APP.key));
    const first = await client.next();
    assert.equal(first.event, 'pusher:connection_established');
    assert.equal(typeof first.data, 'string', 'data is double-encoded');
    const data = (dataOf(first) as { socket_id: string; activity_timeout: number });
    assert.match(data.socket_id, /^\d+\.\d+$/);
    assert.equal(data.activity_timeout, 120);
    await client.close();
  });

  it('gives every connection its own socket id', async () => {
    const clients = await Promise.all(Array.from({ length: 30 }, () => RawClient.connect(server.wsUrl, APP.key)));
    assert.equal(new Set(clients.map((entry) => entry.socketId)).size, 30);
    await Promise.all(clients.map((entry) => entry.client.close()));
  });

  it('answers pusher:ping with pusher:pong', async () => {
    const { client } = await RawClient.connect(server.wsUrl, APP.key);
    client.send({ event: 'pusher:ping', data: {} });
    assert.equal((await client.next()).event, 'pusher:pong');
    await client.close();
  });

  const refusals: [string, string, number][] = [
    ['an unknown key', PATH('no-such-key'), 4001],
    ['a disabled app', PATH('disabled-key'), 4003],
    ['a path that is not /app/{key}', '/nothing/here', 4005],
    ['an empty key', '/app/?protocol=7', 4005],
    ['an unparsable protocol', PATH(APP.key, 'protocol=seven'), 4006],
    ['protocol 3', PATH(APP.key, 'protocol=3'), 4007],
    ['protocol 8', PATH(APP.key, 'protocol=8'), 4007],
  ];
  for (const [what, path, code] of refusals) {
    it(`refuses ${what} with pusher:error ${code}, then close ${code}`, async () => {
      const client = await RawClient.open(server.wsUrl, path);
      const error = await client.next();
      assert.equal(error.event, 'pusher:error');
      assert.equal((error.data as { code: number }).code, code);
      assert.equal(typeof (error.data as { message: string }).message, 'string');
      const closed = await client.closed;
      assert.equal(closed.code, code);
      assert.notEqual(closed.reason, '');
    });
  }

  it('accepts protocols 4 to 7 and a missing protocol', async () => {
    for (const query of ['protocol=4', 'protocol=5', 'protocol=6', 'protocol=7', 'client=js']) {
      const client = await RawClient.open(server.wsUrl, PATH(APP.key, query));
      assert.equal((await client.next()).event, 'pusher:connection_established', query);
      await client.close();
    }
  });

  it('makes pusher-js give up (no reconnect) on an unknown key', async () => {
    const client = new PusherClient('no-such-key', {
      wsHost: server.host,
      wsPort: server.port,
      forceTLS: false,
      cluster: 'mt1',
      enabledTransports: ['ws'],
    });
    const error = nextEvent<{ error: { type: string; data: { code: number } } }>(client.connection, 'error');
    await stateReached(client, 'disconnected');
    assert.deepEqual((await error).data.error.type, 'PusherError');
    assert.equal((await error).data.error.data.code, 4001);
    client.disconnect();
  });

  it('enforces maxConnections at its edge: n connect, n+1 gets 4004, a freed slot is reusable', async () => {
    const first = await RawClient.connect(server.wsUrl, 'small-key');
    const second = await RawClient.connect(server.wsUrl, 'small-key');
    const third = await RawClient.open(server.wsUrl, PATH('small-key'));
    assert.equal(((await third.next()).data as { code: number }).code, 4004);
    assert.equal((await third.closed).code, 4004);
    await first.client.close();
    await eventually(() => server.server.engine.connection(first.socketId) === undefined, 'the closed connection is released');
    const fourth = await RawClient.connect(server.wsUrl, 'small-key');
    await fourth.client.close();
    await second.client.close();
  });
});

describe('liveness', () => {
  // The server's clock is the test's: the sweep (every 250 ms with these timeouts) reads it, so
  // time passes when the test says and no test waits out a timeout.
  let server: TestServer;
  let clock = Date.now();
  before(async () => {
    server = await startServer({ activityTimeout: 1, pongTimeout: 1 }, { now: () => clock });
  });
  after(() => server.close());

  it('tells clients the configured activity timeout', async () => {
    const client = await RawClient.open(server.wsUrl, PATH(APP.key));
    assert.equal((dataOf(await client.next()) as { activity_timeout: number }).activity_timeout, 1);
    await client.close();
  });

  it('pings an idle client and keeps it when it answers', async () => {
    const { client } = await RawClient.connect(server.wsUrl, APP.key);
    for (let round = 0; round < 2; round += 1) {
      const ping = client.next();
      clock += 1_000;
      assert.equal((await ping).event, 'pusher:ping');
      client.send({ event: 'pusher:pong', data: {} });
      // Applied before the clock moves on (a round trip proves it), or a sweep in between would
      // see the ping unanswered for a pong timeout.
      client.send({ event: 'pusher:ping', data: {} });
      assert.equal((await client.next()).event, 'pusher:pong');
    }
    assert.equal(client.ws.readyState, client.ws.OPEN);
    await client.close();
  });

  it('closes with 4201 when a ping goes unanswered', async () => {
    const { client } = await RawClient.connect(server.wsUrl, APP.key);
    const ping = client.next();
    clock += 1_000;
    assert.equal((await ping).event, 'pusher:ping');
    const closed = client.closed;
    clock += 1_000;
    assert.equal((await closed).code, 4201);
  });
});
