/**
 * 50 cut-offs in a row: three readers whose sockets are cut (by a proxy) 50 times while two
 * senders keep sending end with exactly messages 1..N, in order, once. A file of its own:
 * pusher-js waits a second before reconnecting after an abrupt close, so this takes a minute.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { roomWith, socketIdOf } from './helpers/chat.js';
import { Delivered } from './helpers/chat-delivered.js';
import { range, startCutFixture, type CutFixture } from './helpers/chat-cut-fixture.js';

describe('chat: 50 cut-offs in a row', () => {
  let fixture: CutFixture;

  before(async () => {
    fixture = await startCutFixture('cuts');
  });

  after(() => fixture.close());

  // pusher-js waits about a second before reconnecting after an abrupt close: 50 rounds take a minute or more.
  it('50 cut-offs in a row: several clients end with exactly messages 1..N while others keep sending', { timeout: 300_000 }, async () => {
    const readers = ['gc-r1', 'gc-r2', 'gc-r3'];
    await roomWith(fixture.api, 'g-cuts', ['gc-s1', 'gc-s2', ...readers]);
    const delivered = readers.map((userId) => {
      const record = new Delivered();
      const client = fixture.reader(userId);
      client.subscribe('g-cuts', record.hooks(() => socketIdOf(client)), { after: 0 });
      return record;
    });
    await Promise.all(delivered.map((record) => record.until(() => record.subscribed)));
    let sending = true;
    let newest = 0;
    const senders = ['gc-s1', 'gc-s2'].map(async (sender) => {
      while (sending) await fixture.send('g-cuts', sender, 1, (id) => (newest = Math.max(newest, id)));
    });
    for (let cut = 0; cut < 50; cut += 1) {
      const cutSockets = delivered.map((record) => record.presenceSocket);
      assert.equal(fixture.proxy.cutAll(), readers.length, `cut ${cut}: every reader was connected when cut`);
      // Each reader resubscribes on a new socket and has a message sent after the cut, while the
      // two senders keep sending. A presence update proves the new socket only when it carries a
      // new socket id: member events of the previous round can still be in flight on the old one.
      let probe = 0;
      await fixture.send('g-cuts', 'gc-s1', 1, (id) => (probe = id));
      await Promise.all(
        delivered.map((record, index) =>
          record.until(() => record.last >= probe && record.presenceSocket !== undefined && record.presenceSocket !== cutSockets[index]),
        ),
      );
    }
    sending = false;
    await Promise.all(senders);
    const total = Math.max(newest, ...delivered.map((record) => record.last));
    await Promise.all(delivered.map((record) => record.until(() => record.ids.length >= total)));
    for (const record of delivered) {
      assert.deepEqual(record.ids, range(1, total));
      assert.deepEqual(record.gaps, []);
    }
    assert.ok(total >= 50, `${total} messages`);
  });

});
