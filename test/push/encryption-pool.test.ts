/**
 * The encryption pool (src/push/encryption-pool.ts): bodies in order and decryptable, a bad
 * subscription failing alone, the bounded queue, a thread that dies (its batch fails, a new
 * thread takes over), a thread that cannot start (every call then fails with the reason), and
 * close (queued and running batches fail, the threads end, later calls fail).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { EncryptionPool, EncryptionPoolError, InlineEncryptor } from '../../src/push/encryption-pool.js';
import { PushSubscriber } from '../helpers/push-subscriber.js';

const REAL_WORKER = new URL('../../src/push/encrypt-worker.js', import.meta.url);
/** Says it is ready, then dies on its first batch. */
const DYING_WORKER = `const { parentPort } = require('node:worker_threads');
parentPort.postMessage({ type: 'ready' });
parentPort.on('message', () => { throw new Error('boom in the worker'); });`;
/** Never answers a batch: keeps one batch running as long as the test wants. */
const SILENT_WORKER = `const { parentPort } = require('node:worker_threads');
parentPort.postMessage({ type: 'ready' });
parentPort.on('message', () => {});`;

const evalWorker = (code: string) => (): Worker => new Worker(code, { eval: true });

describe('push: encryption pool', () => {
  it('encrypts a batch on its threads: one body per subscription, in order; a bad one fails alone', async () => {
    const pool = new EncryptionPool({ threads: 2, maxQueued: 10 });
    try {
      const subscribers = Array.from({ length: 5 }, () => new PushSubscriber());
      const keys = subscribers.map((subscriber) => subscriber.keys);
      const bad = { p256dh: 'AAAA', auth: keys[0]?.auth ?? '' };
      const [results, again] = await Promise.all([pool.encrypt([...keys.slice(0, 2), bad, ...keys.slice(2)], 'hello ✓'), pool.encrypt(keys, 'second')]);
      assert.equal(results.length, 6);
      const failed = results[2];
      assert.ok(failed instanceof Error && /p256dh/.test(failed.message));
      const bodies = [...results.slice(0, 2), ...results.slice(3)];
      bodies.forEach((body, index) => {
        assert.ok(Buffer.isBuffer(body));
        assert.equal(subscribers[index]?.decrypt(body).toString('utf8'), 'hello ✓');
      });
      again.forEach((body, index) => {
        assert.ok(Buffer.isBuffer(body));
        assert.equal(subscribers[index]?.decrypt(body).toString('utf8'), 'second');
      });
    } finally {
      await pool.close();
    }
  });

  it('refuses a batch when maxQueued batches already wait for a thread', async () => {
    let ready: Promise<unknown> | undefined;
    const pool = new EncryptionPool({
      threads: 1,
      maxQueued: 1,
      spawn: () => {
        const worker = evalWorker(SILENT_WORKER)();
        ready = once(worker, 'message');
        return worker;
      },
    });
    const keys = [new PushSubscriber().keys];
    await ready;
    // The thread is ready: the first batch runs (and is never answered), the second waits.
    const running = pool.encrypt(keys, 'a');
    const waiting = pool.encrypt(keys, 'b');
    await assert.rejects(pool.encrypt(keys, 'c'), (error: unknown) => error instanceof EncryptionPoolError && /queue is full \(1 batches waiting\)/.test(error.message));
    const failed = [assert.rejects(running, /closed before the batch was encrypted/), assert.rejects(waiting, /closed before the batch was encrypted/)];
    await pool.close();
    await Promise.all(failed);
    await assert.rejects(pool.encrypt(keys, 'd'), /the encryption pool is closed/);
  });

  it('fails the batch of a thread that dies and goes on with a new thread', async () => {
    let spawned = 0;
    const pool = new EncryptionPool({
      threads: 1,
      maxQueued: 10,
      spawn: () => {
        spawned += 1;
        return spawned === 1 ? new Worker(DYING_WORKER, { eval: true }) : new Worker(REAL_WORKER);
      },
    });
    try {
      const subscriber = new PushSubscriber();
      await assert.rejects(pool.encrypt([subscriber.keys], 'lost'), (error: unknown) => error instanceof EncryptionPoolError && /died while encrypting a batch: boom in the worker/.test(error.message));
      const [body] = await pool.encrypt([subscriber.keys], 'after the crash');
      assert.ok(Buffer.isBuffer(body));
      assert.equal(subscriber.decrypt(body).toString('utf8'), 'after the crash');
      assert.equal(spawned, 2);
    } finally {
      await pool.close();
    }
  });

  it('is broken for good, with the reason, when a thread cannot start', async () => {
    let spawned = 0;
    const pool = new EncryptionPool({
      threads: 1,
      maxQueued: 10,
      spawn: () => {
        spawned += 1;
        return new Worker(`throw new Error('cannot load');`, { eval: true });
      },
    });
    const keys = [new PushSubscriber().keys];
    await assert.rejects(pool.encrypt(keys, 'x'), /could not start: cannot load/);
    await assert.rejects(pool.encrypt(keys, 'y'), /could not start: cannot load/);
    assert.equal(spawned, 1);
    await pool.close();
  });

  it('ends its threads on close', async () => {
    const workers: Worker[] = [];
    const pool = new EncryptionPool({
      threads: 2,
      maxQueued: 10,
      spawn: () => {
        const worker = new Worker(REAL_WORKER);
        workers.push(worker);
        return worker;
      },
    });
    await pool.encrypt([new PushSubscriber().keys], 'warm');
    const exits = workers.map((worker) => once(worker, 'exit'));
    await pool.close();
    await Promise.all(exits);
    assert.equal(workers.length, 2);
  });

  it('inline: the same contract on the calling thread', async () => {
    const encryptor = new InlineEncryptor();
    const subscriber = new PushSubscriber();
    const [body, bad] = await encryptor.encrypt([subscriber.keys, { p256dh: '', auth: '' }], 'inline');
    assert.ok(Buffer.isBuffer(body));
    assert.equal(subscriber.decrypt(body).toString('utf8'), 'inline');
    assert.ok(bad instanceof Error);
    await encryptor.close();
    await assert.rejects(encryptor.encrypt([subscriber.keys], 'x'), /closed/);
  });

  it('needs at least one thread', () => {
    assert.throws(() => new EncryptionPool({ threads: 0, maxQueued: 1 }), RangeError);
  });
});
