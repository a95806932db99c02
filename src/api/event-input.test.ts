/**
 * HTTP API event validation (protocol §6.3), branch by branch: each refusal carries the code and
 * status docs/errors.md gives it ("HTTP API" table), and the detail names what was wrong.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { App } from '../apps/app-store.js';
import { appSchema } from '../config/schema.js';
import type { JsonValue } from '../protocol/json.js';
import { checkBatch, checkEvent, parseInfo, type Checked } from './event-input.js';

const app: App = appSchema.parse({
  id: 'a',
  key: 'k',
  secret: 's',
  maxEventNameLength: 10,
  maxEventDataBytes: 8,
  maxChannelsPerEvent: 3,
  maxChannelNameLength: 20,
  maxEventsPerBatch: 2,
});

/** The code, status and detail of a refusal (fails the test when it was accepted). */
function refusal<T>(checked: Checked<T>): { id: string; status: number; detail: string } {
  assert.ok(!checked.ok, 'refused');
  return { id: checked.error.id, status: checked.error.status, detail: checked.detail };
}

function accepted<T>(checked: Checked<T>): T {
  assert.ok(checked.ok, checked.ok ? '' : `accepted, not ${checked.error.id}: ${checked.detail}`);
  return checked.value;
}

const event = (fields: Record<string, JsonValue>): JsonValue => ({ name: 'e', data: 'd', channels: ['c'], ...fields });

describe('checkEvent', () => {
  it('accepts a valid event, with channels deduplicated and the socket id and info kept', () => {
    assert.deepEqual(accepted(checkEvent(app, event({ channels: ['c', 'd', 'c'], socket_id: '123.456', info: 'user_count, subscription_count,user_count' }), 'single')), {
      name: 'e',
      data: 'd',
      channels: ['c', 'd'],
      socketId: '123.456',
      info: ['user_count', 'subscription_count'],
    });
    const single = accepted(checkEvent(app, { name: 'e', data: 'd', channel: 'c', socket_id: null }, 'single'));
    assert.deepEqual([single.channels, single.socketId, single.info], [['c'], undefined, []]);
  });

  it('JSON-encodes data that is not a string, and counts its bytes as encoded', () => {
    assert.equal(accepted(checkEvent(app, event({ data: { a: 1 } }), 'single')).data, '{"a":1}');
    assert.deepEqual(refusal(checkEvent(app, event({ data: { a: 123 } }), 'single')), {
      id: 'SB_API_DATA_TOO_LARGE',
      status: 413,
      detail: 'Event data is 9 bytes, over the limit of 8',
    });
  });

  it('refuses a body that is not a JSON object (SB_API_INVALID_BODY, 400)', () => {
    for (const body of [null, 'text', 1, [event({})]]) {
      assert.deepEqual(refusal(checkEvent(app, body, 'single')), { id: 'SB_API_INVALID_BODY', status: 400, detail: 'The event must be a JSON object' });
    }
  });

  it('refuses a missing, empty or overlong name (SB_API_EVENT_NAME, 400)', () => {
    for (const name of [undefined, '', 7]) {
      const body = name === undefined ? { data: 'd', channels: ['c'] } : event({ name });
      assert.deepEqual(refusal(checkEvent(app, body, 'single')), { id: 'SB_API_EVENT_NAME', status: 400, detail: 'name must be a non-empty string' });
    }
    assert.ok(checkEvent(app, event({ name: 'x'.repeat(10) }), 'single').ok, 'at the limit');
    assert.deepEqual(refusal(checkEvent(app, event({ name: 'x'.repeat(11) }), 'single')), {
      id: 'SB_API_EVENT_NAME',
      status: 400,
      detail: 'Event name is 11 characters, over the limit of 10',
    });
  });

  it('refuses missing data (SB_API_INVALID_BODY, 400)', () => {
    assert.deepEqual(refusal(checkEvent(app, { name: 'e', channels: ['c'] }, 'single')), { id: 'SB_API_INVALID_BODY', status: 400, detail: 'data is required' });
  });

  it('refuses data over the size limit in UTF-8 bytes (SB_API_DATA_TOO_LARGE, 413)', () => {
    assert.ok(checkEvent(app, event({ data: 'x'.repeat(8) }), 'single').ok, 'at the limit');
    assert.deepEqual(refusal(checkEvent(app, event({ data: 'ééééé' }), 'single')), {
      id: 'SB_API_DATA_TOO_LARGE',
      status: 413,
      detail: 'Event data is 10 bytes, over the limit of 8',
    });
  });

  it('refuses non-string data nested more than 100 levels (SB_API_DATA_TOO_DEEP, 400); a string is never parsed', () => {
    const roomy = appSchema.parse({ id: 'b', key: 'k', secret: 's', maxEventDataBytes: 10_000 });
    let deep: JsonValue = [];
    for (let level = 1; level < 100; level += 1) deep = [deep];
    assert.ok(checkEvent(roomy, event({ data: deep }), 'single').ok, '100 levels');
    const refused = refusal(checkEvent(roomy, event({ data: [deep] }), 'single'));
    assert.deepEqual([refused.id, refused.status], ['SB_API_DATA_TOO_DEEP', 400]);
    assert.ok(checkEvent(roomy, event({ data: '['.repeat(200) }), 'single').ok);
  });

  it('needs channels or channel, and a batch item needs channel (SB_API_INVALID_BODY, 400)', () => {
    assert.deepEqual(refusal(checkEvent(app, { name: 'e', data: 'd' }, 'single')), {
      id: 'SB_API_INVALID_BODY',
      status: 400,
      detail: 'channels or channel is required',
    });
    assert.deepEqual(refusal(checkEvent(app, { name: 'e', data: 'd', channels: ['c'] }, 'batch')), {
      id: 'SB_API_INVALID_BODY',
      status: 400,
      detail: 'Each batch event needs a channel',
    });
    assert.deepEqual(refusal(checkEvent(app, event({ channels: 'c' }), 'single')).detail, 'channels must be an array of channel names');
    assert.deepEqual(refusal(checkEvent(app, event({ channels: [] }), 'single')).detail, 'channels must name at least one channel');
    assert.deepEqual(accepted(checkEvent(app, { name: 'e', data: 'd', channel: 'c', channels: 'ignored in a batch' }, 'batch')).channels, ['c']);
  });

  it('refuses more channels than the app allows (SB_API_TOO_MANY_CHANNELS, 400)', () => {
    assert.ok(checkEvent(app, event({ channels: ['a', 'b', 'c'] }), 'single').ok, 'at the limit');
    assert.deepEqual(refusal(checkEvent(app, event({ channels: ['a', 'b', 'c', 'd'] }), 'single')), {
      id: 'SB_API_TOO_MANY_CHANNELS',
      status: 400,
      detail: '4 channels given; at most 3 are allowed',
    });
  });

  it('refuses an invalid or overlong channel name (SB_API_INVALID_CHANNEL, 400)', () => {
    assert.deepEqual(refusal(checkEvent(app, event({ channels: ['ok', 'bad name'] }), 'single')), {
      id: 'SB_API_INVALID_CHANNEL',
      status: 400,
      detail: 'Invalid channel name: "bad name"',
    });
    assert.equal(refusal(checkEvent(app, event({ channels: ['x'.repeat(21)] }), 'single')).id, 'SB_API_INVALID_CHANNEL');
    assert.ok(checkEvent(app, event({ channels: ['x'.repeat(20)] }), 'single').ok, 'at the length limit');
    assert.deepEqual(refusal(checkEvent(app, event({ channels: [{ deep: [] }] }), 'single')), {
      id: 'SB_API_INVALID_CHANNEL',
      status: 400,
      detail: 'Invalid channel name: not a string',
    });
  });

  it('allows an encrypted channel only alone (SB_API_ENCRYPTED_MULTI_CHANNEL, 400)', () => {
    assert.ok(checkEvent(app, event({ channels: ['private-encrypted-a'] }), 'single').ok);
    assert.ok(checkEvent(app, event({ channels: ['private-encrypted-a', 'private-encrypted-a'] }), 'single').ok, 'the same one twice is one');
    assert.deepEqual(refusal(checkEvent(app, event({ channels: ['c', 'private-encrypted-a'] }), 'single')), {
      id: 'SB_API_ENCRYPTED_MULTI_CHANNEL',
      status: 400,
      detail: 'Events to encrypted channels must name exactly one channel',
    });
  });

  it('refuses a malformed socket_id (SB_API_INVALID_SOCKET_ID, 400)', () => {
    for (const socketId of ['abc', '1.2.3', '12', 12.5, `${'1'.repeat(30)}.${'1'.repeat(10)}`]) {
      assert.deepEqual(refusal(checkEvent(app, event({ socket_id: socketId }), 'single')), {
        id: 'SB_API_INVALID_SOCKET_ID',
        status: 400,
        detail: 'socket_id must look like 1234.5678',
      });
    }
  });

  it('refuses an unknown or non-string info (SB_API_INVALID_INFO, 400)', () => {
    assert.deepEqual(refusal(checkEvent(app, event({ info: 'user_count,members' }), 'single')), {
      id: 'SB_API_INVALID_INFO',
      status: 400,
      detail: 'Unknown info attribute "members"; allowed: user_count, subscription_count',
    });
    assert.deepEqual(refusal(checkEvent(app, event({ info: ['user_count'] }), 'single')).detail, 'info must be a comma-separated string');
  });
});

describe('parseInfo', () => {
  it('reads nothing from an absent, null or empty value, and checks against the given attributes', () => {
    for (const value of [undefined, null, '', ' , ']) assert.deepEqual(accepted(parseInfo(value)), []);
    assert.deepEqual(accepted(parseInfo('user_count', ['user_count'])), ['user_count']);
    assert.equal(refusal(parseInfo('subscription_count', ['user_count'])).id, 'SB_API_INVALID_INFO');
  });
});

describe('checkBatch', () => {
  const item = (fields: Record<string, JsonValue> = {}): JsonValue => ({ name: 'e', data: 'd', channel: 'c', ...fields });

  it('accepts up to the batch limit, each item checked as a batch event', () => {
    const events = accepted(checkBatch(app, { batch: [item(), item({ name: 'f', channel: 'other' })] }));
    assert.deepEqual(
      events.map((entry) => [entry.name, entry.channels]),
      [
        ['e', ['c']],
        ['f', ['other']],
      ],
    );
  });

  it('refuses a body without a batch array, or an empty one (SB_API_INVALID_BODY, 400)', () => {
    for (const body of [null, [], {}, { batch: item() }]) {
      assert.deepEqual(refusal(checkBatch(app, body)), { id: 'SB_API_INVALID_BODY', status: 400, detail: 'batch must be an array of events' });
    }
    assert.deepEqual(refusal(checkBatch(app, { batch: [] })).detail, 'batch must hold at least one event');
  });

  it('refuses more events than the app allows (SB_API_TOO_MANY_EVENTS, 400)', () => {
    assert.deepEqual(refusal(checkBatch(app, { batch: [item(), item(), item()] })), {
      id: 'SB_API_TOO_MANY_EVENTS',
      status: 400,
      detail: '3 events given; at most 2 are allowed per batch',
    });
  });

  it('refuses the whole batch for one bad item, naming its index', () => {
    assert.deepEqual(refusal(checkBatch(app, { batch: [item(), item({ channel: 'bad name' })] })), {
      id: 'SB_API_INVALID_CHANNEL',
      status: 400,
      detail: 'batch[1]: Invalid channel name: "bad name"',
    });
  });
});
