import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowsClientEvents, channelType, checkChannelName, isValidUserId, requiresAuth } from './channels.js';

describe('channel names and types', () => {
  it('types channels by prefix, most specific first', () => {
    const cases: [string, string, boolean][] = [
      ['my-channel', 'public', false],
      ['cache-news', 'public', true],
      ['private-chat', 'private', false],
      ['private-cache-chat', 'private', true],
      ['private-encrypted-chat', 'encrypted', false],
      ['private-encrypted-cache-chat', 'encrypted', true],
      ['presence-room', 'presence', false],
      ['presence-cache-room', 'presence', true],
      ['#server-to-user-42', 'user', false],
      ['privatechat', 'public', false],
    ];
    for (const [name, kind, cache] of cases) assert.deepEqual(channelType(name), { kind, cache }, name);
  });

  it('accepts the documented character set and rejects the rest', () => {
    assert.equal(checkChannelName('foo-bar_1234@=,.;', 200), undefined);
    assert.equal(checkChannelName('#server-to-user-abc', 200), undefined);
    for (const bad of ['', 'has space', 'slash/', 'star*', 'hash#inside', '#server-to-user-', 'ünïcode', 'a:b']) {
      assert.equal(checkChannelName(bad, 200), 'invalid', bad);
    }
  });

  it('enforces the length limit at its edge', () => {
    assert.equal(checkChannelName('a'.repeat(200), 200), undefined);
    assert.equal(checkChannelName('a'.repeat(201), 200), 'too-long');
    assert.equal(checkChannelName('a'.repeat(164), 164), undefined);
    assert.equal(checkChannelName('a'.repeat(165), 164), 'too-long');
  });

  it('knows which types need auth and which allow client events', () => {
    assert.equal(requiresAuth(channelType('public')), false);
    assert.equal(requiresAuth(channelType('private-x')), true);
    assert.equal(requiresAuth(channelType('private-encrypted-x')), true);
    assert.equal(requiresAuth(channelType('presence-x')), true);
    assert.equal(allowsClientEvents(channelType('private-x')), true);
    assert.equal(allowsClientEvents(channelType('presence-cache-x')), true);
    assert.equal(allowsClientEvents(channelType('private-encrypted-x')), false);
    assert.equal(allowsClientEvents(channelType('cache-x')), false);
    assert.equal(allowsClientEvents(channelType('public')), false);
  });

  it('validates user ids', () => {
    assert.equal(isValidUserId('user-1@example.com', 128), true);
    assert.equal(isValidUserId('', 128), false);
    assert.equal(isValidUserId('a'.repeat(129), 128), false);
    assert.equal(isValidUserId('a b', 128), false);
  });
});
