/**
 * The slow-consumer rule over a real WebSocket: a burst of replies a client asked for is not
 * slowness; a client that stops reading is closed with 4100, and sees that close code (not 1006)
 * ahead of only what the kernel already held when it resumes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sdkFor } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

const CHANNELS = Array.from({ length: 12 }, (_, i) => `presence-burst-${i}`);
const MEMBERS = 99;
/** About 900 bytes of user info per member, as in the report. */
const USER_INFO = { name: 'n'.repeat(880) };

function presenceSubscribe(server: TestServer, socketId: string, channel: string, userId: string): unknown {
  const channelData = JSON.stringify({ user_id: userId, user_info: USER_INFO });
  const { auth } = sdkFor(server, APP).authorizeChannel(socketId, channel, { user_id: userId, user_info: USER_INFO });
  return { event: 'pusher:subscribe', data: { channel, auth, channel_data: channelData } };
}

describe('slow consumers: a burst of replies', () => {
  let server: TestServer;
  const clock = Date.now();
  const members: RawClient[] = [];
  before(async () => {
    // 12 replies of ~100 KB each go far over this cap within a turn, and stay under 4 times it.
    server = await startServer({ websocket: { maxBufferedBytes: 512 * 1024 } }, { now: () => clock });
    const join = async (i: number): Promise<RawClient> => {
      const { client, socketId } = await RawClient.connect(server.wsUrl, APP.key);
      // One at a time: each reply stays under the cap.
      for (const channel of CHANNELS) {
        client.send(presenceSubscribe(server, socketId, channel, `member-${i}`));
        await client.nextEvent('pusher_internal:subscription_succeeded', channel);
      }
      return client;
    };
    members.push(...(await Promise.all(Array.from({ length: MEMBERS }, (_, i) => join(i)))));
  });
  after(async () => {
    await Promise.all(members.map((client) => client.close()));
    await server.close();
  });

  it('does not close a reading client over the replies to the subscribes it sent back to back', async () => {
    const { client, socketId } = await RawClient.connect(server.wsUrl, APP.key);
    for (const channel of CHANNELS) client.send(presenceSubscribe(server, socketId, channel, 'newcomer'));
    const closed = client.closed.then(({ code }) => assert.fail(`closed with ${code} before reading the replies`));
    const replies = Promise.all(CHANNELS.map((channel) => client.nextEvent('pusher_internal:subscription_succeeded', channel)));
    const counts = (await Promise.race([replies, closed])).map((reply) => (JSON.parse(reply.data as string) as { presence: { count: number } }).presence.count);
    assert.deepEqual(counts, CHANNELS.map(() => MEMBERS + 1));
    await client.sync();
    assert.equal((await client.close()).code, 1005);
  });
});

describe('slow consumers: a reader that stops', () => {
  let server: TestServer;
  let clock = Date.now();
  const CAP = 1024 * 1024;
  before(async () => {
    server = await startServer({ websocket: { maxBufferedBytes: CAP } }, { now: () => clock });
  });
  after(() => server.close());

  /** Ten events of 10 kB in one request. */
  const publishBatch = (channel: string) =>
    sdkFor(server, APP).triggerBatch(Array.from({ length: 10 }, () => ({ channel, name: 'data', data: 'x'.repeat(10_000) })));

  const stalledSubscriber = async () => {
    const { client, socketId } = await RawClient.connect(server.wsUrl, APP.key);
    client.send({ event: 'pusher:subscribe', data: { channel: `firehose-${socketId}` } });
    await client.nextEvent('pusher_internal:subscription_succeeded');
    client.ws.pause();
    return { client, socketId, channel: `firehose-${socketId}` };
  };

  it('closes it with 4100 once it has stayed over the cap for the grace period', async () => {
    const { client, socketId, channel } = await stalledSubscriber();
    let published = 0;
    // A second passes between batches: once the reader is over the cap, the fifth batch after finds
    // it still over the cap after the grace period (far short of 4 times the cap).
    while (server.server.engine.connection(socketId)?.closing === false) {
      await publishBatch(channel);
      published += 10;
      clock += 1_000;
      assert.ok(published < 5_000, 'the stalled reader was never closed');
    }
    client.ws.resume();
    assert.equal((await client.closed).code, 4100);
  });

  it('drops the backlog so that a reader resuming after the close timer gets 4100, ahead of only what the kernel held', async (t) => {
    const { client, socketId, channel } = await stalledSubscriber();
    // The server's close-handshake timer runs on mocked time, so the test can let it expire.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let published = 0;
    while (server.server.engine.connection(socketId)?.closing === false) {
      await publishBatch(channel);
      published += 10;
      assert.ok(published < 5_000, 'the stalled reader was never closed');
    }
    // Past the server's 5 s close timer, short of ws's own 30 s one.
    t.mock.timers.tick(6_000);
    client.ws.resume();
    const closed = await client.closed;
    t.mock.timers.reset();
    const stale = client.received.filter((message) => message.event === 'data').length;
    assert.equal(closed.code, 4100, `close code after ${stale} of ${published} messages`);
    // The server stops queueing at 4 times the cap: at least 3 caps' worth of messages were dropped.
    assert.ok(published - stale >= (3 * CAP) / 10_000, `${stale} of ${published} messages delivered after the close`);
  });
});
