import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseReasons } from '../protocol/errors.js';
import { AddressLimits } from './address-limits.js';

describe('AddressLimits', () => {
  it('admits everything and remembers nothing without limits', () => {
    const limits = new AddressLimits({ maxTrackedAddresses: 10 });
    for (let index = 0; index < 100; index += 1) assert.equal(limits.admit('10.0.0.1').admitted, true);
    assert.equal(limits.trackedAddresses, 0);
  });

  it('stays within maxTrackedAddresses under a flood of distinct addresses, keeping those with open connections', () => {
    let clock = 0;
    const limits = new AddressLimits({ maxConnections: 1, connectionsPerSecond: 1, maxTrackedAddresses: 100 }, () => clock);
    const held = limits.admit('192.0.2.1');
    assert.equal(held.admitted, true);
    for (let index = 0; index < 10_000; index += 1) {
      const admission = limits.admit(`10.${index >> 16}.${(index >> 8) & 255}.${index & 255}`);
      assert.ok(admission.admitted);
      admission.release();
      clock += 1;
    }
    assert.equal(limits.trackedAddresses, 101, 'the idle ones are capped; the open one is kept');
    const again = limits.admit('192.0.2.1');
    assert.ok(!again.admitted);
    assert.equal(again.reason, CloseReasons.addressConnectionLimit);
  });

  it('forgets an address whose connections closed when only open connections are limited', () => {
    const limits = new AddressLimits({ maxConnections: 2, maxTrackedAddresses: 10 });
    const admission = limits.admit('10.0.0.1');
    assert.equal(limits.trackedAddresses, 1);
    assert.ok(admission.admitted);
    admission.release();
    admission.release();
    assert.equal(limits.trackedAddresses, 0);
  });
});
