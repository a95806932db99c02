import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegistrationRate } from './registration-rate.js';

describe('RegistrationRate', () => {
  it("lets each address register a minute's worth at once, then one more per refill, with the wait in seconds", () => {
    let now = 0;
    const rate = new RegistrationRate(3, 10, () => now);
    assert.deepEqual([rate.take('a'), rate.take('a'), rate.take('a')], [undefined, undefined, undefined]);
    assert.equal(rate.take('a'), 20, 'one registration comes back every 20 s at 3 per minute');
    assert.equal(rate.take('b'), undefined, 'another address has its own bucket');
    now = 19_999;
    assert.equal(rate.take('a'), 1);
    now = 20_000;
    assert.equal(rate.take('a'), undefined);
    assert.equal(rate.take('a'), 20);
  });

  it('lets every registration through, tracking nothing, when no rate is set', () => {
    const rate = new RegistrationRate(undefined, 10, () => 0);
    for (let index = 0; index < 1_000; index += 1) assert.equal(rate.take('a'), undefined);
    assert.equal(rate.trackedAddresses, 0);
  });

  it('keeps at most maxTrackedAddresses buckets, forgetting the least recently used', () => {
    const rate = new RegistrationRate(1, 2, () => 0);
    assert.equal(rate.take('a'), undefined);
    assert.equal(rate.take('b'), undefined);
    assert.equal(rate.take('c'), undefined);
    assert.equal(rate.trackedAddresses, 2);
    assert.equal(rate.take('c'), 60, 'c is remembered');
    assert.equal(rate.take('a'), undefined, 'a was forgotten: its bucket starts full again');
  });
});
