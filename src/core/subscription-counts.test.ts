/**
 * SubscriptionCounts on its own, on mocked timers: every change is sent at or below the
 * threshold; above it, one event per interval carrying the latest count; a channel falling back
 * to the threshold is sent at once and leaves the throttle; the webhook goes with each event.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { App } from '../apps/app-store.js';
import type { Publication } from '../cluster/broker.js';
import { appSchema } from '../config/schema.js';
import { SubscriptionCounts } from './subscription-counts.js';
import type { WebhookEvent, WebhookSink } from './webhook-sink.js';

const INTERVAL_MS = 30_000;

function fixture(threshold = 2) {
  const published: Publication[] = [];
  const hooks: { app: string; event: WebhookEvent }[] = [];
  const sink: WebhookSink = { emit: (app, event) => hooks.push({ app: app.id, event }) };
  const counts = new SubscriptionCounts({ threshold, intervalMs: INTERVAL_MS }, sink, (publication) => published.push(publication));
  /** The counts sent on one app's channel, in order. */
  const sent = (channel: string, appId = 'counted'): number[] =>
    published
      .filter((publication) => publication.appId === appId && publication.channel === channel)
      .map((publication) => {
        assert.equal(publication.event, 'pusher_internal:subscription_count');
        assert.ok(typeof publication.data === 'string', 'a string the server wrote');
        return (JSON.parse(publication.data) as { subscription_count: number }).subscription_count;
      });
  return { counts, sent, published, hooks };
}

const counted: App = appSchema.parse({ id: 'counted', key: 'k1', secret: 's1', subscriptionCount: true });
const hooked: App = appSchema.parse({ id: 'hooked', key: 'k2', secret: 's2', subscriptionCount: true, webhooks: [{ url: 'http://127.0.0.1:9/hook' }] });
const quiet: App = appSchema.parse({ id: 'quiet', key: 'k3', secret: 's3' });

describe('SubscriptionCounts', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('sends every change at or below the threshold', () => {
    const { counts, sent } = fixture();
    for (const count of [1, 2, 1, 0, 2]) counts.changed(counted, 'room', count);
    assert.deepEqual(sent('room'), [1, 2, 1, 0, 2]);
    counts.close();
  });

  it('sends nothing for an app without the feature', () => {
    const { counts, published, hooks } = fixture();
    counts.changed(quiet, 'room', 1);
    counts.changed(quiet, 'room', 5);
    assert.deepEqual(published, []);
    assert.deepEqual(hooks, []);
  });

  it('above the threshold, sends once per interval with the latest count', () => {
    const { counts, sent } = fixture();
    counts.changed(counted, 'room', 3); // crosses the threshold: sent, and the window opens
    counts.changed(counted, 'room', 4);
    counts.changed(counted, 'room', 5);
    assert.deepEqual(sent('room'), [3]);
    mock.timers.tick(INTERVAL_MS - 1);
    assert.deepEqual(sent('room'), [3], 'not before the interval');
    mock.timers.tick(1);
    assert.deepEqual(sent('room'), [3, 5], 'the latest count at the end of the window');
    counts.changed(counted, 'room', 6);
    mock.timers.tick(INTERVAL_MS);
    assert.deepEqual(sent('room'), [3, 5, 6], 'a new window opened with that event');
    mock.timers.tick(INTERVAL_MS);
    assert.deepEqual(sent('room'), [3, 5, 6], 'a window without changes sends nothing and closes');
    counts.changed(counted, 'room', 7);
    assert.deepEqual(sent('room'), [3, 5, 6, 7], 'so the next change is sent at once');
    counts.close();
  });

  it('a channel back at or under the threshold is sent at once and leaves the throttle', () => {
    const { counts, sent } = fixture();
    counts.changed(counted, 'room', 3);
    counts.changed(counted, 'room', 4);
    counts.changed(counted, 'room', 2);
    assert.deepEqual(sent('room'), [3, 2], 'the pending 4 is dropped for the current count');
    mock.timers.tick(INTERVAL_MS);
    assert.deepEqual(sent('room'), [3, 2], 'no window left running');
    counts.changed(counted, 'room', 1);
    assert.deepEqual(sent('room'), [3, 2, 1]);
  });

  it('a window that ends by sending opens the next one', () => {
    const { counts, sent } = fixture();
    counts.changed(counted, 'room', 3);
    counts.changed(counted, 'room', 4);
    mock.timers.tick(INTERVAL_MS);
    assert.deepEqual(sent('room'), [3, 4]);
    counts.changed(counted, 'room', 5);
    // Throttled again until the window opened by 4 ends.
    assert.deepEqual(sent('room'), [3, 4]);
    mock.timers.tick(INTERVAL_MS);
    assert.deepEqual(sent('room'), [3, 4, 5]);
    counts.close();
  });

  it('throttles each channel and app apart', () => {
    const { counts, sent } = fixture();
    counts.changed(counted, 'a', 3);
    counts.changed(counted, 'b', 3);
    counts.changed(hooked, 'a', 3);
    counts.changed(counted, 'a', 4);
    assert.deepEqual([sent('a'), sent('b'), sent('a', 'hooked')], [[3], [3], [3]]);
    counts.close();
  });

  it('sends the subscription_count webhook with each event, for apps with webhooks', () => {
    const { counts, hooks } = fixture();
    counts.changed(hooked, 'room', 1);
    counts.changed(hooked, 'room', 3);
    counts.changed(hooked, 'room', 4);
    mock.timers.tick(INTERVAL_MS);
    counts.changed(counted, 'room', 1);
    assert.deepEqual(
      hooks,
      [1, 3, 4].map((count) => ({ app: 'hooked', event: { name: 'subscription_count', channel: 'room', subscription_count: count } })),
    );
    counts.close();
  });

  it('close stops every window: nothing is sent afterwards', () => {
    const { counts, sent } = fixture();
    counts.changed(counted, 'room', 3);
    counts.changed(counted, 'room', 4);
    counts.close();
    mock.timers.tick(INTERVAL_MS * 2);
    assert.deepEqual(sent('room'), [3]);
  });
});
