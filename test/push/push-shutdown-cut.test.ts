/**
 * A graceful shutdown whose grace period runs out while requests to the push service hang (a
 * real process, SIGTERM): the requests are cut and the running job hands back the devices whose
 * answer did not arrive, and that is recorded in Redis before the process exits. The next process
 * sends again exactly the devices whose requests were cut (at most push.concurrency) and never
 * runs the whole batch again, so the devices answered before the shutdown get the message once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { writeDevices } from '../helpers/push-devices.js';
import { beamsClient } from '../helpers/push-setup.js';
import { LocalPushService } from '../helpers/push-service.js';
import { deleteRedisKeys, REDIS_URL, uniqueRedisPrefix } from '../helpers/redis.js';
import { APP, startServer, type TestServer } from '../helpers/server.js';

const DEVICES = 300;
const CONCURRENCY = 4;
/** Requests answered before the push service holds every answer (within the first batch of 100). */
const ANSWERED = 50;

describe('push: a shutdown that cuts requests in flight', () => {
  const prefix = uniqueRedisPrefix();
  after(() => deleteRedisKeys(prefix));

  it('the next process sends again only the devices whose requests were cut', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'sb-push-cut-'));
    const url = `sqlite:${join(directory, 'switchboard.db')}`;
    const service = await LocalPushService.start();
    const config = {
      apps: [APP],
      storage: { url },
      redis: { url: REDIS_URL, keyPrefix: prefix },
      // One job at a time, four requests at a time, encryption inline: the first batch is the one cut.
      push: { enabled: true, allowHttpEndpoints: true, concurrency: CONCURRENCY, jobConcurrency: 1, encryptionThreads: 0, retryInitialDelayMs: 50 },
      shutdownGracePeriod: 1,
    };
    const configFile = join(directory, 'config.json');
    await writeFile(configFile, JSON.stringify(config));
    let first: RunningCli | undefined = await startCli(['start', '--port', '0', '--workers', '1', '--config', configFile]);
    let second: TestServer | undefined;
    try {
      const origin = `http://127.0.0.1:${first.port}`;
      const key = (await (await fetch(`${origin}/device_api/v1/instances/${APP.id}/web-vapid-public-key`)).json()) as { vapidPublicKey: string };
      const subscriptions = Array.from({ length: DEVICES }, () => service.subscribe(key.vapidPublicKey));
      await writeDevices(url, APP.id, subscriptions);

      service.holdAnswersAfter(ANSWERED);
      await beamsClient({ host: '127.0.0.1', port: first.port }).publishToInterests(['everyone'], { web: { notification: { title: 'cut' } } });
      await service.until(() => service.heldCount === CONCURRENCY);
      // Every slot now waits for an answer that will not come before the grace period runs out.
      first.signal('SIGTERM');
      assert.equal(await first.exited, 0);
      first = undefined;
      assert.equal(service.deliveredCount, ANSWERED + CONCURRENCY, 'nothing was sent after the held requests');

      service.answerAll();
      second = await startServer(config);
      await service.until(() => service.reachedCount === DEVICES);
      const sentTwice = subscriptions.filter((subscription) => service.delivered(subscription.id).length > 1).length;
      assert.equal(sentTwice, CONCURRENCY, `${sentTwice} devices got the message twice`);
      assert.ok(subscriptions.every((subscription) => service.delivered(subscription.id).length <= 2));
    } finally {
      first?.signal('SIGKILL');
      await first?.exited;
      await second?.close();
      await service.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
