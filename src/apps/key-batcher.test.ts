import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyBatcher } from './key-batcher.js';

describe('KeyBatcher', () => {
  it('shares one load per key and batches the keys asked for while a batch is in flight', async () => {
    const batches: string[][] = [];
    let release: (() => void) | undefined;
    const batcher = new KeyBatcher<string>(async (keys) => {
      batches.push([...keys]);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return new Map(keys.filter((key) => key.startsWith('known')).map((key) => [key, `value of ${key}`]));
    }, 3);
    const first = [batcher.load('known-1'), batcher.load('known-1'), batcher.load('unknown-1')];
    await new Promise((resolve) => setImmediate(resolve));
    // The first batch is in flight: these wait for the next ones.
    const later = ['known-2', 'unknown-2', 'unknown-3', 'unknown-4', 'known-1'].map((key) => batcher.load(key));
    release?.();
    assert.deepEqual(await Promise.all(first), ['value of known-1', 'value of known-1', undefined]);
    assert.deepEqual(await Promise.all(later), ['value of known-2', undefined, undefined, undefined, 'value of known-1']);
    assert.deepEqual(batches, [['known-1', 'unknown-1'], ['known-2', 'unknown-2', 'unknown-3'], ['unknown-4']]);
  });

  it('rejects every request of a failed batch, and loads again afterwards', async () => {
    let fail = true;
    const batcher = new KeyBatcher<number>((keys) => (fail ? Promise.reject(new Error('down')) : Promise.resolve(new Map(keys.map((key) => [key, 1])))), 10);
    await assert.rejects(Promise.all([batcher.load('a'), batcher.load('b')]), /down/);
    fail = false;
    assert.equal(await batcher.load('a'), 1);
  });
});
