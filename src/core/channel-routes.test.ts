/**
 * ChannelRoutes on its own, over a broker whose subscribes settle when the test says: one broker
 * subscription per channel whatever the number of local holders, unsubscribe after the last
 * release (also when it comes while the subscribe is in flight), and the rollback of a failed
 * subscribe: every waiter is told, the next joiner tries again, and the failed holders' releases
 * (callers release after a failed acquire too) never take away a later holder's route.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { Broker } from '../cluster/broker.js';
import { ControlBus } from '../cluster/control-bus.js';
import { ChannelRoutes } from './channel-routes.js';

interface Pending {
  readonly channel: string;
  resolve(): void;
  reject(error: Error): void;
}

/** Records subscribe/unsubscribe calls; each subscribe waits for `settle`. */
class ScriptedBroker implements Broker {
  readonly calls: string[] = [];
  readonly pending: Pending[] = [];
  readonly control = new ControlBus({ nodeId: 'n1', send: () => Promise.resolve(), logger: pino({ level: 'silent' }) });

  subscribe(appId: string, channel: string): Promise<void> {
    this.calls.push(`subscribe ${appId}/${channel}`);
    return new Promise((resolve, reject) => this.pending.push({ channel, resolve, reject }));
  }

  unsubscribe(appId: string, channel: string): Promise<void> {
    this.calls.push(`unsubscribe ${appId}/${channel}`);
    return Promise.resolve();
  }

  publish(): Promise<void> {
    return Promise.resolve();
  }

  publishConfirmed(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Settles the oldest pending subscribe. */
  settle(outcome: 'ok' | Error): void {
    const next = this.pending.shift();
    assert.ok(next !== undefined, 'a subscribe is pending');
    if (outcome === 'ok') next.resolve();
    else next.reject(outcome);
  }
}

/** Lets every queued promise reaction run (the routes' bookkeeping is all promise-driven). */
async function settled(): Promise<void> {
  for (let turn = 0; turn < 5; turn += 1) await Promise.resolve();
}

function fixture() {
  const broker = new ScriptedBroker();
  const errors: unknown[] = [];
  const routes = new ChannelRoutes(broker, (error) => errors.push(error));
  return { broker, errors, routes };
}

describe('ChannelRoutes', () => {
  it('subscribes once for every holder and unsubscribes after the last release', async () => {
    const { broker, routes } = fixture();
    const first = routes.acquire('a', 'news');
    const second = routes.acquire('a', 'news');
    routes.acquire('a', 'sport').catch(() => undefined);
    assert.deepEqual(broker.calls, ['subscribe a/news', 'subscribe a/sport']);
    broker.settle('ok');
    await Promise.all([first, second]);
    routes.release('a', 'news');
    await settled();
    assert.deepEqual(broker.calls, ['subscribe a/news', 'subscribe a/sport'], 'one holder left');
    routes.release('a', 'news');
    await settled();
    assert.deepEqual(broker.calls.slice(2), ['unsubscribe a/news']);
    // A later holder starts over with a fresh subscribe.
    const again = routes.acquire('a', 'news');
    assert.deepEqual(broker.calls.slice(3), ['subscribe a/news']);
    broker.settle('ok'); // sport
    broker.settle('ok'); // news again
    await again;
  });

  it('ignores a release for a channel it does not hold', async () => {
    const { broker, errors, routes } = fixture();
    routes.release('a', 'news');
    await settled();
    assert.deepEqual(broker.calls, []);
    assert.deepEqual(errors, []);
  });

  it('unsubscribes once a subscribe completes after its last holder left', async () => {
    const { broker, routes } = fixture();
    const acquired = routes.acquire('a', 'news');
    routes.release('a', 'news');
    await settled();
    assert.deepEqual(broker.calls, ['subscribe a/news'], 'nothing to undo before the subscribe settles');
    broker.settle('ok');
    await acquired;
    await settled();
    assert.deepEqual(broker.calls, ['subscribe a/news', 'unsubscribe a/news']);
  });

  it('keeps the route when the channel is acquired again while the last release waits for the subscribe', async () => {
    const { broker, routes } = fixture();
    const first = routes.acquire('a', 'news');
    routes.release('a', 'news');
    const second = routes.acquire('a', 'news');
    assert.deepEqual(broker.calls, ['subscribe a/news', 'subscribe a/news']);
    broker.settle('ok');
    broker.settle('ok');
    await Promise.all([first, second]);
    await settled();
    assert.deepEqual(broker.calls, ['subscribe a/news', 'subscribe a/news'], 'no unsubscribe under the new holder');
  });

  it('rolls back a failed subscribe: every waiter is told and the next joiner tries again', async () => {
    const { broker, errors, routes } = fixture();
    const failure = new Error('bus down');
    const waiters = [routes.acquire('a', 'news'), routes.acquire('a', 'news')];
    broker.settle(failure);
    for (const waiter of waiters) await assert.rejects(waiter, failure);
    for (let released = 0; released < waiters.length; released += 1) routes.release('a', 'news');
    await settled();
    assert.deepEqual(broker.calls, ['subscribe a/news'], 'nothing to unsubscribe after a failed subscribe');
    assert.deepEqual(errors, []);

    const retry = routes.acquire('a', 'news');
    assert.deepEqual(broker.calls, ['subscribe a/news', 'subscribe a/news'], 'a new attempt');
    broker.settle('ok');
    await retry;
    routes.release('a', 'news');
    await settled();
    assert.deepEqual(broker.calls.slice(2), ['unsubscribe a/news']);
  });

  it('reports a failed subscribe whose holders all left before it settled', async () => {
    const { broker, errors, routes } = fixture();
    const failure = new Error('bus down');
    const acquired = routes.acquire('a', 'news');
    routes.release('a', 'news');
    broker.settle(failure);
    await assert.rejects(acquired, failure);
    await settled();
    assert.deepEqual(errors, [failure]);
    assert.deepEqual(broker.calls, ['subscribe a/news']);
  });

  it('a failed holder releasing late never takes the route from a holder who joined after the failure', async () => {
    const { broker, routes } = fixture();
    const failure = new Error('bus down');
    const failed = routes.acquire('a', 'news');
    broker.settle(failure);
    await assert.rejects(failed, failure);
    // Another connection joins before the failed one gives its acquire back (signin.ts releases
    // only after all of a user's channels have settled).
    const later = routes.acquire('a', 'news');
    broker.settle('ok');
    await later;
    routes.release('a', 'news'); // the failed holder's release
    await settled();
    assert.deepEqual(broker.calls, ['subscribe a/news', 'subscribe a/news'], 'the later holder keeps its route');
    routes.release('a', 'news'); // the later holder leaves
    await settled();
    assert.deepEqual(broker.calls, ['subscribe a/news', 'subscribe a/news', 'unsubscribe a/news']);
  });

  it('reports an unsubscribe that fails', async () => {
    const { broker, errors, routes } = fixture();
    const failure = new Error('unsubscribe failed');
    broker.unsubscribe = () => Promise.reject(failure);
    const acquired = routes.acquire('a', 'news');
    broker.settle('ok');
    await acquired;
    routes.release('a', 'news');
    await settled();
    assert.deepEqual(errors, [failure]);
  });
});
