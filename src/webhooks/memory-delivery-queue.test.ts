import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../shared/logger.js';
import { DeliveryOutcomes } from './delivery-outcomes.js';
import { deliveryQueueContract, ObservedCounters, ScriptedSend, testBatch } from './delivery-queue.contract.js';
import { MemoryDeliveryQueue } from './memory-delivery-queue.js';
import { WebhookCounterSet } from './metrics.js';

deliveryQueueContract('memory', (options) => Promise.resolve({ queue: new MemoryDeliveryQueue(options), cleanup: () => Promise.resolve() }));

describe('MemoryDeliveryQueue drain', () => {
  it('attempts a batch waiting for its retry at once on close, and delivers it', async () => {
    const scripted = new ScriptedSend((_batch, attempt) => (attempt === 1 ? { ok: false, retry: true, reason: 'HTTP 500' } : { ok: true }));
    const counters = new ObservedCounters(scripted);
    const outcomes = new DeliveryOutcomes(counters, silentLogger, { initialDelayMs: 60_000, maxDelayMs: 60_000, periodMs: 600_000 }, Date.now);
    const queue = new MemoryDeliveryQueue({ send: scripted.send, outcomes, concurrency: 2, maxInFlightPerEndpoint: 2, maxQueuedBatches: 10 });
    queue.enqueue(testBatch('later'));
    await scripted.until(() => counters.snapshot().retried === 1);
    assert.equal(queue.size, 1, 'waiting for a retry a minute away');
    await queue.close(new AbortController().signal);
    assert.equal(scripted.of('later').length, 2);
    assert.equal(counters.snapshot().sent, 1);
    assert.equal(queue.size, 0);
  });

  it('drops what is left at the deadline, and refuses batches after it', async () => {
    const counters = new WebhookCounterSet();
    const outcomes = new DeliveryOutcomes(counters, silentLogger, { initialDelayMs: 10, maxDelayMs: 10, periodMs: 600_000 }, Date.now);
    const scripted = new ScriptedSend(() => ({ ok: false, retry: true, reason: 'HTTP 503' }));
    const queue = new MemoryDeliveryQueue({ send: scripted.send, outcomes, concurrency: 1, maxInFlightPerEndpoint: 1, maxQueuedBatches: 10 });
    queue.enqueue(testBatch('x'));
    queue.enqueue(testBatch('y'));
    const deadline = new AbortController();
    const closed = queue.close(deadline.signal);
    await scripted.until(() => scripted.of('x').length >= 2 && scripted.of('y').length >= 2);
    deadline.abort();
    await closed;
    assert.equal(counters.snapshot().dropped, 2);
    assert.equal(queue.size, 0);
    queue.enqueue(testBatch('z'));
    assert.equal(counters.snapshot().dropped, 3);
    assert.deepEqual(scripted.of('z'), []);
  });
});
