import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeChannelEvent,
  encodeConnectionEstablished,
  encodeError,
  memberAddedEvent,
  memberRemovedEvent,
  subscriptionCountEvent,
  encodeSubscriptionSucceeded,
  parseClientMessage,
} from './codec.js';
import { ClientErrors } from './errors.js';
import { RawJson } from './raw-json.js';

function errorOf(text: string): string | undefined {
  const result = parseClientMessage(text);
  return result.ok ? undefined : result.error.id;
}

describe('codec: client frames', () => {
  it('parses the exact pusher-js payloads', () => {
    assert.deepEqual(parseClientMessage('{"event":"pusher:ping","data":{}}'), { ok: true, message: { type: 'ping' } });
    assert.deepEqual(parseClientMessage('{"event":"pusher:subscribe","data":{"auth":"","channel":"my-channel"}}'), {
      ok: true,
      message: { type: 'subscribe', channel: 'my-channel', auth: undefined, channelData: undefined },
    });
    assert.deepEqual(
      parseClientMessage(
        '{"event":"pusher:subscribe","data":{"auth":"k:s","channel_data":"{\\"user_id\\":10}","channel":"presence-foobar"}}',
      ),
      { ok: true, message: { type: 'subscribe', channel: 'presence-foobar', auth: 'k:s', channelData: '{"user_id":10}' } },
    );
    assert.deepEqual(parseClientMessage('{"event":"pusher:unsubscribe","data":{"channel":"my-channel"}}'), {
      ok: true,
      message: { type: 'unsubscribe', channel: 'my-channel' },
    });
    assert.deepEqual(parseClientMessage('{"event":"pusher:signin","data":{"auth":"k:s","user_data":"{\\"id\\":\\"1\\"}"}}'), {
      ok: true,
      message: { type: 'signin', auth: 'k:s', userData: '{"id":"1"}' },
    });
    assert.deepEqual(parseClientMessage('{"event":"client-typing","data":{"x":1},"channel":"private-chat"}'), {
      ok: true,
      message: { type: 'client-event', event: 'client-typing', channel: 'private-chat', data: new RawJson('{"x":1}'), dataBytes: 7 },
    });
  });

  it('accepts data JSON-encoded in a string', () => {
    assert.deepEqual(parseClientMessage('{"event":"pusher:subscribe","data":"{\\"channel\\":\\"a\\"}"}'), {
      ok: true,
      message: { type: 'subscribe', channel: 'a', auth: undefined, channelData: undefined },
    });
  });

  it('answers each malformed frame with its documented error', () => {
    assert.equal(errorOf('not json'), ClientErrors.invalidJson.id);
    assert.equal(errorOf(''), ClientErrors.invalidJson.id);
    assert.equal(errorOf('[1,2]'), ClientErrors.notAnObject.id);
    assert.equal(errorOf('null'), ClientErrors.notAnObject.id);
    assert.equal(errorOf('"text"'), ClientErrors.notAnObject.id);
    assert.equal(errorOf('{}'), ClientErrors.missingEvent.id);
    assert.equal(errorOf('{"event":42}'), ClientErrors.missingEvent.id);
    assert.equal(errorOf('{"event":""}'), ClientErrors.missingEvent.id);
    assert.equal(errorOf('{"event":"pusher:subscribe"}'), ClientErrors.invalidData.id);
    assert.equal(errorOf('{"event":"pusher:subscribe","data":{"channel":5}}'), ClientErrors.invalidData.id);
    assert.equal(errorOf('{"event":"pusher:subscribe","data":{"channel":"a","auth":5}}'), ClientErrors.invalidData.id);
    assert.equal(errorOf('{"event":"pusher:subscribe","data":{"channel":"a","channel_data":{}}}'), ClientErrors.invalidData.id);
    assert.equal(errorOf('{"event":"pusher:unsubscribe","data":[]}'), ClientErrors.invalidData.id);
    assert.equal(errorOf('{"event":"pusher:signin","data":{"auth":"x"}}'), ClientErrors.invalidData.id);
    assert.equal(errorOf('{"event":"pusher:unknown","data":{}}'), ClientErrors.unknownEvent.id);
    assert.equal(errorOf('{"event":"pusher_internal:member_added","data":{}}'), ClientErrors.unknownEvent.id);
    assert.equal(errorOf('{"event":"my-event","channel":"private-a"}'), ClientErrors.unknownEvent.id);
    assert.equal(errorOf('{"event":"client-x"}'), ClientErrors.invalidData.id);
    assert.equal(errorOf('{"event":"client-x","channel":7}'), ClientErrors.invalidData.id);
  });
});

describe('codec: server messages', () => {
  it('double-encodes pusher:* data and gives socket id and activity timeout', () => {
    const text = encodeConnectionEstablished('123.456', 120);
    assert.equal(text, '{"event":"pusher:connection_established","data":"{\\"socket_id\\":\\"123.456\\",\\"activity_timeout\\":120}"}');
  });

  it('encodes pusher:error data as an object', () => {
    assert.deepEqual(JSON.parse(encodeError(4001, 'nope')), { event: 'pusher:error', data: { code: 4001, message: 'nope' } });
    assert.deepEqual(JSON.parse(encodeError(null, 'x')), { event: 'pusher:error', data: { code: null, message: 'x' } });
  });

  it('encodes subscription_succeeded of a channel without presence with data {}', () => {
    assert.deepEqual(JSON.parse(encodeSubscriptionSucceeded('a')), {
      event: 'pusher_internal:subscription_succeeded',
      channel: 'a',
      data: '{}',
    });
  });

  it('relays channel event data as given, with user_id only when set', () => {
    assert.deepEqual(JSON.parse(encodeChannelEvent('c', 'e', '{"a":1}')), { event: 'e', channel: 'c', data: '{"a":1}' });
    assert.equal(encodeChannelEvent('c', 'client-x', new RawJson('{ "a" : 1 }'), 7), '{"event":"client-x","channel":"c","data":{ "a" : 1 },"user_id":7}');
    assert.deepEqual(JSON.parse(encodeChannelEvent('c', 'client-x', new RawJson('{"a":1}'), 7)), {
      event: 'client-x',
      channel: 'c',
      data: { a: 1 },
      user_id: 7,
    });
    const added = memberAddedEvent('u', undefined);
    assert.deepEqual(JSON.parse(encodeChannelEvent('presence-a', added.event, added.data)), {
      event: 'pusher_internal:member_added',
      channel: 'presence-a',
      data: '{"user_id":"u","user_info":null}',
    });
    const removed = memberRemovedEvent(7);
    assert.deepEqual(JSON.parse(encodeChannelEvent('presence-a', removed.event, removed.data)), {
      event: 'pusher_internal:member_removed',
      channel: 'presence-a',
      data: '{"user_id":7}',
    });
    const counted = subscriptionCountEvent(3);
    assert.deepEqual(JSON.parse(encodeChannelEvent('c', counted.event, counted.data)), {
      event: 'pusher_internal:subscription_count',
      channel: 'c',
      data: '{"subscription_count":3}',
    });
  });
});
