/**
 * websocket.compression: permessage-deflate negotiated with a client that offers it, and a turn's
 * frames (a batch publish) delivered compressed, whole and in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sdkFor } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { APP, startServer, type TestServer } from './helpers/server.js';

describe('websocket.compression', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ websocket: { compression: true } });
  });
  after(() => server.close());

  it('negotiates permessage-deflate and delivers a batch compressed, in order', async () => {
    const { client } = await RawClient.connect(server.wsUrl, APP.key, { perMessageDeflate: true });
    assert.match(client.ws.extensions, /permessage-deflate/);
    client.send({ event: 'pusher:subscribe', data: { channel: 'squeezed' } });
    await client.nextEvent('pusher_internal:subscription_succeeded');
    const texts = Array.from({ length: 10 }, (_, i) => `${String(i)} ${'compressible '.repeat(100)}`);
    await sdkFor(server, APP).triggerBatch(texts.map((text) => ({ channel: 'squeezed', name: 'text', data: text })));
    const received: unknown[] = [];
    for (let i = 0; i < texts.length; i += 1) received.push((await client.nextEvent('text')).data);
    assert.deepEqual(received, texts);
    await client.close();
  });
});
