/** pusher_internal:subscription_count: sent on every change, throttled on large channels. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Channel } from 'pusher-js';
import { clientFor, disconnect, nextEvent, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { stateSubscribed } from './helpers/subscribe.js';
import { APP, OTHER_APP, startServer, type TestServer } from './helpers/server.js';

/** Records every subscription_count a channel receives; `reach(n)` waits for a count of n. */
function counts(channel: Channel): { seen: number[]; reach: (count: number) => Promise<void> } {
  const seen: number[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  channel.bind('pusher:subscription_count', (data: { subscription_count: number }) => {
    seen.push(data.subscription_count);
    for (const waiter of waiters.filter((entry) => entry.count === data.subscription_count)) waiter.resolve();
  });
  return {
    seen,
    reach: (count) =>
      seen.includes(count) ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
  };
}

describe('subscription counting', () => {
  let server: TestServer;
  const clients: PusherClient[] = [];
  const client = (app = APP): PusherClient => {
    const created = clientFor(server, app, { presence: { user_id: `u${clients.length}` } });
    clients.push(created);
    return created;
  };

  before(async () => {
    server = await startServer({
      subscriptionCountThrottle: { threshold: 2, interval: 3600 },
      apps: [
        { ...APP, subscriptionCount: true },
        { ...OTHER_APP, subscriptionCount: false },
      ],
    });
  });
  after(async () => {
    await Promise.all(clients.map((entry) => disconnect(entry)));
    await server.close();
  });

  it('tells every subscriber the count on each subscribe and unsubscribe', async () => {
    const first = client();
    const channel = first.subscribe('counted');
    const observed = counts(channel);
    await stateSubscribed(channel);
    await observed.reach(1);
    const second = client();
    const secondChannel = await subscribed(second, 'counted');
    await observed.reach(2);
    assert.equal(secondChannel.subscriptionCount, 2, 'the new subscriber learns the count too');
    second.unsubscribe('counted');
    const back = nextEvent<{ subscription_count: number }>(channel, 'pusher:subscription_count');
    assert.equal((await back).data.subscription_count, 1);
    assert.equal(channel.subscriptionCount, 1);
  });

  it('throttles channels above the threshold, and sends at once when the count falls back to it', async () => {
    // The interval outlasts the test: the window's end (one event with the latest count) is
    // covered on mocked timers in src/core/subscription-counts.test.ts.
    const watcher = client();
    const channel = watcher.subscribe('crowded');
    const observed = counts(channel);
    await stateSubscribed(channel);
    const joined: PusherClient[] = [];
    for (let n = 2; n <= 5; n += 1) {
      const joiner = client();
      joined.push(joiner);
      await subscribed(joiner, 'crowded');
    }
    // Counts are sent in the same turn as the subscription's success, so a marker published
    // after the last one proves 4 and 5 were held back, not late.
    const marker = nextEvent(channel, 'marker');
    await sdkFor(server, APP).trigger('crowded', 'marker', '');
    await marker;
    assert.deepEqual(observed.seen, [1, 2, 3], '4 and 5 fell inside the throttle window');
    const next = nextEvent<{ subscription_count: number }>(channel, 'pusher:subscription_count');
    for (const leaver of joined.slice(0, 3)) leaver.unsubscribe('crowded');
    assert.equal((await next).data.subscription_count, 2, '4 and 3 held back, 2 (at the threshold) sent at once');
    assert.deepEqual(observed.seen, [1, 2, 3, 2]);
  });

  it('sends nothing on presence channels, or for apps without the feature', async () => {
    const presence = client();
    const presenceChannel = await subscribed(presence, 'presence-counted');
    const quiet = client(OTHER_APP);
    const quietChannel = await subscribed(quiet, 'counted');
    const seen: unknown[] = [];
    presenceChannel.bind('pusher:subscription_count', (data: unknown) => seen.push(data));
    quietChannel.bind('pusher:subscription_count', (data: unknown) => seen.push(data));
    await subscribed(client(), 'presence-counted');
    await subscribed(client(OTHER_APP), 'counted');
    const markers = Promise.all([nextEvent(presenceChannel, 'marker'), nextEvent(quietChannel, 'marker')]);
    await sdkFor(server, APP).trigger('presence-counted', 'marker', '');
    await sdkFor(server, OTHER_APP).trigger('counted', 'marker', '');
    await markers;
    assert.deepEqual(seen, []);
  });
});
