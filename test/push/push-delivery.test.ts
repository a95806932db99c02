/**
 * Delivery against the strict local push service's answers: 429 with Retry-After and 5xx are
 * retried (after Retry-After), 404 and 410 remove the device at once, other refusals fail for
 * good, retries stop when time_to_live runs out; Urgency and Topic reach the push service, which
 * replaces a waiting message by Topic and expires it by TTL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APP } from '../helpers/server.js';
import { startPushSetup, type PushSetup } from '../helpers/push-setup.js';
import { scrape, valueOf } from '../helpers/metrics.js';
import { eventually } from '../helpers/wait.js';

interface Status {
  state: string;
  targeted: number;
  delivered: number;
  failed: number;
  expired: number;
  removed: number;
}

async function statusOf(setup: PushSetup, publishId: string): Promise<Status> {
  const response = await fetch(`${setup.server.httpUrl}/publish_api/v1/instances/${APP.id}/publishes/${publishId}`, { headers: { authorization: `Bearer ${APP.secret}` } });
  return (await response.json()) as Status;
}

/** The status once every device has an outcome (the status has no event to await: polled). */
async function settled(setup: PushSetup, publishId: string): Promise<Status> {
  await eventually(async () => (await statusOf(setup, publishId)).state === 'done', `publish ${publishId} done`);
  return statusOf(setup, publishId);
}

describe('push: delivery outcomes', () => {
  let setup: PushSetup;
  let pushServiceNow = Date.now();
  before(async () => {
    setup = await startPushSetup({ now: () => pushServiceNow, push: { retryInitialDelayMs: 50, retryMaxDelayMs: 200 } });
  });
  after(() => setup.close());

  it('429 with Retry-After and 503 are retried, after Retry-After; then delivered', async () => {
    const { device, subscription } = await setup.newDevice();
    await device.addDeviceInterest('retry');
    setup.service.script(subscription.id, { status: 429, retryAfterSeconds: 1 }, { status: 503 });
    const { publishId } = await setup.beams.publishToInterests(['retry'], { web: { notification: { title: 'again' } } });
    await setup.service.until(() => setup.service.delivered(subscription.id).length === 1);
    const attempts = setup.service.attempts.filter((attempt) => attempt.subscriptionId === subscription.id);
    assert.deepEqual(attempts.map((attempt) => attempt.status), [429, 503, 201]);
    const status = await settled(setup, publishId);
    assert.deepEqual([status.targeted, status.delivered, status.failed, status.expired, status.removed], [1, 1, 0, 0, 0]);
  });

  it('Retry-After is honoured: the second attempt waits for it', async () => {
    const { device, subscription } = await setup.newDevice();
    await device.addDeviceInterest('wait');
    setup.service.script(subscription.id, { status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    await setup.beams.publishToInterests(['wait'], { web: { notification: { title: 'patience' } } });
    await setup.service.until(() => setup.service.delivered(subscription.id).length === 1);
    assert.ok(Date.now() - started >= 1_000, `delivered after ${Date.now() - started} ms`);
  });

  it('410 and 404 remove the device at once; 413 fails without a retry', async () => {
    const { device: gone, subscription: goneSub } = await setup.newDevice();
    const { device: missing, subscription: missingSub } = await setup.newDevice();
    const { device: refused, subscription: refusedSub } = await setup.newDevice();
    for (const device of [gone, missing, refused]) await device.addDeviceInterest('cleanup');
    setup.service.unsubscribe(goneSub.id);
    setup.service.script(missingSub.id, { status: 404 });
    setup.service.script(refusedSub.id, { status: 413 });
    const { publishId } = await setup.beams.publishToInterests(['cleanup'], { web: { notification: { title: 'bye' } } });
    const status = await settled(setup, publishId);
    assert.equal(status.removed, 2);
    assert.equal(status.failed, 1);
    assert.equal((await gone.getDevice()).status, 404);
    assert.equal((await missing.getDevice()).status, 404);
    assert.equal((await refused.getDevice()).status, 200);
    assert.equal(setup.service.attempts.filter((attempt) => attempt.subscriptionId === refusedSub.id).length, 1);
    const { samples } = await scrape(`http://127.0.0.1:${setup.server.server.adminAddress?.port ?? 0}`, setup.server.server.config.admin.token);
    assert.ok(valueOf(samples, 'switchboard_push_notifications_total', { outcome: 'removed' }) >= 2);
    assert.ok(valueOf(samples, 'switchboard_push_notifications_total', { outcome: 'failed' }) >= 1);
    assert.ok(valueOf(samples, 'switchboard_push_publishes_total') >= 1);
  });

  it('retries stop when time_to_live runs out: expired', async () => {
    const { device, subscription } = await setup.newDevice();
    await device.addDeviceInterest('short');
    setup.service.script(subscription.id, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    const { publishId } = await setup.beams.publishToInterests(['short'], { web: { notification: { title: 'soon stale' }, time_to_live: 1 } });
    const status = await settled(setup, publishId);
    assert.equal(status.expired, 1);
    assert.equal(status.delivered, 0);
    assert.equal(setup.service.delivered(subscription.id).length, 0);
    const attempts = setup.service.attempts.filter((attempt) => attempt.subscriptionId === subscription.id);
    assert.ok(attempts.length >= 2 && attempts.length <= 10, `${attempts.length} attempts within one second`);
    assert.ok(attempts.every((attempt) => Number(attempt.headers['ttl']) <= 1));
  });

  it('time_to_live 0 is sent once, "now or never", and never retried', async () => {
    const { device, subscription } = await setup.newDevice();
    const { device: busy, subscription: busySub } = await setup.newDevice();
    await device.addDeviceInterest('now');
    await busy.addDeviceInterest('now');
    setup.service.script(busySub.id, { status: 503 });
    const { publishId } = await setup.beams.publishToInterests(['now'], { web: { notification: { title: 'now' }, time_to_live: 0 } });
    const status = await settled(setup, publishId);
    assert.deepEqual([status.delivered, status.expired], [1, 1]);
    assert.equal(setup.service.delivered(subscription.id)[0]?.ttlSeconds, 0);
    assert.equal(setup.service.attempts.filter((attempt) => attempt.subscriptionId === busySub.id).length, 1);
  });

  it('Urgency and Topic reach the push service; a later message of a topic replaces a waiting one; TTL expires it', async () => {
    const { device, subscription } = await setup.newDevice();
    await device.addDeviceInterest('scores');
    setup.service.goOffline(subscription.id);
    const publishScore = (score: string, ttl: number) =>
      fetch(`${setup.server.httpUrl}/publish_api/v1/instances/${APP.id}/publishes/interests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${APP.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ interests: ['scores'], web: { notification: { title: score }, urgency: 'high', topic: 'match-42', time_to_live: ttl } }),
      });
    assert.equal((await publishScore('1-0', 60)).status, 200);
    await setup.service.until(() => setup.service.pending(subscription.id).length === 1);
    assert.equal((await publishScore('2-0', 60)).status, 200);
    await setup.service.until(() => setup.service.attempts.filter((attempt) => attempt.subscriptionId === subscription.id).length === 2);
    assert.equal(setup.service.pending(subscription.id).length, 1);
    const received = setup.service.goOnline(subscription.id);
    assert.equal(received.length, 1);
    assert.equal((JSON.parse(received[0]?.text ?? '') as { notification: { title: string } }).notification.title, '2-0');
    assert.equal(received[0]?.urgency, 'high');
    assert.equal(received.at(0)?.topic, 'match-42');

    setup.service.goOffline(subscription.id);
    assert.equal((await publishScore('3-0', 5)).status, 200);
    await setup.service.until(() => setup.service.pending(subscription.id).length === 1);
    pushServiceNow += 6_000;
    assert.deepEqual(setup.service.goOnline(subscription.id), [], 'expired after its TTL');
  });
});
