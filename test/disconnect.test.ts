/**
 * Read-after-disconnect: once a client has closed, the HTTP API and the other members see it gone.
 * The release starts when the client's close frame arrives, not when its TCP connection closes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clientFor, disconnect, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { dataOf, RawClient } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

interface Users {
  users: { id: string }[];
}

describe('read after disconnect', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const member = (userId: string): PusherClient => {
    const client = clientFor(server, APP, { presence: { user_id: userId } });
    clients.push(client);
    return client;
  };
  const users = async (channel: string): Promise<string[]> => {
    const response = await sdkFor(server, APP).get({ path: `/channels/${channel}/users` });
    return ((await response.json()) as Users).users.map((user) => user.id).sort();
  };

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await Promise.all(clients.map((client) => disconnect(client)));
    await server.close();
  });

  it('lists no pusher-js client that has disconnected, and tells the other member', async () => {
    const stayer = await subscribed(member('stayer'), 'presence-read-after');
    const leavers = [member('leaver-1'), member('leaver-2')];
    await Promise.all(leavers.map((client) => subscribed(client, 'presence-read-after')));
    assert.deepEqual(await users('presence-read-after'), ['leaver-1', 'leaver-2', 'stayer']);
    const removed: string[] = [];
    const bothRemoved = new Promise<void>((resolve) => {
      stayer.bind('pusher:member_removed', (gone: { id: string }) => {
        removed.push(gone.id);
        if (removed.length === 2) resolve();
      });
    });
    await Promise.all(leavers.map((client) => disconnect(client)));
    assert.deepEqual(await users('presence-read-after'), ['stayer']);
    await bothRemoved;
    assert.deepEqual(removed.sort(), ['leaver-1', 'leaver-2']);
  });

  it("releases on the client's close frame while the client still holds its TCP connection open", { timeout: 10_000 }, async (t) => {
    // Raw clients: they keep no timers of their own, which the frozen timers below would upset.
    const presenceMember = async (userId: string): Promise<RawClient> => {
      const { client, socketId } = await RawClient.connect(server.wsUrl, APP.key);
      const channelData = { user_id: userId };
      const { auth } = sdkFor(server, APP).authorizeChannel(socketId, 'presence-held', channelData);
      client.send({ event: 'pusher:subscribe', data: { channel: 'presence-held', auth, channel_data: JSON.stringify(channelData) } });
      await client.nextEvent('pusher_internal:subscription_succeeded');
      return client;
    };
    const stayer = await presenceMember('holder-stayer');
    const leaver = await presenceMember('holder');
    await stayer.nextEvent('pusher_internal:member_added');
    // Timers are frozen so that the server's close timeout (which would end the TCP connection)
    // cannot fire; the paused leaver never reads the server's answer, so it never closes its side.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    leaver.ws.pause();
    leaver.ws.close(1000);
    const removed = await stayer.nextEvent('pusher_internal:member_removed');
    assert.deepEqual(dataOf(removed), { user_id: 'holder' });
    assert.deepEqual(await users('presence-held'), ['holder-stayer']);
    t.mock.timers.reset();
    leaver.ws.resume();
    assert.equal((await leaver.closed).code, 1000);
    await stayer.close();
  });
});
