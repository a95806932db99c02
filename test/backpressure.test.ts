/** A reader too slow to keep up is closed with 4100; the server's buffer for it stays bounded. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sdkFor } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/wait.js';

describe('slow readers', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ websocket: { maxBufferedBytes: 256 * 1024 } });
  });
  after(() => server.close());

  it('closes a client that stops reading with 4100, and keeps serving a fast one', async () => {
    const slow = await RawClient.connect(server.wsUrl, APP.key);
    const fast = await RawClient.connect(server.wsUrl, APP.key);
    for (const { client } of [slow, fast]) {
      client.send({ event: 'pusher:subscribe', data: { channel: 'firehose' } });
      await client.nextEvent('pusher_internal:subscription_succeeded');
    }
    slow.client.ws.pause();
    const sdk = sdkFor(server, APP);
    const payload = 'x'.repeat(10_000);
    // Publish until the server gives up on the paused reader; kernel socket buffers absorb the
    // first few megabytes, so the number of publishes needed depends on the machine.
    let published = 0;
    while (server.server.engine.connection(slow.socketId)?.closing === false) {
      await sdk.trigger('firehose', 'data', payload);
      published += 1;
      assert.ok(published < 5_000, 'the slow reader was never closed');
    }
    slow.client.ws.resume();
    assert.equal((await slow.client.closed).code, 4100);
    await eventually(
      () => fast.client.received.filter((message) => message.event === 'data').length === published,
      'the fast reader received everything',
    );
    await fast.client.close();
  });
});
