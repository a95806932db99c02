/**
 * Webhooks end to end (in-memory queue): pusher-js clients cause the events, a real HTTP receiver
 * gets them, and the `pusher` SDK validates every request as an app backend would.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { pino } from 'pino';
import type { ConfigInput } from '../src/config/schema.js';
import { clientFor, connected, disconnect, nextEvent, sdkFor, subscribed, type PusherClient } from './helpers/pusher.js';
import { APP, OTHER_APP, startServer, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/wait.js';
import { isValidWebhook, WebhookReceiver } from './helpers/webhook-receiver.js';

/** Fast timings: a batch window of 50 ms, a transition delay of 300 ms, retries from 50 ms. */
const FAST = { batchWindowMs: 50, transitionDelayMs: 300, retryInitialDelayMs: 50, retryMaxDelayMs: 200, requestTimeoutMs: 2_000 };

describe('webhooks', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(
    options: {
      webhooks?: ConfigInput['webhooks'];
      apps?: (receiver: WebhookReceiver) => ConfigInput['apps'];
      logLines?: Record<string, unknown>[];
      shutdownGracePeriod?: number;
    } = {},
  ) {
    const receiver = await WebhookReceiver.start();
    cleanups.push(() => receiver.close());
    const apps = options.apps?.(receiver) ?? [{ ...APP, clientEvents: true, webhooks: [{ url: receiver.url() }] }];
    const logLines = options.logLines;
    const logger =
      logLines === undefined
        ? undefined
        : pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
    const server = await startServer(
      { apps, webhooks: { ...FAST, ...options.webhooks }, shutdownGracePeriod: options.shutdownGracePeriod ?? 5 },
      logger === undefined ? {} : { logger },
    );
    cleanups.push(() => server.close());
    return { receiver, server };
  }

  function client(server: TestServer, presence?: { user_id: string }): PusherClient {
    const pusher = clientFor(server, APP, presence === undefined ? {} : { presence });
    cleanups.push(() => disconnect(pusher));
    return pusher;
  }

  it('sends channel_occupied and channel_vacated, signed as the pusher SDK expects', async () => {
    const { receiver, server } = await setup();
    const alice = client(server);
    await subscribed(alice, 'lobby');
    assert.deepEqual(await receiver.event({ name: 'channel_occupied' }), { name: 'channel_occupied', channel: 'lobby' });
    alice.unsubscribe('lobby');
    assert.deepEqual(await receiver.event({ name: 'channel_vacated' }), { name: 'channel_vacated', channel: 'lobby' });

    for (const request of receiver.requests) {
      assert.equal(request.method, 'POST');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['x-pusher-key'], APP.key);
      assert.equal(isValidWebhook(APP, request), true);
      assert.equal(isValidWebhook({ ...APP, secret: 'wrong' }, request), false, 'the signature depends on the secret');
      assert.equal(typeof request.body.time_ms, 'number');
      assert.deepEqual(Object.keys(request.body), ['time_ms', 'events']);
    }
    const requests = receiver.requests.length;
    await eventuallyCounted(server, (counters) => counters.sent === requests);
  });

  it('sends member_added and member_removed for the first and last connection of a user', async () => {
    const { receiver, server } = await setup();
    const first = client(server, { user_id: 'ann' });
    const second = client(server, { user_id: 'ann' });
    await subscribed(first, 'presence-room');
    assert.deepEqual(await receiver.event({ name: 'member_added' }), { name: 'member_added', channel: 'presence-room', user_id: 'ann' });
    await subscribed(second, 'presence-room');
    first.unsubscribe('presence-room');
    second.unsubscribe('presence-room');
    assert.deepEqual(await receiver.event({ name: 'member_removed' }), { name: 'member_removed', channel: 'presence-room', user_id: 'ann' });
    await receiver.event({ name: 'channel_vacated' });
    const names = receiver.events().map((event) => event.name);
    assert.deepEqual(names.filter((name) => name === 'member_added' || name === 'member_removed'), ['member_added', 'member_removed']);
    assert.ok(receiver.requests.every((request) => isValidWebhook(APP, request)));
  });

  it('sends client_event with socket_id, and user_id only on presence channels', async () => {
    const { receiver, server } = await setup();
    const alice = client(server, { user_id: 'alice' });
    const bob = client(server, { user_id: 'bob' });
    const [privateA] = await Promise.all([subscribed(alice, 'private-chat'), subscribed(bob, 'private-chat')]);
    const [presenceA] = await Promise.all([subscribed(alice, 'presence-chat'), subscribed(bob, 'presence-chat')]);
    const aliceId = await connected(alice);
    privateA.trigger('client-typing', { typing: true });
    presenceA.trigger('client-wave', 'hi');
    assert.deepEqual(await receiver.event({ name: 'client_event', channel: 'private-chat' }), {
      name: 'client_event',
      channel: 'private-chat',
      event: 'client-typing',
      data: { typing: true },
      socket_id: aliceId,
    });
    assert.deepEqual(await receiver.event({ name: 'client_event', channel: 'presence-chat' }), {
      name: 'client_event',
      channel: 'presence-chat',
      event: 'client-wave',
      data: 'hi',
      socket_id: aliceId,
      user_id: 'alice',
    });
    assert.ok(receiver.requests.every((request) => isValidWebhook(APP, request)));
  });

  it('batches events of one app and endpoint: up to batchSize per request, the rest in the next', async () => {
    const { receiver, server } = await setup({ webhooks: { batchSize: 3, batchWindowMs: 1_000 } });
    const alice = client(server);
    await Promise.all(['b1', 'b2', 'b3', 'b4'].map((channel) => subscribed(alice, channel)));
    await receiver.until(() => receiver.events().length === 4);
    assert.deepEqual(
      receiver.requests.map((request) => request.body.events.length),
      [3, 1],
      'a full batch goes at once; the fourth event waits for the window',
    );
    assert.deepEqual(receiver.events().map((event) => event.channel).sort(), ['b1', 'b2', 'b3', 'b4']);
    assert.ok(receiver.requests.every((request) => isValidWebhook(APP, request)));
  });

  it('never mixes apps or endpoints, and signs the filtered body each endpoint gets', async () => {
    const { receiver, server } = await setup({
      webhooks: { batchWindowMs: 300 },
      apps: (r) => [
        {
          ...APP,
          webhooks: [
            { url: r.url('/occupied-only'), events: ['channel_occupied'] },
            { url: r.url('/private-only'), channelPrefixes: ['private-'] },
          ],
        },
        { ...OTHER_APP, webhooks: [{ url: r.url('/other') }] },
      ],
    });
    const alice = client(server);
    const other = clientFor(server, OTHER_APP);
    cleanups.push(() => disconnect(other));
    await Promise.all([subscribed(alice, 'public-x'), subscribed(alice, 'private-y'), subscribed(other, 'public-z')]);
    alice.unsubscribe('private-y');
    await receiver.until(
      () => receiver.events('/occupied-only').length === 2 && receiver.events('/private-only').length === 2 && receiver.events('/other').length === 1,
    );
    assert.deepEqual(
      receiver.events('/occupied-only').map((event) => [event.name, event.channel]).sort(),
      [
        ['channel_occupied', 'private-y'],
        ['channel_occupied', 'public-x'],
      ],
    );
    assert.deepEqual(
      receiver.events('/private-only').map((event) => [event.name, event.channel]),
      [
        ['channel_occupied', 'private-y'],
        ['channel_vacated', 'private-y'],
      ],
    );
    assert.deepEqual(receiver.events('/other'), [{ name: 'channel_occupied', channel: 'public-z' }]);
    for (const request of receiver.requests) {
      const app = request.path === '/other' ? OTHER_APP : APP;
      assert.equal(request.headers['x-pusher-key'], app.key);
      assert.equal(isValidWebhook(app, request), true, `${request.path} is signed with its own app's secret`);
    }
    assert.ok(receiver.requests.some((request) => request.body.events.length > 1), 'events of one endpoint were batched');
  });

  it('sends neither vacated nor occupied (nor member_removed / member_added) when a page reloads within the delay', async () => {
    const { receiver, server } = await setup();
    const before = client(server, { user_id: 'reloader' });
    await Promise.all([subscribed(before, 'reload'), subscribed(before, 'presence-reload')]);
    await receiver.until(() => receiver.events().length === 3);
    await disconnect(before);
    const after = client(server, { user_id: 'reloader' });
    await Promise.all([subscribed(after, 'reload'), subscribed(after, 'presence-reload')]);
    // A marker whose vacated webhook is due after the cancelled ones: once it has arrived, their
    // timers (started earlier, with the same delay) have run.
    const marker = client(server);
    await subscribed(marker, 'marker');
    marker.unsubscribe('marker');
    await receiver.event({ name: 'channel_vacated', channel: 'marker' });
    const events = receiver.events().filter((event) => event.channel !== 'marker');
    assert.deepEqual(events.map((event) => event.name).sort(), ['channel_occupied', 'channel_occupied', 'member_added']);
  });

  it('retries a failed delivery with the same signed body until the endpoint answers 2xx', async () => {
    const { receiver, server } = await setup();
    receiver.answer = (_request, index) => (index < 2 ? 500 : 200);
    const alice = client(server);
    await subscribed(alice, 'flaky');
    await receiver.until(() => receiver.requests.length === 3);
    const [first, second, third] = receiver.requests;
    assert.equal(second?.rawBody, first?.rawBody);
    assert.equal(third?.rawBody, first?.rawBody);
    assert.equal(third?.headers['x-pusher-signature'], first?.headers['x-pusher-signature']);
    assert.ok(receiver.requests.every((request) => isValidWebhook(APP, request)));
    await eventuallyCounted(server, (counters) => counters.sent === 1);
    assert.deepEqual(server.server.webhookMetrics.snapshot(), { sent: 1, sentEvents: 1, failedAttempts: 2, retried: 2, dropped: 0, droppedEvents: 0 });
  });

  it('treats an answer later than the timeout as a failure and tries again', async () => {
    const { receiver, server } = await setup({ webhooks: { requestTimeoutMs: 200 } });
    receiver.answer = (_request, index) => (index === 0 ? 'hang' : 204);
    const alice = client(server);
    await subscribed(alice, 'slow');
    await receiver.until(() => receiver.requests.length === 2);
    await eventuallyCounted(server, (counters) => counters.sent === 1);
    assert.equal(server.server.webhookMetrics.snapshot().failedAttempts, 1);
  });

  it('gives up after the retry period and logs the dropped events', async () => {
    const logLines: Record<string, unknown>[] = [];
    const { receiver, server } = await setup({ webhooks: { retryPeriodMs: 300 }, logLines });
    receiver.answer = () => 503;
    const alice = client(server);
    await subscribed(alice, 'doomed');
    await eventuallyCounted(server, (counters) => counters.dropped === 1);
    const dropped = logLines.find((line) => line['msg'] === 'webhook dropped (retry period over)');
    assert.ok(dropped !== undefined);
    assert.deepEqual(dropped['events'], [{ name: 'channel_occupied', channel: 'doomed' }]);
    assert.equal(dropped['lastError'], 'HTTP 503');
    assert.ok(receiver.requests.length >= 2);
    assert.equal(server.server.webhookMetrics.snapshot().failedAttempts, receiver.requests.length);
  });

  it('drains on graceful shutdown: a batch waiting for its retry is delivered before close returns', async () => {
    const { receiver, server } = await setup({ webhooks: { retryInitialDelayMs: 60_000, retryMaxDelayMs: 60_000 } });
    receiver.answer = (_request, index) => (index === 0 ? 503 : 200);
    const alice = client(server);
    await subscribed(alice, 'drained');
    await receiver.until(() => receiver.requests.length === 1);
    await eventuallyCounted(server, (counters) => counters.retried === 1);
    await server.close();
    // The client was closed with 4200, so the vacated transition was reported during the drain too.
    assert.deepEqual(receiver.events().map((event) => event.name).sort(), ['channel_occupied', 'channel_occupied', 'channel_vacated']);
    assert.equal(server.server.webhookMetrics.snapshot().sent, 2);
  });

  it('keeps delivering channel messages while an endpoint never answers, with bounded requests and queue', async () => {
    const logLines: Record<string, unknown>[] = [];
    const { receiver, server } = await setup({
      webhooks: { requestTimeoutMs: 60_000, concurrency: 2, maxQueuedBatches: 3, batchSize: 1 },
      logLines,
      shutdownGracePeriod: 1,
    });
    receiver.answer = () => 'hang';
    const alice = client(server);
    const channels = await Promise.all(['d1', 'd2', 'd3', 'd4', 'd5'].map((name) => subscribed(alice, name)));
    // Five occupied batches: two in flight (concurrency), one waiting (3 queued in all), two dropped.
    await receiver.until(() => receiver.hanging === 2);
    await eventuallyCounted(server, (counters) => counters.dropped === 2);
    const sdk = sdkFor(server, APP);
    for (const [index, channel] of channels.entries()) {
      const received = nextEvent(channel, 'news');
      await sdk.trigger(channel.name, 'news', { index });
      assert.deepEqual((await received).data, { index });
    }
    assert.equal(receiver.requests.length, 2, 'no more requests than the concurrency');
    assert.equal(logLines.filter((line) => line['msg'] === 'webhook dropped (queue full)').length, 2);
    assert.equal(server.server.webhookMetrics.snapshot().sent, 0);
    // Shutdown is bounded by the grace period even with requests hanging; what is left is dropped.
    await server.close();
    await receiver.until(() => receiver.hanging === 0);
    // Every event is accounted for: 5 occupied, and the 5 vacated the shutdown's 4200 closes caused.
    const counters = server.server.webhookMetrics.snapshot();
    assert.equal(counters.droppedEvents, 10);
    assert.equal(counters.sent, 0);
    assert.ok(logLines.some((line) => line['msg'] === 'webhook dropped (shutdown)'));
  });

  it('sends cache_miss once per empty cache channel, and subscription_count for apps that count', async () => {
    const { receiver, server } = await setup({
      apps: (target) => [
        { ...APP, subscriptionCount: true, webhooks: [{ url: target.url(), events: ['cache_miss', 'subscription_count'] }] },
      ],
    });
    const first = client(server).subscribe('cache-news');
    const second = client(server).subscribe('cache-news');
    await Promise.all([nextEvent(first, 'pusher:cache_miss'), nextEvent(second, 'pusher:cache_miss')]);
    await subscribed(client(server), 'counted');
    await receiver.event({ name: 'subscription_count', channel: 'counted' });
    await receiver.event({ name: 'cache_miss', channel: 'cache-news' });
    const marker = client(server).subscribe('cache-marker');
    await nextEvent(marker, 'pusher:cache_miss');
    await receiver.event({ name: 'cache_miss', channel: 'cache-marker' });
    const events = receiver.events();
    assert.equal(events.filter((event) => event['name'] === 'cache_miss' && event['channel'] === 'cache-news').length, 1, 'de-duplicated');
    assert.deepEqual(
      events.filter((event) => event['channel'] === 'counted'),
      [{ name: 'subscription_count', channel: 'counted', subscription_count: 1 }],
    );
    for (const request of receiver.requests) assert.equal(isValidWebhook(APP, request), true);
  });
});

/** Counters change after the receiver has answered; wait for the server to record it. */
async function eventuallyCounted(
  server: TestServer,
  condition: (counters: ReturnType<TestServer['server']['webhookMetrics']['snapshot']>) => boolean,
): Promise<void> {
  await eventually(() => condition(server.server.webhookMetrics.snapshot()), 'webhook counters');
}
