import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebhookBatch } from './batch.js';
import { Batcher } from './batcher.js';

function collect(windowMs: number, size: number) {
  const batches: WebhookBatch[] = [];
  let resolveNext: (() => void) | undefined;
  const batcher = new Batcher({ windowMs, size }, () => 1_700_000_000_000, (batch) => {
    batches.push(batch);
    resolveNext?.();
  });
  const next = () => new Promise<void>((resolve) => (resolveNext = resolve));
  return { batcher, batches, next };
}

const occupied = (channel: string) => ({ name: 'channel_occupied' as const, channel });

describe('Batcher', () => {
  it('closes a batch at exactly `size` events, and the next event opens a new one', () => {
    const { batcher, batches } = collect(60_000, 3);
    batcher.add('a', 0, 'http://h/1', occupied('c1'));
    batcher.add('a', 0, 'http://h/1', occupied('c2'));
    assert.equal(batches.length, 0);
    batcher.add('a', 0, 'http://h/1', occupied('c3'));
    assert.equal(batches.length, 1);
    assert.deepEqual(JSON.parse(batches[0]?.body ?? ''), {
      time_ms: 1_700_000_000_000,
      events: [occupied('c1'), occupied('c2'), occupied('c3')],
    });
    assert.equal(batches[0]?.eventCount, 3);
    batcher.add('a', 0, 'http://h/1', occupied('c4'));
    assert.equal(batches.length, 1);
    batcher.flush();
    assert.equal(batches.length, 2);
    assert.equal(batches[1]?.eventCount, 1);
  });

  it('closes a batch after the window', async () => {
    const { batcher, batches, next } = collect(20, 100);
    const done = next();
    batcher.add('a', 0, 'http://h/1', occupied('c1'));
    batcher.add('a', 0, 'http://h/1', occupied('c2'));
    await done;
    assert.equal(batches.length, 1);
    assert.equal(batches[0]?.eventCount, 2);
  });

  it('never mixes apps or endpoints, even two endpoints with the same URL', () => {
    const { batcher, batches } = collect(60_000, 100);
    batcher.add('a', 0, 'http://h/1', occupied('x'));
    batcher.add('b', 0, 'http://h/1', occupied('y'));
    batcher.add('a', 1, 'http://h/1', occupied('z'));
    batcher.flush();
    assert.deepEqual(
      batches.map((batch) => [batch.appId, batch.url, batch.eventCount]),
      [
        ['a', 'http://h/1', 1],
        ['b', 'http://h/1', 1],
        ['a', 'http://h/1', 1],
      ],
    );
    batcher.flush();
    assert.equal(batches.length, 3, 'nothing left after a flush');
  });
});
