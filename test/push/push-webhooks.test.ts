/**
 * Beams' webhooks, received by a real HTTP endpoint that checks them as Beams' docs tell a backend
 * to: `Webhook-Signature`, the hex HMAC-SHA1 of the raw body with the secret (here the instance's
 * secret key). A publish to users sends v1.PublishToUsersAttempt once it is over (users reached,
 * without devices, failed); the service worker's delivery and open reports from a device that has
 * a user send v1.UserNotificationAcknowledgement and v1.UserNotificationOpen. A failed request is
 * retried with the same event id. On memory and on Redis (where the attempt is sent once).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startPushSetup, type PushSetup } from '../helpers/push-setup.js';
import { deleteRedisKeys, REDIS_URL, uniqueRedisPrefix } from '../helpers/redis.js';
import { APP } from '../helpers/server.js';
import { WebhookReceiver, type ReceivedWebhook } from '../helpers/webhook-receiver.js';
import { scrape, valueOf } from '../helpers/metrics.js';

interface BeamsWebhook {
  payload: Record<string, unknown>;
  metadata: { created_at: string; event_type: string; event_id: string; product: string };
  custom_data: Record<string, unknown>;
}

function bodyOf(request: ReceivedWebhook): BeamsWebhook {
  return JSON.parse(request.rawBody) as BeamsWebhook;
}

/** The check from Beams' docs (HMAC-SHA1 of the raw body, hex, in Webhook-Signature). */
function signatureValid(request: ReceivedWebhook, secret: string): boolean {
  return createHmac('sha1', secret).update(request.rawBody).digest('hex') === request.headers['webhook-signature'];
}

function received(receiver: WebhookReceiver, path: string, type: string): ReceivedWebhook[] {
  return receiver.requests.filter((request) => request.path === path && bodyOf(request).metadata.event_type === type);
}

async function userDevice(setup: PushSetup, userId: string) {
  const made = await setup.newDevice();
  assert.equal((await made.device.setUserId(setup.beams.generateToken(userId).token)).status, 200);
  return made;
}

function suite(name: string, redis: boolean): void {
  describe(`push: Beams webhooks (${name})`, () => {
    let receiver: WebhookReceiver;
    let setup: PushSetup;
    const prefix = uniqueRedisPrefix();
    before(async () => {
      receiver = await WebhookReceiver.start();
      setup = await startPushSetup({
        overrides: {
          apps: [
            {
              ...APP,
              pushWebhooks: [
                { url: receiver.url('/beams'), customData: { env: 'test' } },
                { url: receiver.url('/opens'), events: ['v1.UserNotificationOpen'] },
              ],
            },
          ],
          webhooks: { retryInitialDelayMs: 50, retryMaxDelayMs: 100 },
          ...(redis ? { redis: { url: REDIS_URL, keyPrefix: prefix } } : {}),
        },
      });
    });
    after(async () => {
      await setup.close();
      await receiver.close();
      if (redis) await deleteRedisKeys(prefix);
    });

    it('a publish to users sends v1.PublishToUsersAttempt once, signed, retried with the same event id', async () => {
      const jane = await userDevice(setup, 'user-jane');
      const janeRefused = await userDevice(setup, 'user-jane');
      const bob = await userDevice(setup, 'user-bob');
      setup.service.script(janeRefused.subscription.id, { status: 413 });
      setup.service.script(bob.subscription.id, { status: 413 });
      // The first request fails: the retry must carry the same body and request id.
      let failedOnce = false;
      receiver.answer = (request) => {
        if (failedOnce || bodyOf(request).metadata.event_type !== 'v1.PublishToUsersAttempt') return 200;
        failedOnce = true;
        return 500;
      };
      const { publishId } = await setup.beams.publishToUsers(['user-jane', 'user-bob', 'user-carol'], { web: { notification: { title: 'hi' } } });
      await receiver.until(() => received(receiver, '/beams', 'v1.PublishToUsersAttempt').length === 2);
      const [first, retry] = received(receiver, '/beams', 'v1.PublishToUsersAttempt');
      assert.ok(first !== undefined && retry !== undefined);
      assert.equal(retry.rawBody, first.rawBody);
      assert.equal(retry.headers['webhook-request-id-uuid'], first.headers['webhook-request-id-uuid']);
      assert.ok(signatureValid(retry, APP.secret));
      assert.ok(!signatureValid(retry, 'another-secret'));
      assert.equal(retry.headers['content-type'], 'application/json');
      assert.equal(retry.headers['user-agent'], 'pusher-webhooks');
      assert.equal(retry.headers['webhook-event-type'], 'v1.PublishToUsersAttempt');
      assert.match(String(retry.headers['webhook-id-uuid']), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const body = bodyOf(retry);
      assert.deepEqual(body.payload, {
        instance_id: APP.id,
        publish_id: publishId,
        users_delivered_to_gateway: ['user-jane'],
        users_no_devices: ['user-carol'],
        users_gateway_failed: ['user-bob'],
      });
      assert.equal(body.metadata.event_type, 'v1.PublishToUsersAttempt');
      assert.equal(body.metadata.product, 'beams');
      assert.equal(body.metadata.event_id, retry.headers['webhook-request-id-uuid']);
      assert.match(body.metadata.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
      assert.deepEqual(body.custom_data, { env: 'test' });
      assert.equal(setup.service.delivered(jane.subscription.id).length, 1);
      // Filtered out on the endpoint that takes opens only; and sent once, not per deliver job.
      assert.equal(received(receiver, '/opens', 'v1.PublishToUsersAttempt').length, 0);
      const again = await setup.beams.publishToUsers(['user-carol'], { web: { notification: { title: 'nobody' } } });
      await receiver.until(() => received(receiver, '/beams', 'v1.PublishToUsersAttempt').some((request) => bodyOf(request).payload['publish_id'] === again.publishId));
      assert.equal(received(receiver, '/beams', 'v1.PublishToUsersAttempt').filter((request) => bodyOf(request).payload['publish_id'] === publishId).length, 2);
      const { samples } = await scrape(`http://127.0.0.1:${setup.server.server.adminAddress?.port ?? 0}`, setup.server.server.config.admin.token);
      assert.ok(valueOf(samples, 'switchboard_push_webhooks_total', { outcome: 'retried' }) >= 1);
      assert.ok(valueOf(samples, 'switchboard_push_webhooks_total', { outcome: 'sent' }) >= 2);
    });

    it('delivery and open reports from a user device send acknowledgement and open, with the device user', async () => {
      receiver.answer = () => 200;
      const { device } = await userDevice(setup, 'user-dana');
      const anonymous = await setup.newDevice();
      await anonymous.device.addDeviceInterest('news');
      const { publishId } = await setup.beams.publishToUsers(['user-dana'], { web: { notification: { title: 'read me' } } });
      // A device without a user reports too: Beams sends these for authenticated users only.
      assert.equal((await anonymous.device.report('delivery', publishId, null)).status, 200);
      // The user is the device's, not the one the report names.
      assert.equal((await device.report('delivery', publishId, 'user-mallory')).status, 200);
      assert.equal((await device.report('open', publishId, 'user-dana')).status, 200);
      await receiver.until(() => received(receiver, '/beams', 'v1.UserNotificationOpen').length === 1 && received(receiver, '/opens', 'v1.UserNotificationOpen').length === 1);
      await receiver.until(() => received(receiver, '/beams', 'v1.UserNotificationAcknowledgement').length === 1);
      const [ack] = received(receiver, '/beams', 'v1.UserNotificationAcknowledgement');
      const [open] = received(receiver, '/opens', 'v1.UserNotificationOpen');
      assert.ok(ack !== undefined && open !== undefined);
      assert.deepEqual(bodyOf(ack).payload, { instance_id: APP.id, publish_id: publishId, user_id: 'user-dana' });
      assert.deepEqual(bodyOf(open).payload, { instance_id: APP.id, publish_id: publishId, user_id: 'user-dana' });
      assert.deepEqual(bodyOf(open).custom_data, {});
      assert.ok(signatureValid(ack, APP.secret) && signatureValid(open, APP.secret));
      assert.equal(ack.headers['webhook-event-type'], 'v1.UserNotificationAcknowledgement');
      assert.notEqual(ack.headers['webhook-id-uuid'], open.headers['webhook-id-uuid']);
      assert.equal(received(receiver, '/opens', 'v1.UserNotificationAcknowledgement').length, 0);
    });
  });
}

suite('memory', false);
suite('Redis', true);
