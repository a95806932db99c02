/**
 * The DeliveryQueue contract, run against every implementation (memory, Redis). Each
 * implementation's test file calls `deliveryQueueContract` with a factory for a fresh, empty queue.
 * The queue is driven through its seam: `send` is scripted per batch (the HTTP side is covered
 * by the black-box tests with a real receiver), time is real and short.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { silentLogger } from '../shared/logger.js';
import { createBatch, type WebhookBatch } from './batch.js';
import { DeliveryOutcomes } from './delivery-outcomes.js';
import type { DeliveryQueue } from './delivery-queue.js';
import { WebhookCounterSet } from './metrics.js';
import type { RetryPolicy } from './retry-policy.js';
import type { SendBatch, SendOutcome } from './webhook-sender.js';

/** Conditions re-checked whenever their owner reports a change (no polling; unit tests keep to src/). */
class Waiters {
  readonly #listeners = new Set<() => void>();

  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = (): void => {
        if (!condition()) return;
        this.#listeners.delete(listener);
        resolve();
      };
      this.#listeners.add(listener);
    });
  }

  notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

export interface QueueOptions {
  readonly send: SendBatch;
  readonly outcomes: DeliveryOutcomes;
  readonly concurrency: number;
  readonly maxInFlightPerEndpoint: number;
  readonly maxQueuedBatches: number;
}

export interface QueueFixture {
  readonly queue: DeliveryQueue;
  /** Releases what the fixture made (Redis keys); the test closes the queue itself. */
  cleanup(): Promise<void>;
}

type Script = (batch: WebhookBatch, attempt: number) => SendOutcome | 'hang';

/** A scripted `send`: records every attempt and answers as the script says. */
export class ScriptedSend {
  readonly attempts: { readonly channel: string; readonly at: number; readonly batch: WebhookBatch }[] = [];
  readonly #script: Script;
  readonly #waiters = new Waiters();
  #inFlight = 0;
  maxInFlight = 0;
  readonly #hanging: (() => void)[] = [];

  constructor(script: Script) {
    this.#script = script;
  }

  readonly send: SendBatch = (batch, signal) => {
    const channel = channelOf(batch);
    const attempt = this.attempts.filter((entry) => entry.channel === channel).length + 1;
    this.attempts.push({ channel, at: Date.now(), batch });
    this.#inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    this.notify();
    const answer = this.#script(batch, attempt);
    const result =
      answer === 'hang'
        ? new Promise<SendOutcome>((resolve) => {
            const cut = (): void => resolve({ ok: false, retry: true, reason: 'cut off' });
            this.#hanging.push(() => resolve({ ok: true }));
            signal.addEventListener('abort', cut, { once: true });
          })
        : Promise.resolve(answer);
    return result.then((outcome) => {
      this.#inFlight -= 1;
      this.notify();
      return outcome;
    });
  };

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Lets the oldest hanging request answer 2xx. */
  releaseOne(): void {
    this.#hanging.shift()?.();
  }

  of(channel: string): number[] {
    return this.attempts.filter((entry) => entry.channel === channel).map((entry) => entry.at);
  }

  /** Resolves when the condition holds, re-checked after every attempt starts or ends and every count. */
  until(condition: () => boolean): Promise<void> {
    return this.#waiters.until(condition);
  }

  notify(): void {
    this.#waiters.notify();
  }
}

/** Counters that wake the scripted send's waiters whenever they change. */
export class ObservedCounters extends WebhookCounterSet {
  constructor(readonly observer: { notify(): void }) {
    super();
  }
  override sent(events: number): void {
    super.sent(events);
    this.observer.notify();
  }
  override failedAttempt(): void {
    super.failedAttempt();
    this.observer.notify();
  }
  override retried(): void {
    super.retried();
    this.observer.notify();
  }
  override dropped(events: number): void {
    super.dropped(events);
    this.observer.notify();
  }
}

/** Test batches carry one channel_occupied event whose channel names the batch. */
export function testBatch(channel: string, createdAt = Date.now(), url = 'http://127.0.0.1:9/hook'): WebhookBatch {
  return createBatch('contract-app', url, [{ name: 'channel_occupied', channel }], createdAt);
}

function channelOf(batch: WebhookBatch): string {
  return (JSON.parse(batch.body) as { events: { channel: string }[] }).events[0]?.channel ?? '';
}

const OK: SendOutcome = { ok: true };
const FAIL: SendOutcome = { ok: false, retry: true, reason: 'HTTP 503' };

export function deliveryQueueContract(name: string, create: (options: QueueOptions) => Promise<QueueFixture>): void {
  describe(`DeliveryQueue contract: ${name}`, () => {
    const open: { fixture: QueueFixture; deadline: AbortController }[] = [];
    afterEach(async () => {
      for (const { fixture, deadline } of open.splice(0)) {
        const timer = setTimeout(() => deadline.abort(), 1_000);
        await fixture.queue.close(deadline.signal);
        clearTimeout(timer);
        await fixture.cleanup();
      }
    });

    async function start(
      script: Script,
      settings: Partial<RetryPolicy & { concurrency: number; maxInFlightPerEndpoint: number; maxQueuedBatches: number }> = {},
    ) {
      const scripted = new ScriptedSend(script);
      const counters = new ObservedCounters(scripted);
      const policy: RetryPolicy = { initialDelayMs: 20, maxDelayMs: 80, periodMs: 60_000, ...settings };
      const outcomes = new DeliveryOutcomes(counters, silentLogger, policy, Date.now);
      const concurrency = settings.concurrency ?? 4;
      const fixture = await create({
        send: scripted.send,
        outcomes,
        concurrency,
        maxInFlightPerEndpoint: settings.maxInFlightPerEndpoint ?? concurrency,
        maxQueuedBatches: settings.maxQueuedBatches ?? 100,
      });
      open.push({ fixture, deadline: new AbortController() });
      return { queue: fixture.queue, scripted, counters };
    }

    it('delivers every batch once when the endpoint answers', async () => {
      const { queue, scripted, counters } = await start(() => OK);
      for (const channel of ['a', 'b', 'c']) queue.enqueue(testBatch(channel));
      await scripted.until(() => counters.snapshot().sent === 3);
      assert.deepEqual(scripted.attempts.map((entry) => entry.channel).sort(), ['a', 'b', 'c']);
      assert.deepEqual(counters.snapshot(), { sent: 3, sentEvents: 3, failedAttempts: 0, retried: 0, dropped: 0, droppedEvents: 0 });
    });

    it('hands the batch over unchanged (the body is what gets signed)', async () => {
      const { queue, scripted, counters } = await start(() => OK);
      const batch = testBatch('exact', 1_700_000_000_123);
      queue.enqueue(batch);
      await scripted.until(() => counters.snapshot().sent === 1);
      assert.deepEqual(scripted.attempts[0]?.batch, batch);
    });

    it('retries with growing delays until the endpoint answers 2xx', async () => {
      const { queue, scripted, counters } = await start((_batch, attempt) => (attempt <= 3 ? FAIL : OK));
      queue.enqueue(testBatch('flaky'));
      await scripted.until(() => counters.snapshot().sent === 1);
      const times = scripted.of('flaky');
      assert.equal(times.length, 4);
      const gaps = times.slice(1).map((time, index) => time - (times[index] ?? 0));
      // 20, 40, 80 ms: each wait at least the policy's delay (timers never fire early).
      assert.ok((gaps[0] ?? 0) >= 19 && (gaps[1] ?? 0) >= 39 && (gaps[2] ?? 0) >= 79, `gaps ${gaps.join(', ')}`);
      assert.deepEqual(counters.snapshot(), { sent: 1, sentEvents: 1, failedAttempts: 3, retried: 3, dropped: 0, droppedEvents: 0 });
    });

    it('retries for the whole retry period, then drops the batch', async () => {
      const { queue, scripted, counters } = await start(() => FAIL, { periodMs: 300 });
      const batch = testBatch('dead');
      queue.enqueue(batch);
      await scripted.until(() => counters.snapshot().dropped === 1);
      const times = scripted.of('dead');
      assert.ok((times.at(-1) ?? 0) - batch.createdAt >= 299, 'the last attempt is made at the end of the period');
      const snapshot = counters.snapshot();
      assert.equal(snapshot.failedAttempts, times.length);
      assert.equal(snapshot.retried, times.length - 1);
      assert.equal(snapshot.droppedEvents, 1);
      assert.equal(snapshot.sent, 0);
    });

    it('drops at once, without retrying, when the endpoint is no longer configured', async () => {
      const { queue, scripted, counters } = await start(() => ({ ok: false, retry: false, reason: 'gone' }));
      queue.enqueue(testBatch('gone'));
      await scripted.until(() => counters.snapshot().dropped === 1);
      assert.equal(scripted.of('gone').length, 1);
      assert.equal(counters.snapshot().retried, 0);
    });

    it('keeps at most maxQueuedBatches waiting: n are kept, the n+1st is dropped', async () => {
      // Every attempt fails with a long retry delay, so each batch waits once attempted.
      const { queue, scripted, counters } = await start(() => FAIL, { maxQueuedBatches: 2, initialDelayMs: 60_000, maxDelayMs: 60_000 });
      queue.enqueue(testBatch('q1'));
      await scripted.until(() => counters.snapshot().retried === 1);
      queue.enqueue(testBatch('q2'));
      await scripted.until(() => counters.snapshot().retried === 2);
      queue.enqueue(testBatch('q3'));
      await scripted.until(() => counters.snapshot().dropped === 1);
      assert.deepEqual(scripted.of('q3'), []);
      assert.equal(counters.snapshot().failedAttempts, 2);
    });

    it('has at most `concurrency` requests in flight', async () => {
      const { queue, scripted, counters } = await start(() => 'hang', { concurrency: 2 });
      for (let index = 0; index < 5; index += 1) queue.enqueue(testBatch(`c${index}`));
      await scripted.until(() => scripted.inFlight === 2);
      for (let released = 1; released <= 5; released += 1) {
        scripted.releaseOne();
        await scripted.until(() => counters.snapshot().sent === released && (released >= 4 || scripted.inFlight === 2));
      }
      assert.equal(scripted.maxInFlight, 2);
      assert.equal(scripted.attempts.length, 5);
    });

    it('gives one endpoint at most its share of requests, so a hung endpoint does not hold up the others', async () => {
      const hung = 'http://127.0.0.1:9/hung';
      const { queue, scripted, counters } = await start((batch) => (batch.url === hung ? 'hang' : OK), {
        concurrency: 3,
        maxInFlightPerEndpoint: 2,
      });
      for (let index = 0; index < 6; index += 1) queue.enqueue(testBatch(`hung${index}`, Date.now(), hung));
      await scripted.until(() => scripted.inFlight === 2);
      for (let index = 0; index < 4; index += 1) queue.enqueue(testBatch(`ok${index}`));
      await scripted.until(() => counters.snapshot().sent === 4);
      assert.equal(scripted.attempts.filter((entry) => entry.batch.url === hung).length, 2, 'the hung endpoint got its share only');
      // Once the hung endpoint answers, its other batches go out.
      for (let released = 1; released <= 6; released += 1) {
        scripted.releaseOne();
        await scripted.until(() => counters.snapshot().sent === 4 + released && (released >= 5 || scripted.inFlight === 2));
      }
      assert.equal(scripted.maxInFlight, 3);
    });

    it('closes within the deadline even while a request hangs, and close is idempotent', async () => {
      const { queue, scripted } = await start(() => 'hang');
      queue.enqueue(testBatch('stuck'));
      await scripted.until(() => scripted.inFlight === 1);
      const deadline = new AbortController();
      const closed = queue.close(deadline.signal);
      assert.equal(queue.close(deadline.signal), closed);
      setTimeout(() => deadline.abort(), 50);
      await closed;
      assert.equal(scripted.inFlight, 0);
    });
  });
}
