/**
 * Push notifications with the devices in PostgreSQL (storage.url postgres://, a schema of its own,
 * dropped after): the migration runs at boot, a device registers through the web SDK's requests,
 * the server SDK publishes to its interest and to its user, the local push service decrypts both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPushSetup, type PushSetup } from '../helpers/push-setup.js';
import { dropPostgresSchema, POSTGRES_URL, uniquePostgresSchema } from '../helpers/storage.js';

describe('push: devices in PostgreSQL', () => {
  const schema = uniquePostgresSchema('push_e2e');
  let setup: PushSetup;
  before(async () => {
    setup = await startPushSetup({ overrides: { storage: { url: POSTGRES_URL, schema } } });
  });
  after(async () => {
    await setup.close();
    await dropPostgresSchema(schema);
  });

  it('registers, publishes to an interest and to a user, deletes the user', async () => {
    const { device, subscription } = await setup.newDevice();
    assert.equal((await device.addDeviceInterest('pg')).status, 200);
    assert.equal((await device.setUserId(setup.beams.generateToken('pg-user').token)).status, 200);
    await setup.beams.publishToInterests(['pg'], { web: { notification: { title: 'to the interest' } } });
    await setup.beams.publishToUsers(['pg-user'], { web: { notification: { title: 'to the user' } } });
    await setup.service.until(() => setup.service.delivered(subscription.id).length === 2);
    const titles = setup.service.delivered(subscription.id).map((message) => (JSON.parse(message.text) as { notification: { title: string } }).notification.title);
    assert.deepEqual(titles.sort(), ['to the interest', 'to the user']);
    await setup.beams.deleteUser('pg-user');
    assert.equal((await device.getDevice()).status, 404);
  });
});
