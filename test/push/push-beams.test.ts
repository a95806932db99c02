/**
 * Push notifications end to end with the real parts: the unmodified Beams server SDK
 * (@pusher/push-notifications-server, pointed at Switchboard with `endpoint`) publishes, mints user
 * tokens and deletes users; the web SDK's exact device requests register browsers whose
 * subscriptions live in the strict local push service, which checks VAPID and decrypts every
 * message with the browser's private key.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { APP } from '../helpers/server.js';
import { beamsClient, startPushSetup, type PushSetup } from '../helpers/push-setup.js';

interface Delivered {
  notification?: Record<string, unknown>;
  data: Record<string, unknown> & { pusher: { instanceId: string; publishId: string; hasDisplayableContent: boolean; hasData: boolean } };
}

describe('push: the Beams SDKs against Switchboard', () => {
  let setup: PushSetup;
  before(async () => {
    setup = await startPushSetup();
  });
  after(() => setup.close());

  it('publishToInterests reaches the devices of any of the interests, once each, encrypted and VAPID-signed', async () => {
    const { device: first, subscription: firstSub } = await setup.newDevice();
    const { device: second, subscription: secondSub } = await setup.newDevice();
    const { device: third, subscription: thirdSub } = await setup.newDevice();
    assert.match(first.deviceId ?? '', /^web-[0-9a-f-]{36}$/);
    assert.equal((await first.addDeviceInterest('donuts')).status, 200);
    assert.equal((await first.addDeviceInterest('bagels')).status, 200);
    assert.equal((await second.setDeviceInterests(['bagels', 'hello=world@x,y.z;_-'])).status, 200);
    assert.equal((await third.addDeviceInterest('muffins')).status, 200);

    const answer = await setup.beams.publishToInterests(['donuts', 'bagels'], {
      web: { notification: { title: 'Hello', body: 'Hello, world!', deep_link: 'https://example.com/x' }, data: { kind: 'greeting' } },
    });
    assert.match(answer.publishId, /^pubid-[0-9a-f-]{36}$/);
    await setup.service.until(() => setup.service.delivered(firstSub.id).length === 1 && setup.service.delivered(secondSub.id).length === 1);
    const message = JSON.parse(setup.service.delivered(firstSub.id)[0]?.text ?? '') as Delivered;
    assert.deepEqual(message.notification, { title: 'Hello', body: 'Hello, world!', deep_link: 'https://example.com/x' });
    assert.equal(message.data['kind'], 'greeting');
    assert.deepEqual(message.data.pusher, { instanceId: APP.id, publishId: answer.publishId, hasDisplayableContent: true, hasData: true });
    const received = setup.service.delivered(firstSub.id)[0];
    assert.equal(received?.ttlSeconds !== undefined && received.ttlSeconds > 2_419_000, true, 'default time_to_live is 28 days');
    assert.equal(received?.vapidSubject, 'mailto:push@switchboard.invalid');

    // The status by publish id: two devices targeted (the third has neither interest), both delivered.
    const status = await fetch(`${setup.server.httpUrl}/publish_api/v1/instances/${APP.id}/publishes/${answer.publishId}`, { headers: { authorization: `Bearer ${APP.secret}` } });
    assert.deepEqual(await status.json(), {
      publishId: answer.publishId,
      createdAt: (await statusCreatedAt(setup, answer.publishId)),
      state: 'done',
      targeted: 2,
      delivered: 2,
      failed: 0,
      expired: 0,
      removed: 0,
      acknowledged: 0,
      opened: 0,
    });
    assert.equal(setup.service.delivered(thirdSub.id).length, 0);

    // The service worker's delivery and open reports count on the status.
    assert.equal((await first.report('delivery', answer.publishId, null)).status, 200);
    assert.equal((await first.report('open', answer.publishId, null)).status, 200);
    const reported = (await (await fetch(`${setup.server.httpUrl}/publish_api/v1/instances/${APP.id}/publishes/${answer.publishId}`, { headers: { authorization: `Bearer ${APP.secret}` } })).json()) as Record<string, number>;
    assert.equal(reported['acknowledged'], 1);
    assert.equal(reported['opened'], 1);
  });

  it('device interests: add, remove, get in pages, set (5000 at most)', async () => {
    const { device } = await setup.newDevice();
    await device.setDeviceInterests(['c', 'a', 'b']);
    await device.addDeviceInterest('d');
    await device.removeDeviceInterest('a');
    assert.deepEqual((await device.getDeviceInterests()).body, { interests: ['b', 'c', 'd'], responseMetadata: {} });
    assert.deepEqual((await device.getDeviceInterests(2)).body, { interests: ['b', 'c'], responseMetadata: { nextCursor: 'c' } });
    assert.deepEqual((await device.getDeviceInterests(2, 'c')).body, { interests: ['d'], responseMetadata: {} });
    const many = Array.from({ length: 5000 }, (_, index) => `i${index}`);
    assert.equal((await device.setDeviceInterests(many)).status, 200);
    const over = await device.addDeviceInterest('one-too-many');
    assert.equal(over.status, 422);
    assert.equal((over.body as { code: string }).code, 'SB_PUSH_TOO_MANY_INTERESTS');
    assert.equal((await device.setDeviceInterests([...many, 'x'])).status, 422);
    assert.equal((await device.addDeviceInterest('i42')).status, 200, 'an interest the device has is fine');
    assert.equal((await device.updateMetadata()).status, 200);
  });

  it('publishToUsers reaches the devices a user token was set on; deleteUser removes them', async () => {
    const { device: phone, subscription: phoneSub } = await setup.newDevice();
    const { device: laptop, subscription: laptopSub } = await setup.newDevice();
    const { token } = setup.beams.generateToken('user-jane');
    assert.equal((await phone.setUserId(token)).status, 200);
    assert.equal((await laptop.setUserId(token)).status, 200);
    assert.equal((await phone.getDevice()).status, 200);
    assert.equal(((await phone.getDevice()).body as { userId: string }).userId, 'user-jane');

    const { publishId } = await setup.beams.publishToUsers(['user-jane', 'user-nobody'], { web: { notification: { title: 'For Jane' } } });
    await setup.service.until(() => setup.service.delivered(phoneSub.id).length === 1 && setup.service.delivered(laptopSub.id).length === 1);
    const message = JSON.parse(setup.service.delivered(laptopSub.id)[0]?.text ?? '') as Delivered;
    assert.equal(message.data.pusher.publishId, publishId);
    assert.equal(message.data.pusher.hasData, false);

    // Another user's token cannot take the device; the same user's can be set again.
    assert.equal((await phone.setUserId(setup.beams.generateToken('user-bob').token)).status, 422);
    assert.equal((await phone.setUserId(token)).status, 200);

    await setup.beams.deleteUser('user-jane');
    assert.equal((await phone.getDevice()).status, 404);
    assert.equal((await laptop.getDevice()).status, 404);
  });

  it('user tokens: forged, expired, for another instance or missing are refused with 401', async () => {
    const { device } = await setup.newDevice();
    const forged = beamsClient(setup.server, 'not-the-secret').generateToken('mallory').token;
    const otherInstance = beamsClient(setup.server, APP.secret, 'another-instance').generateToken('mallory').token;
    const expired = signedToken({ sub: 'mallory', exp: Math.floor(Date.now() / 1000) - 10, iss: `https://${APP.id}.pushnotifications.pusher.com` });
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"mallory","exp":9999999999}').toString('base64url')}.`;
    for (const token of [forged, otherInstance, expired, none, 'garbage']) {
      const answer = await device.setUserId(token);
      assert.equal(answer.status, 401, token);
      assert.equal((answer.body as { code: string }).code, 'SB_PUSH_INVALID_TOKEN');
    }
    assert.equal(((await device.getDevice()).body as { userId: string }).userId, '');
  });

  it('stop(): the device is deleted, and deleting again is fine', async () => {
    const { device } = await setup.newDevice();
    assert.equal((await device.deleteDevice()).status, 200);
    assert.equal((await device.getDevice()).status, 404);
    assert.equal((await device.deleteDevice()).status, 200);
    assert.equal((await device.addDeviceInterest('x')).status, 404);
  });

  it('the same subscription registered again keeps its device', async () => {
    const { device, subscription } = await setup.newDevice();
    await device.addDeviceInterest('kept');
    const again = await device.register(subscription);
    assert.equal((again.body as { id: string }).id, device.deviceId);
    assert.deepEqual((await device.getDeviceInterests()).body, { interests: ['kept'], responseMetadata: {} });
  });

  it('the VAPID key pair is made once per app and kept', async () => {
    const { device } = await setup.newDevice();
    const first = await device.vapidPublicKey();
    const second = await device.vapidPublicKey();
    assert.deepEqual(first.body, second.body);
    const key = Buffer.from((first.body as { vapidPublicKey: string }).vapidPublicKey, 'base64url');
    assert.equal(key.length, 65);
    assert.equal(key[0], 4);
  });
});

async function statusCreatedAt(setup: PushSetup, publishId: string): Promise<number> {
  const response = await fetch(`${setup.server.httpUrl}/publish_api/v1/instances/${APP.id}/publishes/${publishId}`, { headers: { authorization: `Bearer ${APP.secret}` } });
  return ((await response.json()) as { createdAt: number }).createdAt;
}

function signedToken(claims: Record<string, unknown>): string {
  return beamsJwt(claims, APP.secret);
}

function beamsJwt(claims: Record<string, unknown>, secret: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${header}.${body}.${createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url')}`;
}
