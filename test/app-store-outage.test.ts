/**
 * The app store's database goes down and comes back (a private PostgreSQL this test starts and
 * stops): connected clients and cached apps keep working, a lookup that cannot be answered closes
 * with 4103 (pusher-js retries) and the API answers 503, /ready stays 200, and everything recovers
 * without restarting the server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, adminRequest } from './helpers/admin-api.js';
import { clientFor, connected, disconnect, nextEvent, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { PrivatePostgres } from './helpers/private-postgres.js';
import { RawClient } from './helpers/raw-client.js';
import { startServer, type TestApp, type TestServer } from './helpers/server.js';

const CACHED: TestApp = { id: 'cached', key: 'cached-key', secret: 'c'.repeat(40) };
const UNCACHED: TestApp = { id: 'uncached', key: 'uncached-key', secret: 'u'.repeat(40) };

async function status(call: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

describe('app store database down and back', () => {
  let database: PrivatePostgres;
  let server: TestServer;
  let client: PusherClient;

  before(async () => {
    database = await PrivatePostgres.start();
    server = await startServer({
      admin: { port: 0, token: ADMIN_TOKEN },
      // Both are inserted at boot; only the first is ever looked up before the outage.
      apps: [CACHED, UNCACHED],
      appStore: { url: database.url, queryTimeoutMs: 1_000, refreshSeconds: 1 },
    });
  });
  after(async () => {
    await disconnect(client);
    await server.close();
    await database.destroy();
  });

  it('keeps serving what it holds, refuses what it cannot know with 4103 and 503, and recovers without a restart', async () => {
    client = clientFor(server, CACHED);
    const socketId = await connected(client);
    const channel = await subscribed(client, 'private-feed');
    const sdk = sdkFor(server, CACHED);

    await database.stop();

    // Connected clients and the cached app keep working.
    const during = nextEvent<{ n: number }>(channel, 'tick');
    assert.equal(await status(sdk.trigger('private-feed', 'tick', { n: 1 })), 'ok');
    assert.deepEqual((await during).data, { n: 1 });
    const fresh = await RawClient.connect(server.wsUrl, CACHED.key);
    // What the cache cannot answer: a 41xx close (pusher-js retries), 503 from the APIs.
    assert.deepEqual(await (await RawClient.open(server.wsUrl, `/app/${UNCACHED.key}`)).closed, {
      code: 4103,
      reason: 'Over capacity: the app store cannot be reached to look up this app; retry shortly',
    });
    assert.equal(await status(sdkFor(server, UNCACHED).trigger('c', 'e', {})), 503);
    const list = await adminRequest(server.server, 'GET', '/api/apps');
    assert.equal(list.status, 503);
    assert.equal((await adminRequest(server.server, 'POST', '/api/apps', {})).status, 503);
    // Ready while the cache serves, on both listeners.
    assert.equal((await adminRequest(server.server, 'GET', '/ready')).status, 200);
    assert.equal((await fetch(`${server.httpUrl}/ready`)).status, 200);
    // The refresh (every second) keeps failing meanwhile; clients stay.
    await server.server.appStore?.refresh();
    await fresh.client.sync();

    await database.restart();

    const unCachedNow = await RawClient.connect(server.wsUrl, UNCACHED.key);
    assert.equal(await status(sdkFor(server, UNCACHED).trigger('c', 'e', {})), 'ok');
    assert.equal((await adminRequest(server.server, 'GET', '/api/apps')).status, 200);
    assert.equal(client.connection.socket_id, socketId, 'the pusher-js client never reconnected');
    const afterwards = nextEvent<{ n: number }>(channel, 'tick');
    await sdk.trigger('private-feed', 'tick', { n: 2 });
    assert.deepEqual((await afterwards).data, { n: 2 });
    await unCachedNow.client.close();
    await fresh.client.close();
  });
});
