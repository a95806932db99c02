/**
 * The PushStore contract, run against every implementation (test/push/push-store.test.ts: memory,
 * SQLite, PostgreSQL): devices per app, re-registration by endpoint, users and their device cap,
 * interests and their cap, the fan-out's paging (each device once, in id order), deletions, and
 * the VAPID key pair kept by the first writer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NewDevice, PushStore } from './push-store.js';

export interface PushStoreTarget {
  open(): Promise<PushStore>;
  close(): Promise<void>;
}

let counter = 0;
function newDevice(overrides: Partial<NewDevice> = {}): NewDevice {
  counter += 1;
  const id = `web-${String(counter).padStart(8, '0')}`;
  return { id, endpoint: `https://push.example/${id}`, p256dh: 'key', auth: 'auth', metadata: { sdkVersion: '2.1.0' }, createdAt: 1_000 + counter, ...overrides };
}

export function pushStoreContract(name: string, target: PushStoreTarget): void {
  describe(`PushStore contract: ${name}`, () => {
    let store: PushStore;
    before(async () => {
      store = await target.open();
    });
    after(() => target.close());

    it('keeps the first VAPID key pair of an app', async () => {
      assert.equal(await store.vapidKeys('vapid-app'), undefined);
      const first = await store.saveVapidKeys('vapid-app', { publicKey: 'p1', privateKey: 's1' });
      const second = await store.saveVapidKeys('vapid-app', { publicKey: 'p2', privateKey: 's2' });
      assert.deepEqual(first, { publicKey: 'p1', privateKey: 's1' });
      assert.deepEqual(second, first);
      assert.deepEqual(await store.vapidKeys('vapid-app'), first);
      assert.equal(await store.vapidKeys('other-app'), undefined);
    });

    it('registers devices per app; the same endpoint keeps its device with new keys', async () => {
      const device = newDevice();
      assert.equal(await store.registerDevice('a', device), device.id);
      assert.equal(await store.registerDevice('a', { ...newDevice(), endpoint: device.endpoint, p256dh: 'new-key' }), device.id);
      const stored = await store.device('a', device.id);
      assert.equal(stored?.p256dh, 'new-key');
      assert.deepEqual(stored.metadata, { sdkVersion: '2.1.0' });
      assert.equal(stored.userId, undefined);
      assert.equal(await store.device('b', device.id), undefined, 'scoped by app');
      const elsewhere = newDevice({ endpoint: device.endpoint });
      assert.equal(await store.registerDevice('b', elsewhere), elsewhere.id, 'the same endpoint in another app is another device');
    });

    it('users: set once, capped per user, deleted with their devices', async () => {
      const devices = [newDevice(), newDevice(), newDevice()];
      for (const device of devices) await store.registerDevice('u', device);
      const [one, two, three] = devices.map((device) => device.id) as [string, string, string];
      assert.equal(await store.setUser('u', one, 'jane', 2), 'ok');
      assert.equal(await store.setUser('u', one, 'jane', 2), 'ok');
      assert.equal(await store.setUser('u', one, 'bob', 2), 'other-user');
      assert.equal(await store.setUser('u', two, 'jane', 2), 'ok');
      assert.equal(await store.setUser('u', three, 'jane', 2), 'too-many-devices');
      assert.equal(await store.setUser('u', 'web-missing', 'jane', 2), 'not-found');
      await store.addInterest('u', one, 'news', 10);
      assert.deepEqual((await store.devicesForUsers('u', ['jane', 'nobody'], undefined, 10)).map((device) => device.id), [one, two]);
      assert.equal(await store.deleteUser('u', 'jane'), 2);
      assert.equal(await store.device('u', one), undefined);
      assert.deepEqual(await store.devicesForInterests('u', ['news'], undefined, 10), []);
      assert.equal((await store.device('u', three))?.userId, undefined);
    });

    it('interests: add (capped), remove, set, pages in name order', async () => {
      const device = newDevice();
      await store.registerDevice('i', device);
      assert.equal(await store.addInterest('i', device.id, 'b', 3), 'ok');
      assert.equal(await store.addInterest('i', device.id, 'a', 3), 'ok');
      assert.equal(await store.addInterest('i', device.id, 'c', 3), 'ok');
      assert.equal(await store.addInterest('i', device.id, 'a', 3), 'ok', 'present already');
      assert.equal(await store.addInterest('i', device.id, 'd', 3), 'too-many');
      assert.equal(await store.addInterest('i', 'web-missing', 'a', 3), 'not-found');
      assert.deepEqual(await store.interests('i', device.id, 2, undefined), { interests: ['a', 'b'], nextCursor: 'b' });
      assert.deepEqual(await store.interests('i', device.id, 2, 'b'), { interests: ['c'], nextCursor: undefined });
      assert.equal(await store.removeInterest('i', device.id, 'b'), true);
      assert.equal(await store.removeInterest('i', device.id, 'never'), true);
      assert.equal(await store.removeInterest('i', 'web-missing', 'a'), false);
      assert.equal(await store.setInterests('i', device.id, ['z', 'y']), true);
      assert.deepEqual(await store.interests('i', device.id, 10, undefined), { interests: ['y', 'z'], nextCursor: undefined });
      assert.equal(await store.setInterests('i', 'web-missing', ['z']), false);
      assert.equal(await store.interests('i', 'web-missing', 10, undefined), undefined);
      assert.equal(await store.setMetadata('i', device.id, { sdkVersion: '9' }), true);
      assert.deepEqual((await store.device('i', device.id))?.metadata, { sdkVersion: '9' });
      assert.equal(await store.setMetadata('i', 'web-missing', {}), false);
    });

    it('the fan-out reads each device of any of the interests once, in id order, page by page', async () => {
      const devices = Array.from({ length: 25 }, () => newDevice());
      for (const [index, device] of devices.entries()) {
        await store.registerDevice('f', device);
        if (index % 2 === 0) await store.addInterest('f', device.id, 'even', 100);
        if (index % 3 === 0) await store.addInterest('f', device.id, 'third', 100);
      }
      const expected = devices.filter((_, index) => index % 2 === 0 || index % 3 === 0).map((device) => device.id);
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.devicesForInterests('f', ['even', 'third', 'none'], after, 4);
        seen.push(...page.map((device) => device.id));
        if (page.length < 4) break;
        after = page[page.length - 1]?.id;
      }
      assert.deepEqual(seen, expected);
      const first = (await store.devicesForInterests('f', ['even'], undefined, 1))[0];
      assert.deepEqual(first, { id: devices[0]?.id, endpoint: devices[0]?.endpoint, p256dh: 'key', auth: 'auth' });
    });

    it('deleting a device removes its interests; deleting again says so', async () => {
      const device = newDevice();
      await store.registerDevice('d', device);
      await store.addInterest('d', device.id, 'x', 10);
      assert.equal(await store.deleteDevice('d', device.id), true);
      assert.equal(await store.deleteDevice('d', device.id), false);
      assert.deepEqual(await store.devicesForInterests('d', ['x'], undefined, 10), []);
      assert.equal(await store.registerDevice('d', { ...newDevice(), endpoint: device.endpoint }) !== device.id, true, 'the endpoint is free again');
    });
  });
}
