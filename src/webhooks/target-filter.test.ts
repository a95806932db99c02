import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { targetAccepts } from './target-filter.js';

const url = 'http://127.0.0.1:1/hook';

describe('targetAccepts', () => {
  it('accepts every event without filters', () => {
    assert.equal(targetAccepts({ url }, { name: 'cache_miss', channel: 'cache-a' }), true);
    assert.equal(targetAccepts({ url }, { name: 'subscription_count', channel: 'a', subscription_count: 2 }), true);
  });

  it('filters by event type', () => {
    const target = { url, events: ['channel_occupied' as const, 'subscription_count' as const] };
    assert.equal(targetAccepts(target, { name: 'channel_occupied', channel: 'a' }), true);
    assert.equal(targetAccepts(target, { name: 'subscription_count', channel: 'a', subscription_count: 1 }), true);
    assert.equal(targetAccepts(target, { name: 'channel_vacated', channel: 'a' }), false);
  });

  it('filters by channel-name prefix, combined with the type filter', () => {
    const target = { url, events: ['member_added' as const], channelPrefixes: ['presence-room-', 'presence-lobby'] };
    assert.equal(targetAccepts(target, { name: 'member_added', channel: 'presence-room-1', user_id: 'u' }), true);
    assert.equal(targetAccepts(target, { name: 'member_added', channel: 'presence-lobby', user_id: 'u' }), true);
    assert.equal(targetAccepts(target, { name: 'member_added', channel: 'presence-other', user_id: 'u' }), false);
    assert.equal(targetAccepts(target, { name: 'member_removed', channel: 'presence-room-1', user_id: 'u' }), false);
  });
});
