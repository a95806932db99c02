/**
 * The hub on its own: membership per app and channel (empty channels and apps are dropped, so
 * `channels()` lists exactly the occupied ones), and delivery (one Frame shared by every
 * recipient, the excepted socket skipped, watchlist publications without a channel field).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WATCHLIST_CHANNEL_PREFIX } from '../protocol/channels.js';
import { Frame } from '../protocol/frame.js';
import { RawJson } from '../protocol/raw-json.js';
import { publicationFrame } from '../cluster/publication-frame.js';
import { Hub, type Subscriber } from './hub.js';

class Recorder implements Subscriber {
  readonly frames: Frame[] = [];
  constructor(readonly socketId: string) {}
  send(frame: Frame): void {
    this.frames.push(frame);
  }
}

describe('Hub', () => {
  it('keeps subscribers per app and channel, and forgets emptied channels and apps', () => {
    const hub = new Hub();
    const a = new Recorder('1.1');
    const b = new Recorder('1.2');
    hub.add('app1', 'news', a);
    hub.add('app1', 'news', b);
    hub.add('app1', 'news', a); // a set: adding twice is one membership
    hub.add('app1', 'sport', a);
    hub.add('app2', 'news', b);
    assert.deepEqual([...(hub.subscribers('app1', 'news') ?? [])], [a, b]);
    assert.deepEqual([...(hub.subscribers('app2', 'news') ?? [])], [b]);
    assert.equal(hub.subscribers('app2', 'sport'), undefined);
    assert.equal(hub.subscribers('app3', 'news'), undefined);
    assert.deepEqual([...hub.channels()], [['app1', 'news'], ['app1', 'sport'], ['app2', 'news']]);

    hub.remove('app1', 'news', a);
    assert.deepEqual([...(hub.subscribers('app1', 'news') ?? [])], [b]);
    hub.remove('app1', 'news', b);
    assert.equal(hub.subscribers('app1', 'news'), undefined, 'the emptied channel is gone');
    hub.remove('app1', 'sport', a);
    hub.remove('app2', 'news', b);
    assert.deepEqual([...hub.channels()], [], 'emptied apps are gone');
  });

  it('ignores removing what is not there', () => {
    const hub = new Hub();
    const a = new Recorder('1.1');
    hub.remove('app1', 'news', a);
    hub.add('app1', 'news', a);
    hub.remove('app1', 'other', a);
    hub.remove('app1', 'news', new Recorder('1.2'));
    assert.deepEqual([...(hub.subscribers('app1', 'news') ?? [])], [a]);
  });

  it('delivers one shared frame to every subscriber of the channel but the excepted socket', () => {
    const hub = new Hub();
    const a = new Recorder('1.1');
    const b = new Recorder('1.2');
    const c = new Recorder('1.3');
    const elsewhere = new Recorder('1.4');
    for (const subscriber of [a, b, c]) hub.add('app1', 'news', subscriber);
    hub.add('app1', 'sport', elsewhere);
    hub.add('app2', 'news', elsewhere);

    const delivered = hub.deliver({ appId: 'app1', channel: 'news', event: 'flash', data: 'hi', exceptSocketId: '1.2' });
    assert.equal(delivered, 2);
    assert.equal(b.frames.length, 0, 'the excepted socket');
    assert.equal(elsewhere.frames.length, 0, 'other channels and apps');
    const [frame] = a.frames;
    assert.ok(frame !== undefined);
    assert.equal(c.frames[0], frame, 'encoded once, the same Frame queued on each');
    assert.deepEqual(JSON.parse(frame.text), { event: 'flash', channel: 'news', data: 'hi' });
  });

  it('delivers to nobody on a channel without local subscribers', () => {
    const hub = new Hub();
    hub.add('app1', 'news', new Recorder('1.1'));
    assert.equal(hub.deliver({ appId: 'app1', channel: 'quiet', event: 'e', data: 'x' }), 0);
    assert.equal(hub.deliver({ appId: 'app9', channel: 'news', event: 'e', data: 'x' }), 0);
  });

  it('deliverFrame counts the recipients it queued on', () => {
    const hub = new Hub();
    const a = new Recorder('1.1');
    const b = new Recorder('1.2');
    const frame = new Frame('{}');
    assert.equal(hub.deliverFrame(new Set([a, b]), frame), 2);
    assert.equal(hub.deliverFrame(new Set([a, b]), frame, '1.1'), 1);
    assert.deepEqual([a.frames.length, b.frames.length], [1, 2]);
  });
});

describe('publicationFrame', () => {
  it('encodes a channel event with its data, and the sender of a client event', () => {
    assert.deepEqual(JSON.parse(publicationFrame({ appId: 'a', channel: 'presence-room', event: 'client-typing', data: new RawJson('{"x":1}'), userId: 'u1' })), {
      event: 'client-typing',
      channel: 'presence-room',
      data: { x: 1 },
      user_id: 'u1',
    });
    assert.deepEqual(JSON.parse(publicationFrame({ appId: 'a', channel: 'news', event: 'e', data: undefined })), { event: 'e', channel: 'news' });
  });

  it('leaves the channel out of watchlist publications (they are addressed to the connection)', () => {
    const text = publicationFrame({ appId: 'a', channel: `${WATCHLIST_CHANNEL_PREFIX}u1`, event: 'pusher_internal:watchlist_events', data: '{"events":[]}' });
    assert.deepEqual(JSON.parse(text), { event: 'pusher_internal:watchlist_events', data: '{"events":[]}' });
  });
});
