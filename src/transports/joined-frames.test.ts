import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Frame } from '../protocol/frame.js';
import { JOIN_AT_MOST_BYTES, JoinedFrames } from './joined-frames.js';

describe('joined frames', () => {
  it('joins the frames’ WebSocket bytes in order', () => {
    const frames = [new Frame('first'), new Frame('€ second'), new Frame('third')];
    const joined = new JoinedFrames().bytesOf(frames);
    assert.deepEqual(joined, Buffer.concat(frames.map((frame) => frame.websocketBytes())));
  });

  it('hands the same buffer to every socket given the same frames, and a new one for others', () => {
    const [a, b, c] = [new Frame('a'), new Frame('b'), new Frame('c')];
    const joined = new JoinedFrames();
    const first = joined.bytesOf([a, b]);
    assert.equal(joined.bytesOf([a, b]), first, 'another array of the same frames');
    const other = joined.bytesOf([a, c]);
    assert.notEqual(other, first);
    assert.deepEqual(other, Buffer.concat([a.websocketBytes(), c.websocketBytes()]));
    assert.deepEqual(joined.bytesOf([a]), a.websocketBytes(), 'a prefix is not the same batch');
    assert.deepEqual(joined.bytesOf([new Frame('a'), new Frame('b')]), first, 'equal text in other frames: equal bytes');
  });

  it('leaves batches over the limit unjoined', () => {
    const half = new Frame('x'.repeat(JOIN_AT_MOST_BYTES / 2));
    const joined = new JoinedFrames();
    assert.equal(joined.bytesOf([half, half]), undefined, 'two headers over the limit');
    const small = new Frame('y'.repeat(JOIN_AT_MOST_BYTES / 2 - 100));
    assert.equal(joined.bytesOf([small, small])?.length, 2 * small.websocketBytes().length);
  });
});
