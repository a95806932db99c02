import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SLOW_CONSUMER_CEILING, SLOW_CONSUMER_GRACE_MS, SlowConsumerRule } from './slow-consumer.js';

describe('slow-consumer rule', () => {
  const CAP = 1_000;

  it('lets pending bytes stay above the cap for the grace period, not longer', () => {
    let clock = 0;
    const rule = new SlowConsumerRule(CAP, () => clock);
    assert.equal(rule.tooSlow(CAP), false, 'at the cap');
    assert.equal(rule.tooSlow(CAP + 1), false, 'a burst above it starts the grace period');
    clock += SLOW_CONSUMER_GRACE_MS - 1;
    assert.equal(rule.tooSlow(2 * CAP), false, 'still within the grace period');
    clock += 1;
    assert.equal(rule.tooSlow(CAP + 1), true, 'above the cap for the whole grace period');
  });

  it('starts the grace period over once the reader has drained to the cap', () => {
    let clock = 0;
    const rule = new SlowConsumerRule(CAP, () => clock);
    rule.tooSlow(CAP + 1);
    clock += SLOW_CONSUMER_GRACE_MS - 1;
    assert.equal(rule.tooSlow(CAP), false, 'drained');
    clock += 1;
    assert.equal(rule.tooSlow(CAP + 1), false, 'a new burst gets a new grace period');
    clock += SLOW_CONSUMER_GRACE_MS;
    assert.equal(rule.tooSlow(CAP + 1), true);
  });

  it('refuses at once past the ceiling, whatever the clock says', () => {
    const rule = new SlowConsumerRule(CAP, () => 0);
    assert.equal(rule.ceiling, CAP * SLOW_CONSUMER_CEILING);
    assert.equal(rule.tooSlow(rule.ceiling), false);
    assert.equal(rule.tooSlow(rule.ceiling + 1), true);
  });
});
