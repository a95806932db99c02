/** User sign-in, sending to users, terminating them, required sign-in, and watchlists. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signinStringToSign, signToken } from '../src/protocol/signatures.js';
import {
  clientFor,
  connected,
  disconnect,
  nextEvent,
  presenceMembers,
  sdkFor,
  signedIn,
  stateReached,
  subscribed,
  type PusherClient,
} from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, OTHER_APP, startServer, type TestServer } from './helpers/server.js';

interface WatchlistEvent {
  name: string;
  user_ids: string[];
}

describe('users', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const user = (id: string, extra: { watchlist?: string[]; user_info?: unknown } = {}, app = APP): PusherClient => {
    const client = clientFor(server, app, { user: { id, ...extra } });
    clients.push(client);
    return client;
  };

  before(async () => {
    server = await startServer({
      apps: [
        { ...APP, clientEvents: true },
        { ...OTHER_APP },
      ],
    });
  });
  after(async () => {
    await Promise.all(clients.map((client) => disconnect(client)));
    await server.close();
  });

  it('delivers sendToUser to every connection of that user and to nobody else', async () => {
    const tab1 = user('alice');
    const tab2 = user('alice');
    const bob = user('bob');
    const sameIdOtherApp = user('alice', {}, OTHER_APP);
    await Promise.all([signedIn(tab1), signedIn(tab2), signedIn(bob), signedIn(sameIdOtherApp)]);
    const leaked: unknown[] = [];
    bob.user.bind('notice', (data: unknown) => leaked.push(data));
    sameIdOtherApp.user.bind('notice', (data: unknown) => leaked.push(data));
    const received = Promise.all([nextEvent(tab1.user, 'notice'), nextEvent(tab2.user, 'notice')]);
    await sdkFor(server, APP).sendToUser('alice', 'notice', { text: 'hello alice' });
    assert.deepEqual(
      (await received).map((event) => event.data),
      [{ text: 'hello alice' }, { text: 'hello alice' }],
    );
    const markers = Promise.all([nextEvent(bob.user, 'marker'), nextEvent(sameIdOtherApp.user, 'marker')]);
    await sdkFor(server, APP).sendToUser('bob', 'marker', {});
    await sdkFor(server, OTHER_APP).sendToUser('alice', 'marker', {});
    await markers;
    assert.deepEqual(leaked, []);
  });

  it('terminate_connections closes every connection of the user with 4009, and no other', async () => {
    const tab1 = user('carol');
    const tab2 = user('carol');
    const dave = user('dave');
    const otherApp = user('carol', {}, OTHER_APP);
    await Promise.all([signedIn(tab1), signedIn(tab2), signedIn(dave), signedIn(otherApp)]);
    // pusher-js reports the pusher:error that precedes the close as {type: 'PusherError', data}.
    const errors = [tab1, tab2].map((client) => nextEvent<{ type: string; data: { code: number } }>(client.connection, 'error'));
    const gone = [stateReached(tab1, 'disconnected'), stateReached(tab2, 'disconnected')];
    const response = await sdkFor(server, APP).terminateUserConnections('carol');
    assert.equal(response.status, 200);
    await Promise.all(gone);
    for (const error of await Promise.all(errors)) assert.deepEqual([error.data.type, error.data.data.code], ['PusherError', 4009]);
    assert.equal(dave.connection.state, 'connected');
    const marker = nextEvent(otherApp.user, 'marker');
    await sdkFor(server, OTHER_APP).sendToUser('carol', 'marker', {});
    await marker;
    assert.equal(otherApp.connection.state, 'connected', "the other app's user of the same id is untouched");
  });

  it('joins presence channels as the signed-in user when the auth has no channel_data', async () => {
    const sdk = sdkFor(server, APP);
    const erin = clientFor(server, APP, {
      user: { id: 'erin', user_info: { name: 'Erin' } },
      extra: {
        channelAuthorization: {
          endpoint: '/unused',
          transport: 'ajax',
          customHandler: ({ socketId, channelName }, callback) => callback(null, sdk.authorizeChannel(socketId, channelName)),
        },
      },
    });
    clients.push(erin);
    await signedIn(erin);
    const members = presenceMembers(await subscribed(erin, 'presence-signed'));
    assert.deepEqual(members.me, { id: 'erin', info: { name: 'Erin' } });
    assert.equal(members.count, 1);
  });

  it('refuses invalid sign-ins with pusher:error and keeps the connection', async () => {
    const { client, socketId } = await RawClient.connect(server.wsUrl, APP.key);
    const signin = (userData: string, auth = signToken(APP, signinStringToSign(socketId, userData))) =>
      client.send({ event: 'pusher:signin', data: { auth, user_data: userData } });
    signin('{"id":"frank"}', signToken(APP, signinStringToSign('1.1', '{"id":"frank"}')));
    assert.match(((await client.next()).data as { message: string }).message, /signature/);
    signin('{"name":"no id"}');
    assert.match(((await client.next()).data as { message: string }).message, /"id"/);
    signin('{"id":""}');
    assert.equal((await client.next()).event, 'pusher:error');
    signin('{"id":"frank"}');
    const success = await client.next();
    assert.deepEqual(success, { event: 'pusher:signin_success', data: JSON.stringify({ user_data: '{"id":"frank"}' }) });
    signin('{"id":"grace"}');
    assert.match(((await client.next()).data as { message: string }).message, /already signed in/);
    await client.sync();
    await client.close();
  });

  describe('watchlists', () => {
    it('sends the current state after sign-in, then each online and offline change', async () => {
      const bob = user('w-bob');
      await signedIn(bob);
      const alice = user('w-alice', { watchlist: ['w-bob', 'w-carol'] });
      const initial: WatchlistEvent[] = [];
      alice.user.watchlist.bind('online', (event: WatchlistEvent) => initial.push(event));
      alice.user.watchlist.bind('offline', (event: WatchlistEvent) => initial.push(event));
      const bothReported = new Promise<void>((resolve) => {
        const check = (): void => {
          if (initial.length === 2) resolve();
        };
        alice.user.watchlist.bind('online', check);
        alice.user.watchlist.bind('offline', check);
      });
      await signedIn(alice);
      await bothReported;
      assert.deepEqual(initial, [
        { name: 'online', user_ids: ['w-bob'] },
        { name: 'offline', user_ids: ['w-carol'] },
      ]);

      const carolOnline = nextEvent<WatchlistEvent>(alice.user.watchlist, 'online');
      const carol = user('w-carol');
      await signedIn(carol);
      assert.deepEqual((await carolOnline).data, { name: 'online', user_ids: ['w-carol'] });

      // A second connection of an online user changes nothing; only the last one going does.
      const carol2 = user('w-carol');
      await signedIn(carol2);
      const events: WatchlistEvent[] = [];
      alice.user.watchlist.bind('offline', (event: WatchlistEvent) => events.push(event));
      alice.user.watchlist.bind('online', (event: WatchlistEvent) => events.push(event));
      await disconnect(carol2);
      const carolOffline = nextEvent<WatchlistEvent>(alice.user.watchlist, 'offline');
      await disconnect(carol);
      assert.deepEqual((await carolOffline).data, { name: 'offline', user_ids: ['w-carol'] });
      assert.deepEqual(events, [{ name: 'offline', user_ids: ['w-carol'] }]);
    });

    it('caps the watchlist at 100 ids: 4302, the first 100 are watched', async () => {
      const { client, socketId } = await RawClient.connect(server.wsUrl, APP.key);
      const watchlist = Array.from({ length: 101 }, (_, index) => `cap-${index}`);
      const userData = JSON.stringify({ id: 'watcher', watchlist });
      client.send({ event: 'pusher:signin', data: { auth: signToken(APP, signinStringToSign(socketId, userData)), user_data: userData } });
      assert.equal((await client.next()).event, 'pusher:signin_success');
      const limit = await client.next();
      assert.equal((limit.data as { code: number }).code, 4302);
      const state = await client.next();
      assert.equal(state.event, 'pusher_internal:watchlist_events');
      assert.equal(state.channel, undefined, 'watchlist events carry no channel');
      const events = (JSON.parse(state.data as string) as { events: WatchlistEvent[] }).events;
      assert.deepEqual(events, [{ name: 'offline', user_ids: watchlist.slice(0, 100) }]);
      await client.close();
    });

    it('never crosses apps', async () => {
      const watcher = user('x-watcher', { watchlist: ['x-target'] }, OTHER_APP);
      const initial = nextEvent<WatchlistEvent>(watcher.user.watchlist, 'offline');
      await signedIn(watcher);
      await initial;
      const events: WatchlistEvent[] = [];
      watcher.user.watchlist.bind('online', (event: WatchlistEvent) => events.push(event));
      const target = user('x-target', {}, APP);
      await signedIn(target);
      const sameApp = nextEvent<WatchlistEvent>(watcher.user.watchlist, 'online');
      const targetInOtherApp = user('x-target', {}, OTHER_APP);
      await signedIn(targetInOtherApp);
      await sameApp;
      assert.equal(events.length, 1, 'only the same-app sign-in was reported');
    });
  });
});

describe('required sign-in', () => {
  // The server's clock is the test's (its sweep reads it): the timeout passes when the test says.
  let server: TestServer;
  let clock = Date.now();
  before(async () => {
    server = await startServer({ apps: [{ ...APP, requireSignin: true, signinTimeout: 1 }] }, { now: () => clock });
  });
  after(() => server.close());

  it('closes a connection that does not sign in within signinTimeout with 4009, and keeps one that did', async () => {
    const signed = clientFor(server, APP, { user: { id: 'ok' } });
    await signedIn(signed);
    const { client: unsigned } = await RawClient.connect(server.wsUrl, APP.key);
    clock += 1_000;
    const closed = await unsigned.closed;
    assert.equal(closed.code, 4009);
    assert.equal(signed.connection.state, 'connected');
    const channel = await subscribed(signed, 'still-here');
    const received = nextEvent(channel, 'e');
    await sdkFor(server, APP).trigger('still-here', 'e', 'x');
    await received;
    await disconnect(signed);
  });

  it('lets pusher-js connect and stay connected when it signs in', async () => {
    const client = clientFor(server, APP, { user: { id: 'u2' } });
    await connected(client);
    client.signin();
    await client.user.signinDonePromise;
    assert.equal(client.connection.state, 'connected');
    await disconnect(client);
  });
});
