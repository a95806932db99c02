/** Cache channels: the last HTTP API event replayed on subscribe, cache_miss when none, TTL. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientFor, disconnect, nextEvent, sdkFor, type PusherClient } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { stateSubscribed } from './helpers/subscribe.js';
import { APP, OTHER_APP, startServer, type TestServer } from './helpers/server.js';

describe('cache channels', () => {
  let server: TestServer;
  // The server's clock is driven by the test, so the TTL expires exactly when the test says.
  let clock = Date.now();
  const clients: PusherClient[] = [];
  const client = (app = APP): PusherClient => {
    const created = clientFor(server, app, { presence: { user_id: `u${clients.length}` } });
    clients.push(created);
    return created;
  };

  before(async () => {
    server = await startServer({
      apps: [
        { ...APP, clientEvents: true },
        { ...OTHER_APP, cacheTtl: 1 },
      ],
    }, { now: () => clock });
  });
  after(async () => {
    await Promise.all(clients.map((entry) => disconnect(entry)));
    await server.close();
  });

  it('sends pusher:cache_miss right after subscription_succeeded when nothing is cached', async () => {
    const { client: raw } = await RawClient.connect(server.wsUrl, APP.key);
    raw.send({ event: 'pusher:subscribe', data: { channel: 'cache-empty' } });
    assert.equal((await raw.next()).event, 'pusher_internal:subscription_succeeded');
    const miss = await raw.next();
    // Exactly Pusher's shape: no data field (clients test for its absence).
    assert.deepEqual(miss, { event: 'pusher:cache_miss', channel: 'cache-empty' });
    await raw.close();
    const pusher = client();
    const channel = pusher.subscribe('cache-empty-2');
    await nextEvent(channel, 'pusher:cache_miss');
  });

  for (const name of ['cache-news', 'private-cache-news', 'presence-cache-news']) {
    it(`replays the last HTTP API event on ${name}`, async () => {
      const sdk = sdkFor(server, APP);
      await sdk.trigger(name, 'headline', { n: 1 });
      await sdk.trigger(name, 'headline', { n: 2 });
      const late = client();
      const channel = late.subscribe(name);
      const replayed = await nextEvent(channel, 'headline');
      assert.deepEqual(replayed.data, { n: 2 });
    });
  }

  it('does not cache client events', async () => {
    const sender = client();
    const witness = client();
    const channel = sender.subscribe('private-cache-chat');
    const watching = witness.subscribe('private-cache-chat');
    await Promise.all([stateSubscribed(channel), stateSubscribed(watching)]);
    const relayed = nextEvent(watching, 'client-note');
    channel.trigger('client-note', { text: 'not cached' });
    await relayed;
    const later = client().subscribe('private-cache-chat');
    const notes: unknown[] = [];
    later.bind('client-note', (data: unknown) => notes.push(data));
    await nextEvent(later, 'pusher:cache_miss');
    assert.deepEqual(notes, [], 'a later subscriber gets a miss, not the client event');
  });

  it('answers info=cache on the channel query, and 400 for a non-cache channel', async () => {
    const sdk = sdkFor(server, APP);
    await sdk.trigger('cache-info', 'e', 'cached data');
    const info = (await (await sdk.get({ path: '/channels/cache-info', params: { info: 'cache' } })).json()) as {
      occupied: boolean;
      cache: { data: string; ttl: number };
    };
    assert.equal(info.occupied, false);
    assert.equal(info.cache.data, 'cached data');
    assert.ok(info.cache.ttl > 1700 && info.cache.ttl <= 1800, `ttl ${info.cache.ttl}`);
    const empty: unknown = await (await sdk.get({ path: '/channels/cache-nothing', params: { info: 'cache' } })).json();
    assert.deepEqual(empty, { occupied: false, cache: null });
    await assert.rejects(sdk.get({ path: '/channels/plain', params: { info: 'cache' } }), (error: { status: number }) => error.status === 400);
  });

  it('expires after cacheTtl, and keeps apps apart', async () => {
    await sdkFor(server, APP).trigger('cache-shared', 'e', 'app-1 data');
    await sdkFor(server, OTHER_APP).trigger('cache-ttl', 'e', 'short-lived');
    const other = client(OTHER_APP);
    const shared = other.subscribe('cache-shared');
    await nextEvent(shared, 'pusher:cache_miss');
    const fresh = other.subscribe('cache-ttl');
    assert.equal((await nextEvent(fresh, 'e')).data, 'short-lived', 'cached before the TTL');
    clock += 1_001;
    const expired = client(OTHER_APP).subscribe('cache-ttl');
    await nextEvent(expired, 'pusher:cache_miss');
  });
});
