/**
 * Devices written straight into the storage, in batches: thousands of registrations through the
 * device API would test that API, not the delivery queue.
 */
import { randomUUID } from 'node:crypto';
import { PUSH_STORAGE, type PushTables } from '../../src/push/push-migrations.js';
import { openStorage } from '../../src/storage/database.js';
import { migrateStorage } from '../../src/storage/migrations.js';
import type { TestSubscription } from './push-service.js';

const BATCH = 500;

/** One web device per subscription, of app `appId`, each interested in `interest`. */
export async function writeDevices(storageUrl: string, appId: string, subscriptions: readonly TestSubscription[], interest = 'everyone'): Promise<void> {
  const storage = openStorage({ url: storageUrl, poolSize: 1, queryTimeoutMs: 10_000 }, () => undefined);
  try {
    await migrateStorage(storage, [PUSH_STORAGE]);
    const db = storage.tables<PushTables>();
    for (let index = 0; index < subscriptions.length; index += BATCH) {
      const rows = subscriptions.slice(index, index + BATCH).map((subscription) => ({
        app_id: appId,
        id: `web-${randomUUID()}`,
        endpoint: subscription.endpoint,
        p256dh: subscription.keys.p256dh,
        auth: subscription.keys.auth,
        user_id: null,
        metadata: '{}',
        created_at: Date.now(),
      }));
      await db.insertInto('push_devices').values(rows).execute();
      await db.insertInto('push_interests').values(rows.map((row) => ({ app_id: appId, interest, device_id: row.id }))).execute();
    }
  } finally {
    await storage.close();
  }
}
