import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SendOrder } from './send-order.js';

function order(windowMs = 100, maxHeld = 10): { order: SendOrder<string>; released: string[] } {
  const released: string[] = [];
  return { order: new SendOrder<string>(windowMs, maxHeld, (item) => released.push(item)), released };
}

describe('xhr_send ordering', () => {
  it('releases sends that arrive in order at once', () => {
    const { order: o, released } = order();
    o.see(1);
    o.push(2, 'a');
    o.push(3, 'b');
    o.see(4);
    o.push(5, 'c');
    assert.deepEqual(released, ['a', 'b', 'c']);
    assert.equal(o.held, 0);
  });

  it('puts sends that overtook each other back in n order', () => {
    const { order: o, released } = order();
    o.see(1);
    o.push(4, 'c');
    o.push(3, 'b');
    assert.deepEqual(released, [], 'both wait for 2');
    o.push(2, 'a');
    assert.deepEqual(released, ['a', 'b', 'c']);
    assert.equal(o.held, 0);
  });

  it('counts receive requests as filling the gaps', () => {
    const { order: o, released } = order();
    o.see(1);
    o.push(3, 'b');
    assert.deepEqual(released, []);
    o.see(2);
    assert.deepEqual(released, ['b']);
  });

  it('gives up on a gap after the window and releases in n order', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { order: o, released } = order(100);
    o.see(1);
    o.push(5, 'c');
    o.push(3, 'a');
    o.push(4, 'b');
    t.mock.timers.tick(99);
    assert.deepEqual(released, []);
    t.mock.timers.tick(1);
    assert.deepEqual(released, ['a', 'b', 'c']);
    o.push(2, 'late');
    assert.deepEqual(released, ['a', 'b', 'c', 'late'], 'a send for a slot given up on is applied as it arrives');
    o.push(6, 'd');
    assert.deepEqual(released, ['a', 'b', 'c', 'late', 'd']);
  });

  it('applies sends without n, and every send with a zero window, in arrival order', () => {
    const { order: o, released } = order(0);
    o.see(1);
    o.push(5, 'b');
    o.push(undefined, 'c');
    o.push(3, 'a');
    assert.deepEqual(released, ['b', 'c', 'a']);
    const other = order(100);
    other.order.push(undefined, 'x');
    assert.deepEqual(other.released, ['x']);
  });

  it('releases everything held, in order, rather than hold more than its bound', () => {
    const { order: o, released } = order(100, 2);
    o.see(1);
    o.push(4, 'b');
    o.push(3, 'a');
    assert.deepEqual(released, []);
    o.push(6, 'c');
    assert.deepEqual(released, ['a', 'b', 'c']);
    assert.equal(o.held, 0);
  });

  it('drops what it holds on clear and releases no timer callback afterwards', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { order: o, released } = order(100);
    o.see(1);
    o.push(3, 'a');
    o.clear();
    t.mock.timers.tick(1_000);
    assert.deepEqual(released, []);
    assert.equal(o.held, 0);
  });

  it('starts counting at the first send when no receive request was numbered', () => {
    const { order: o, released } = order();
    o.push(7, 'a');
    o.push(9, 'c');
    o.push(8, 'b');
    assert.deepEqual(released, ['a', 'b', 'c']);
  });
});
