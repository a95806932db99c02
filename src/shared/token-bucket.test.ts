import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from './token-bucket.js';

describe('token bucket', () => {
  it('lets exactly capacity through at once, then refills over the period', () => {
    let now = 1_000;
    const bucket = new TokenBucket(10, 1000, () => now);
    for (let i = 0; i < 10; i += 1) assert.equal(bucket.take(), true, `event ${i + 1}`);
    assert.equal(bucket.take(), false, 'the 11th is refused');
    assert.equal(bucket.waitMs(), 100);
    now += 99;
    assert.equal(bucket.take(), false);
    now += 1;
    assert.equal(bucket.take(), true);
    now += 10_000;
    for (let i = 0; i < 10; i += 1) assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), false, 'never more than capacity after a long idle time');
  });

  it('takes several tokens at once or none', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 1000, () => now);
    assert.equal(bucket.take(7), true);
    assert.equal(bucket.take(4), false, 'all or nothing');
    assert.equal(bucket.take(3), true);
    assert.equal(bucket.waitMs(5), 500);
    assert.equal(bucket.waitMs(11), Number.POSITIVE_INFINITY);
    now += 500;
    assert.equal(bucket.take(5), true);
  });
});
