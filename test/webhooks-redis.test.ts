/**
 * Webhooks with the Redis-backed queue (redis.url set): what is queued survives a graceful
 * restart and a crash (kill -9), and is delivered by the next process on the same key prefix.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { startCli } from './helpers/cli.js';
import { clientFor, disconnect, subscribed } from './helpers/pusher.js';
import { deleteRedisKeys, REDIS_URL, sortedSetSize, uniqueRedisPrefix } from './helpers/redis.js';
import { APP, startServer, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/wait.js';
import { isValidWebhook, WebhookReceiver } from './helpers/webhook-receiver.js';

const WEBHOOKS = { batchWindowMs: 50, transitionDelayMs: 200, retryInitialDelayMs: 300, retryMaxDelayMs: 300, requestTimeoutMs: 2_000 };

describe('webhooks with the Redis-backed queue', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function fixture() {
    const prefix = uniqueRedisPrefix();
    cleanups.push(() => deleteRedisKeys(prefix));
    const receiver = await WebhookReceiver.start();
    cleanups.push(() => receiver.close());
    const config = {
      apps: [{ ...APP, webhooks: [{ url: receiver.url() }] }],
      redis: { url: REDIS_URL, keyPrefix: prefix },
      webhooks: WEBHOOKS,
    };
    const start = async (): Promise<TestServer> => {
      const server = await startServer(config);
      cleanups.push(() => server.close());
      return server;
    };
    return { prefix, receiver, config, start };
  }

  it('delivers, after a graceful restart, what the stopped server could not', async () => {
    const { receiver, start } = await fixture();
    receiver.answer = () => 503;
    const first = await start();
    const alice = clientFor(first, APP);
    cleanups.push(() => disconnect(alice));
    await subscribed(alice, 'survives');
    await receiver.until(() => receiver.requests.length >= 1);
    const attempted = receiver.requests[0];
    // The shutdown closes alice with 4200: her vacated transition is queued too.
    await first.close();
    const refusedBeforeRestart = receiver.requests.length;

    receiver.answer = () => 200;
    const second = await start();
    await receiver.until(() => receiver.requests.slice(refusedBeforeRestart).flatMap((request) => request.body.events).length === 2);
    const delivered = receiver.requests.slice(refusedBeforeRestart);
    assert.deepEqual(delivered.flatMap((request) => request.body.events).map((event) => event.name).sort(), ['channel_occupied', 'channel_vacated']);
    assert.ok(delivered.some((request) => request.rawBody === attempted?.rawBody), 'the very batch the first server tried');
    assert.ok(receiver.requests.every((request) => isValidWebhook(APP, request)));
    await eventually(() => second.server.webhookMetrics.snapshot().sent === delivered.length, 'counted as sent');
  });

  it('delivers, after a crash (kill -9), a batch that was waiting for its retry', async () => {
    const { prefix, receiver, config, start } = await fixture();
    receiver.answer = () => 503;
    const directory = await mkdtemp(join(tmpdir(), 'switchboard-webhooks-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const file = join(directory, 'config.json');
    await writeFile(file, JSON.stringify({ ...config, webhooks: { ...WEBHOOKS, retryInitialDelayMs: 2_000, retryMaxDelayMs: 2_000 } }));
    const cli = await startCli(['start', '--config', file, '--port', '0']);
    let killed = false;
    cleanups.push(async () => {
      if (!killed) cli.signal('SIGKILL');
      await cli.exited;
    });
    const crashing = { host: '127.0.0.1', port: cli.port } as TestServer;
    const alice = clientFor(crashing, APP);
    cleanups.push(() => disconnect(alice));
    await subscribed(alice, 'crash');
    await receiver.until(() => receiver.requests.length === 1);
    // Once the refused attempt is recorded in Redis as a delayed retry, the process dies.
    await eventually(async () => (await sortedSetSize(`${prefix}webhooks:deliveries:delayed`)) === 1, 'the retry is scheduled in Redis');
    cli.signal('SIGKILL');
    killed = true;
    assert.equal(await cli.exited, 'SIGKILL');

    receiver.answer = () => 200;
    await start();
    await receiver.until(() => receiver.requests.length === 2);
    const [refused, delivered] = receiver.requests;
    assert.ok(refused !== undefined && delivered !== undefined);
    assert.equal(delivered.rawBody, refused.rawBody);
    assert.deepEqual(delivered.body.events, [{ name: 'channel_occupied', channel: 'crash' }]);
    assert.equal(isValidWebhook(APP, delivered), true);
  });
});
