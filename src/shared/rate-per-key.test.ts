import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RatePerKey } from './rate-per-key.js';

describe('RatePerKey', () => {
  it("lets each key have a period's worth at once, then one more per refill, with the wait in whole seconds", () => {
    let now = 0;
    const rate = new RatePerKey(3, 60_000, 10, () => now);
    assert.deepEqual([rate.take('a'), rate.take('a'), rate.take('a')], [undefined, undefined, undefined]);
    assert.equal(rate.take('a'), 20, 'one comes back every 20 s at 3 per minute');
    assert.equal(rate.take('b'), undefined, 'another key has its own bucket');
    now = 19_999;
    assert.equal(rate.take('a'), 1, 'a wait under a second is said as 1');
    now = 20_000;
    assert.equal(rate.take('a'), undefined);
    assert.equal(rate.take('a'), 20);
  });

  it('keeps at most maxKeys buckets, forgetting the least recently used', () => {
    const rate = new RatePerKey(1, 1_000, 2, () => 0);
    assert.equal(rate.take('a'), undefined);
    assert.equal(rate.take('b'), undefined);
    assert.equal(rate.take('c'), undefined);
    assert.equal(rate.trackedKeys, 2);
    assert.equal(rate.take('c'), 1, 'c is remembered');
    assert.equal(rate.take('a'), undefined, 'a was forgotten: its bucket starts full again');
  });
});
