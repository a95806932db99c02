/** The DeliveryQueue contract on Redis (127.0.0.1:6379, shared: every queue gets its own prefix). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { freePort, PrivateRedis } from './helpers/redis-server.js';
import { eventually } from './helpers/wait.js';
import { deleteRedisKeys, REDIS_URL, uniqueRedisPrefix } from './helpers/redis.js';
import { silentLogger } from '../src/shared/logger.js';
import { DeliveryOutcomes } from '../src/webhooks/delivery-outcomes.js';
import { deliveryQueueContract, ScriptedSend, testBatch } from '../src/webhooks/delivery-queue.contract.js';
import { WebhookCounterSet } from '../src/webhooks/metrics.js';
import { RedisDeliveryQueue } from '../src/webhooks/redis-delivery-queue.js';

const uniquePrefix = (): string => `${uniqueRedisPrefix()}webhooks`;
const deleteKeys = deleteRedisKeys;

deliveryQueueContract('redis', async (options) => {
  const prefix = uniquePrefix();
  const queue = await RedisDeliveryQueue.open({ ...options, target: { kind: 'server', url: REDIS_URL }, prefix, logger: silentLogger });
  return { queue, cleanup: () => deleteKeys(prefix) };
});

describe('RedisDeliveryQueue hand-off', () => {
  it('leaves a batch waiting for its retry in Redis on close; the next process on the prefix delivers it', async () => {
    const prefix = uniquePrefix();
    try {
      const policy = { initialDelayMs: 200, maxDelayMs: 200, periodMs: 600_000 };
      const firstCounters = new WebhookCounterSet();
      const first = new ScriptedSend(() => ({ ok: false, retry: true, reason: 'HTTP 503' }));
      const firstQueue = await RedisDeliveryQueue.open({
        target: { kind: 'server', url: REDIS_URL },
        prefix,
        send: first.send,
        outcomes: new DeliveryOutcomes(firstCounters, silentLogger, policy, Date.now),
        concurrency: 2,
        maxInFlightPerEndpoint: 2,
        maxQueuedBatches: 10,
        logger: silentLogger,
      });
      const batch = testBatch('survivor');
      firstQueue.enqueue(batch);
      await first.until(() => first.attempts.length === 1 && first.inFlight === 0);
      await firstQueue.close(new AbortController().signal);
      const attemptsBeforeRestart = first.attempts.length;

      const secondCounters = new WebhookCounterSet();
      const second = new ScriptedSend(() => ({ ok: true }));
      const secondQueue = await RedisDeliveryQueue.open({
        target: { kind: 'server', url: REDIS_URL },
        prefix,
        send: second.send,
        outcomes: new DeliveryOutcomes(secondCounters, silentLogger, policy, Date.now),
        concurrency: 2,
        maxInFlightPerEndpoint: 2,
        maxQueuedBatches: 10,
        logger: silentLogger,
      });
      await second.until(() => second.attempts.length === 1 && second.inFlight === 0);
      assert.deepEqual(second.attempts[0]?.batch, batch);
      await secondQueue.close(new AbortController().signal);
      assert.ok(attemptsBeforeRestart >= 1);
      assert.equal(first.attempts.length, attemptsBeforeRestart, 'the closed queue made no more attempts');
    } finally {
      await deleteKeys(prefix);
    }
  });

  it('fails to open, releasing everything, when Redis does not answer', async () => {
    await assert.rejects(
      RedisDeliveryQueue.open({
        target: { kind: 'server', url: 'redis://127.0.0.1:1' },
        prefix: uniquePrefix(),
        send: () => Promise.resolve({ ok: true }),
        outcomes: new DeliveryOutcomes(new WebhookCounterSet(), silentLogger, { initialDelayMs: 1, maxDelayMs: 1, periodMs: 1 }, Date.now),
        concurrency: 1,
        maxInFlightPerEndpoint: 1,
        maxQueuedBatches: 1,
        logger: silentLogger,
        connectTimeoutMs: 300,
      }),
      /did not answer within 300 ms/,
    );
  });
});

describe('RedisDeliveryQueue on a hung Redis', () => {
  it('keeps a batch Redis does not answer for, says so, and delivers it once Redis answers again', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    const errors: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          errors.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const counters = new WebhookCounterSet();
    const send = new ScriptedSend(() => ({ ok: true }));
    const queue = await RedisDeliveryQueue.open({
      target: { kind: 'server', url: redis.url },
      prefix: 'hung',
      send: send.send,
      outcomes: new DeliveryOutcomes(counters, logger, { initialDelayMs: 100, maxDelayMs: 100, periodMs: 60_000 }, Date.now),
      concurrency: 1,
      maxInFlightPerEndpoint: 1,
      maxQueuedBatches: 10,
      logger,
      slowAddMs: 200,
    });
    try {
      redis.pause();
      const batch = testBatch('kept');
      queue.enqueue(batch);
      await eventually(() => errors.some((line) => line.includes('webhook batch not yet written to Redis')), 'the wait is reported');
      redis.resume();
      await send.until(() => send.attempts.length === 1 && send.inFlight === 0);
      assert.deepEqual(send.attempts[0]?.batch, batch);
      assert.equal(counters.snapshot().dropped, 0);
    } finally {
      redis.resume();
      await queue.close(AbortSignal.timeout(5_000));
      await redis.kill();
    }
  });
});
