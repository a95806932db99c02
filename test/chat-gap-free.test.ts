/**
 * The chat SDK's promise: after a disconnect a client has every message it missed, in order, with
 * no gap and no duplicate. Real server (SQLite), real pusher-js, real sockets: connections cut
 * mid-stream by a proxy, a client process paused with SIGSTOP (the 50 cut-offs in a row are in
 * chat-cutoffs.test.ts), sends forced into the subscribe/fetch window, and a gap
 * older than the room keeps (a discontinuity, not a silent skip).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { backend, CHAT_APP, chatClient, chatServer, roomWith, tokenFor } from './helpers/chat.js';
import { Delivered } from './helpers/chat-delivered.js';
import { range, startCutFixture, text, type CutFixture } from './helpers/chat-cut-fixture.js';

describe('chat: gap-free delivery', () => {
  let fixture: CutFixture;

  before(async () => {
    fixture = await startCutFixture('gap');
  });

  after(() => fixture.close());

  it('a client whose socket is destroyed (twice) while 1,000 messages are sent gets all 1,000, in order, once', async () => {
    await roomWith(fixture.api, 'g-socket', ['gs-sender', 'gs-reader']);
    const delivered = new Delivered();
    fixture.reader('gs-reader').subscribe('g-socket', delivered.hooks(), { after: 0 });
    await delivered.until(() => delivered.subscribed);
    // Cut after message 200 and after message 600; sending goes on while the reader reconnects.
    // The second cut waits until the reader is back on a new socket (a presence update arrives
    // over it), so it cuts a live connection rather than finding none.
    let cuts = 0;
    await fixture.send('g-socket', 'gs-sender', 200);
    let updates = delivered.presenceUpdates;
    cuts += fixture.proxy.cutAll();
    await fixture.send('g-socket', 'gs-sender', 200);
    await delivered.until(() => delivered.presenceUpdates > updates);
    await fixture.send('g-socket', 'gs-sender', 200);
    updates = delivered.presenceUpdates;
    cuts += fixture.proxy.cutAll();
    await fixture.send('g-socket', 'gs-sender', 400);
    await delivered.until(() => delivered.ids.length >= 1_000 && delivered.presenceUpdates > updates);
    assert.equal(cuts, 2, 'the reader was cut off twice');
    assert.deepEqual(delivered.ids, range(1, 1_000));
    assert.deepEqual(delivered.gaps, []);
  });

  it('a client process paused (SIGSTOP) while 1,000 messages are sent gets all 1,000, in order, once', async () => {
    await roomWith(fixture.api, 'g-pause', ['gp-sender', 'gp-reader']);
    const script = fileURLToPath(new URL('./helpers/chat-reader-child.js', import.meta.url));
    const argument = JSON.stringify({ url: fixture.server.httpUrl, appId: CHAT_APP.id, key: CHAT_APP.key, token: tokenFor('gp-reader'), room: 'g-pause' });
    const child = spawn(process.execPath, [script, argument], { stdio: ['pipe', 'pipe', 'inherit'] });
    const delivered = new Delivered();
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const event = JSON.parse(line) as { kind: string; id?: number; from?: number; to?: number };
      if (event.kind === 'subscribed') delivered.hooks().onPresence();
      if (event.kind === 'message' && event.id !== undefined) delivered.hooks().onMessage({ id: event.id });
      if (event.kind === 'discontinuity') delivered.gaps.push({ from: event.from ?? 0, to: event.to ?? 0 });
    });
    try {
      await delivered.until(() => delivered.subscribed);
      child.kill('SIGSTOP');
      await fixture.send('g-pause', 'gp-sender', 1_000);
      child.kill('SIGCONT');
      await delivered.until(() => delivered.ids.length >= 1_000);
      assert.deepEqual(delivered.ids, range(1, 1_000));
      assert.deepEqual(delivered.gaps, []);
    } finally {
      child.kill('SIGCONT');
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('subscribes before fetching: messages sent while subscribing and while fetching are delivered once, in order', async () => {
    await roomWith(fixture.api, 'g-race', ['gr-sender', 'gr-reader']);
    const client = fixture.reader('gr-reader');
    await fixture.send('g-race', 'gr-sender', 3);
    // Sends forced into the two windows: after the channel is authorized but before the
    // subscription is acknowledged, and after the acknowledgement but before the fetch.
    const authorize = client.api.authorize.bind(client.api);
    client.api.authorize = async (socketId, channel) => {
      const answer = await authorize(socketId, channel);
      await fixture.send('g-race', 'gr-sender', 2);
      return answer;
    };
    const messages = client.api.messages.bind(client.api);
    let fetches = 0;
    client.api.messages = async (room, query) => {
      fetches += 1;
      if (fetches === 1) await fixture.send('g-race', 'gr-sender', 2);
      return messages(room, query);
    };
    const delivered = new Delivered();
    client.subscribe('g-race', delivered.hooks(), { after: 1 });
    await delivered.until(() => delivered.last >= 7);
    await fixture.send('g-race', 'gr-sender', 1);
    await delivered.until(() => delivered.last >= 8);
    assert.deepEqual(delivered.ids, range(2, 8));
  });

  it('beyond retention: a discontinuity event, then every message still kept', async () => {
    const retaining = await chatServer({ url: `sqlite:${join(fixture.directory, 'chat.db')}` }, { messagesPerSecond: 100_000, retainMessages: 100 });
    try {
      const retainingApi = backend(retaining);
      await roomWith(retainingApi, 'g-retain', ['gt-sender', 'gt-reader']);
      for (let index = 0; index < 250; index += 1) {
        await retainingApi.post('/rooms/g-retain/messages', { sender_id: 'gt-sender', parts: text(`${index}`) });
      }
      const client = chatClient(retaining, 'gt-reader');
      fixture.track(client);
      const delivered = new Delivered();
      client.subscribe('g-retain', delivered.hooks(), { after: 20 });
      await delivered.until(() => delivered.last >= 250);
      // Pruned at 200: ids 1..100 are gone; the reader had seen up to 20.
      assert.deepEqual(delivered.gaps, [{ from: 21, to: 100 }]);
      assert.deepEqual(delivered.ids, range(101, 250));
    } finally {
      await retaining.close();
    }
  });
});
