/**
 * The Redis queue loses nothing when the server restarts in the middle of a publish to 10,000
 * devices: the first server is shut down (gracefully) once part of the devices have their
 * message, a second server on the same Redis prefix and database delivers the rest. Every device
 * receives the message (decrypted by the local push service with its own key); a message sent
 * twice (a request cut at the shutdown deadline) is counted and bounded, never silent.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeDevices } from '../helpers/push-devices.js';
import { beamsClient } from '../helpers/push-setup.js';
import { LocalPushService } from '../helpers/push-service.js';
import { deleteRedisKeys, REDIS_URL, uniqueRedisPrefix } from '../helpers/redis.js';
import { APP, startServer, type TestServer } from '../helpers/server.js';

const DEVICES = 10_000;

describe('push: Redis queue across a restart', () => {
  const prefix = uniqueRedisPrefix();
  after(() => deleteRedisKeys(prefix));

  it(`a restart in the middle of a publish to ${DEVICES} devices loses none`, async () => {
    const directory = await mkdtemp(join(tmpdir(), 'sb-push-restart-'));
    const url = `sqlite:${join(directory, 'switchboard.db')}`;
    const service = await LocalPushService.start();
    const start = (): Promise<TestServer> =>
      startServer({
        storage: { url },
        redis: { url: REDIS_URL, keyPrefix: prefix },
        // Encryption on a worker thread (none by default on 2 cores): the pool is shut down mid-publish too.
        push: { enabled: true, allowHttpEndpoints: true, retryInitialDelayMs: 50, encryptionThreads: 1 },
        shutdownGracePeriod: 5,
      });
    let first: TestServer | undefined = await start();
    let second: TestServer | undefined;
    try {
      const key = (await (await fetch(`${first.httpUrl}/device_api/v1/instances/${APP.id}/web-vapid-public-key`)).json()) as { vapidPublicKey: string };
      const t0 = performance.now();
      const subscriptions = Array.from({ length: DEVICES }, () => service.subscribe(key.vapidPublicKey));
      await writeDevices(url, APP.id, subscriptions);
      console.log(`devices written in ${(performance.now() - t0).toFixed(0)} ms`);

      const startedAt = performance.now();
      const { publishId } = await beamsClient(first).publishToInterests(['everyone'], { web: { notification: { title: 'restart' } } });
      const publishMs = performance.now() - startedAt;
      await service.until(() => service.deliveredCount >= DEVICES / 5);
      const beforeRestart = service.deliveredCount;
      await first.close();
      first = undefined;
      const duringRestart = service.deliveredCount;
      assert.ok(duringRestart < DEVICES, `the first server had not delivered everything (${duringRestart})`);

      second = await start();
      const t1 = performance.now();
      await service.until(() => service.reachedCount === DEVICES);
      assert.ok(subscriptions.every((subscription) => service.delivered(subscription.id).length >= 1));
      console.log(`second server delivered the rest in ${(performance.now() - t1).toFixed(0)} ms`);
      const duplicates = subscriptions.reduce((sum, subscription) => sum + service.delivered(subscription.id).length - 1, 0);
      for (const subscription of subscriptions.slice(0, 50)) {
        const message = JSON.parse(service.delivered(subscription.id)[0]?.text ?? '') as { data: { pusher: { publishId: string } } };
        assert.equal(message.data.pusher.publishId, publishId);
      }
      // At a shutdown no new request starts; only requests cut at its deadline (at most
      // push.concurrency, 256, in flight) can be sent again.
      assert.ok(duplicates <= 256, `${duplicates} duplicates`);
      const status = (await (await fetch(`${second.httpUrl}/publish_api/v1/instances/${APP.id}/publishes/${publishId}`, { headers: { authorization: `Bearer ${APP.secret}` } })).json()) as {
        targeted: number;
        delivered: number;
      };
      assert.equal(status.targeted, DEVICES);
      assert.ok(status.delivered >= DEVICES);
      console.log(`publish answered in ${publishMs.toFixed(0)} ms; ${beforeRestart} delivered before the restart, ${duringRestart} by its end; ${duplicates} sent twice`);
    } finally {
      await first?.close();
      await second?.close();
      await service.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
