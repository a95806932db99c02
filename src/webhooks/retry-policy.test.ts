import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextRetryDelay, type RetryPolicy } from './retry-policy.js';

const policy: RetryPolicy = { initialDelayMs: 1_000, maxDelayMs: 60_000, periodMs: 300_000 };

describe('nextRetryDelay', () => {
  it('doubles from the initial delay up to the maximum', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempts) => nextRetryDelay(policy, attempts, 0, 0));
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('retries for the whole period: the last attempt lands exactly at its end', () => {
    let now = 0;
    let attempts = 1;
    const times: number[] = [];
    for (;;) {
      const delay = nextRetryDelay(policy, attempts, 0, now);
      if (delay === undefined) break;
      now += delay;
      attempts += 1;
      times.push(now);
    }
    assert.equal(times.at(-1), 300_000);
    assert.deepEqual(times.slice(0, 4), [1_000, 3_000, 7_000, 15_000]);
    assert.ok(times.every((time, index) => index === 0 || time > (times[index - 1] ?? 0)));
  });

  it('gives up at the end of the period, and at once with a period of 0', () => {
    assert.equal(nextRetryDelay(policy, 3, 0, 299_999), 1);
    assert.equal(nextRetryDelay(policy, 3, 0, 300_000), undefined);
    assert.equal(nextRetryDelay({ ...policy, periodMs: 0 }, 1, 0, 0), undefined);
  });

  it('stays finite after very many attempts', () => {
    assert.equal(nextRetryDelay(policy, 10_000, 0, 0), 60_000);
  });
});
