import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { encodeTextFrame } from './websocket-frame.js';

// ws's frame parser is exported at run time but not in its typings.
const { Receiver } = createRequire(import.meta.url)('ws') as {
  Receiver: new (options: { isServer: boolean }) => Writable;
};

/** Decodes with ws's own receiver, as a client would. */
function decode(frame: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false });
    receiver.on('message', (data: Buffer, isBinary: boolean) => {
      assert.equal(isBinary, false);
      resolve(data.toString('utf8'));
    });
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

describe('websocket text frames', () => {
  for (const length of [0, 1, 125, 126, 127, 65_535, 65_536, 200_000]) {
    it(`round-trips a ${length}-byte payload`, async () => {
      const text = 'x'.repeat(length);
      const frame = encodeTextFrame(text);
      const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
      assert.equal(frame.length, headerLength + length);
      assert.equal(frame[0], 0x81);
      assert.equal(await decode(frame), text);
    });
  }

  it('counts UTF-8 bytes, not characters', async () => {
    const text = 'héllo ✓ 🚀'.repeat(20);
    const frame = encodeTextFrame(text);
    assert.equal(frame.length, Buffer.byteLength(text) + (Buffer.byteLength(text) < 126 ? 2 : 4));
    assert.equal(await decode(frame), text);
  });
});
