import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonValue } from './json.js';
import { encodePresenceSucceeded, type SnapshotMember } from './presence-snapshot.js';

interface Decoded {
  readonly event: string;
  readonly channel: string;
  readonly presence: { readonly ids: readonly (string | number)[]; readonly hash: Record<string, JsonValue>; readonly count: number };
}

/** The frame as a client reads it: the frame, then its data string. */
function decode(text: string): Decoded {
  const frame = JSON.parse(text) as { event: string; channel: string; data: string };
  assert.equal(typeof frame.data, 'string', 'the data is a JSON string inside the frame');
  const data = JSON.parse(frame.data) as { presence: Decoded['presence'] };
  return { event: frame.event, channel: frame.channel, presence: data.presence };
}

/** What the frame's data must say, built the plain way: one object, stringified. */
function expected(members: readonly SnapshotMember[]): Decoded['presence'] {
  const hash: Record<string, JsonValue> = {};
  for (const member of members) Object.defineProperty(hash, String(member.userId), { value: member.userInfo ?? null, enumerable: true });
  return JSON.parse(JSON.stringify({ ids: members.map((member) => member.userId), hash, count: members.length })) as Decoded['presence'];
}

describe('presence subscription_succeeded', () => {
  it('names every member with ids in their JSON type, the hash and the count', () => {
    const members = [
      { userId: '1', userInfo: { n: 1 } },
      { userId: 2, userInfo: undefined },
      { userId: 'alice', userInfo: 'plain text' },
    ];
    const decoded = decode(encodePresenceSucceeded('presence-a', members));
    assert.equal(decoded.event, 'pusher_internal:subscription_succeeded');
    assert.equal(decoded.channel, 'presence-a');
    assert.deepEqual(decoded.presence, { ids: ['1', 2, 'alice'], hash: { '1': { n: 1 }, '2': null, alice: 'plain text' }, count: 3 });
  });

  it('encodes no members as an empty snapshot', () => {
    assert.deepEqual(decode(encodePresenceSucceeded('presence-empty', [])).presence, { ids: [], hash: {}, count: 0 });
  });

  it('escapes what needs escaping in ids, user info and the channel name', () => {
    const members = [
      { userId: 'quote"back\\slash', userInfo: { text: 'line\nbreak\t"quoted"', nested: ['\\', '\u0001'] } },
      { userId: 'ünïcødé 🎉', userInfo: { emoji: '🎉', lone: '\ud800' } },
      { userId: '</script>', userInfo: null },
    ];
    const decoded = decode(encodePresenceSucceeded('presence-"odd"', members));
    assert.equal(decoded.channel, 'presence-"odd"');
    assert.deepEqual(decoded.presence, expected(members));
  });

  it('keeps an id like __proto__ as a key like any other', () => {
    const members = [
      { userId: '__proto__', userInfo: { name: 'P' } },
      { userId: 'constructor', userInfo: { name: 'C' } },
    ];
    const frame = JSON.parse(encodePresenceSucceeded('presence-proto', members)) as { data: string };
    assert.match(frame.data, /"hash":\{"__proto__":\{"name":"P"\},"constructor":\{"name":"C"\}\}/);
    const hash = decode(encodePresenceSucceeded('presence-proto', members)).presence.hash;
    assert.deepEqual(Object.keys(hash), ['__proto__', 'constructor']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(hash, '__proto__')?.value, { name: 'P' });
  });

  it('gives the same frame for the same members, remembered or new objects alike', () => {
    const members = Array.from({ length: 60 }, (_, index) => ({ userId: index % 3 === 0 ? index : `user-${String(index)}`, userInfo: { name: `Name ${String(index)}`, index } }));
    const first = encodePresenceSucceeded('presence-room', members);
    assert.equal(encodePresenceSucceeded('presence-room', members), first, 'the second encoding reuses each member fragment');
    assert.equal(encodePresenceSucceeded('presence-room', members.map((member) => ({ ...member }))), first);
    assert.deepEqual(decode(first).presence, expected(members));
  });

  it('follows the members as they change between joins', () => {
    const alice = { userId: 'alice', userInfo: { name: 'Alice' } };
    const bob = { userId: 'bob', userInfo: { name: 'Bob' } };
    const carol = { userId: 7, userInfo: undefined };
    assert.deepEqual(decode(encodePresenceSucceeded('presence-r', [alice, bob])).presence, expected([alice, bob]));
    assert.deepEqual(decode(encodePresenceSucceeded('presence-r', [bob, carol])).presence, expected([bob, carol]));
    assert.deepEqual(decode(encodePresenceSucceeded('presence-r', [carol, alice])).presence, expected([carol, alice]));
  });
});
