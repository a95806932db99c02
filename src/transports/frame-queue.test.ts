import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Frame } from '../protocol/frame.js';
import { FlushScheduler } from './flush-scheduler.js';
import { FrameQueue } from './frame-queue.js';

describe('frame queue', () => {
  it('flushes once per event-loop turn, however many frames were queued', async () => {
    let flushes = 0;
    const taken: string[][] = [];
    const queue: FrameQueue = new FrameQueue(new FlushScheduler(), 1_000, () => {
      flushes += 1;
      taken.push(queue.take().map((frame) => frame.text));
    });
    assert.equal(queue.push(new Frame('a'), 0), true);
    assert.equal(queue.push(new Frame('b'), 0), true);
    await nextTurn();
    assert.equal(flushes, 1);
    queue.push(new Frame('c'), 0);
    await nextTurn();
    assert.deepEqual(taken, [['a', 'b'], ['c']]);
    assert.equal(queue.length, 0);
  });

  it('holds exactly its cap, counting bytes already buffered, and refuses a byte more', () => {
    const queue = new FrameQueue(new FlushScheduler(), 10, () => undefined);
    assert.equal(queue.push(new Frame('12345'), 3), true);
    assert.equal(queue.push(new Frame('12'), 3), true, '5 + 2 + 3 buffered = 10: at the cap');
    assert.equal(queue.push(new Frame('1'), 3), false, 'one more is over it');
    assert.equal(queue.length, 2, 'a refused frame is not queued');
    queue.clear();
    assert.equal(queue.push(new Frame('1234567890'), 0), true, 'clear releases the budget');
  });

  it('counts the bytes a non-ASCII frame takes on the wire, not its UTF-16 length', () => {
    const queue = new FrameQueue(new FlushScheduler(), 10, () => undefined);
    const euros = new Frame('€€€');
    assert.equal(euros.size, 9, '3 bytes each in UTF-8');
    assert.equal(euros.size, euros.websocketBytes().length - 2, 'the payload of its WebSocket frame');
    assert.equal(new Frame('😀').size, 4, 'one code point, two UTF-16 units, four bytes');
    assert.equal(queue.push(euros, 1), true, '9 + 1 buffered = 10: at the cap');
    assert.equal(queue.push(new Frame('é'), 0), false, 'two more bytes are over it (its length, 1, would have fitted)');
    assert.equal(queue.bytes, 9);
  });

  it('takes frames in order until their bytes reach the limit: at least one, all when they fit', () => {
    const queue = new FrameQueue(new FlushScheduler(), 100, () => undefined);
    assert.deepEqual(queue.takeUpTo(10), [], 'nothing from an empty queue');
    for (const text of ['a', 'bb', 'ccc', 'dddd']) queue.push(new Frame(text), 0);
    assert.deepEqual(queue.takeUpTo(0).map((frame) => frame.text), ['a'], 'one frame even with no room');
    assert.deepEqual(queue.takeUpTo(3).map((frame) => frame.text), ['bb', 'ccc'], 'the frame that reaches the limit is taken');
    assert.equal(queue.length, 1);
    assert.equal(queue.bytes, 4);
    assert.deepEqual(queue.takeUpTo(1_000).map((frame) => frame.text), ['dddd']);
    assert.equal(queue.length, 0);
    assert.equal(queue.bytes, 0);
  });
});
