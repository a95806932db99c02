/**
 * PushStore on the storage layer (SQLite or PostgreSQL, see push-store.ts and
 * push-migrations.ts). Every call is bounded by the storage's query timeout (an unreachable
 * database fails as StorageUnavailableError, answered 503). Writes that check before they change
 * (a user's device count, a device's interest count) run in one transaction; under concurrent
 * calls for the same user the device cap is soft (it may be passed by the number of racing calls).
 */
import type { Kysely, Transaction } from 'kysely';
import { bounded } from '../storage/bounded.js';
import type { Storage } from '../storage/database.js';
import { isUniqueViolation } from '../storage/storage-errors.js';
import type { PushTables } from './push-migrations.js';
import type { AddInterestResult, Device, DeviceTarget, InterestPage, NewDevice, PushStore, SetUserResult, VapidKeyPair } from './push-store.js';

/** Rows per insert statement (3 parameters each: well under SQLite's and PostgreSQL's limits). */
const INSERT_CHUNK = 500;

export class SqlPushStore implements PushStore {
  readonly #storage: Storage;
  readonly #db: Kysely<PushTables>;
  readonly #now: () => number;

  constructor(storage: Storage, now: () => number = Date.now) {
    this.#storage = storage;
    this.#db = storage.tables<PushTables>();
    this.#now = now;
  }

  #run<T>(work: (db: Kysely<PushTables>) => Promise<T>): Promise<T> {
    return bounded(this.#storage, () => work(this.#db));
  }

  #transaction<T>(work: (trx: Transaction<PushTables>) => Promise<T>): Promise<T> {
    return bounded(this.#storage, () => this.#db.transaction().execute(work));
  }

  vapidKeys(appId: string): Promise<VapidKeyPair | undefined> {
    return this.#run(async (db) => {
      const row = await db.selectFrom('push_vapid_keys').select(['public_key', 'private_key']).where('app_id', '=', appId).executeTakeFirst();
      return row === undefined ? undefined : { publicKey: row.public_key, privateKey: row.private_key };
    });
  }

  async saveVapidKeys(appId: string, keys: VapidKeyPair): Promise<VapidKeyPair> {
    try {
      await this.#run((db) =>
        db.insertInto('push_vapid_keys').values({ app_id: appId, public_key: keys.publicKey, private_key: keys.privateKey, created_at: this.#now() }).execute(),
      );
      return keys;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Another node stored a pair first: that one is the app's.
      const stored = await this.vapidKeys(appId);
      if (stored === undefined) throw error;
      return stored;
    }
  }

  async registerDevice(appId: string, device: NewDevice): Promise<string> {
    const register = (): Promise<string> =>
      this.#transaction(async (trx) => {
        const existing = await trx.selectFrom('push_devices').select('id').where('app_id', '=', appId).where('endpoint', '=', device.endpoint).executeTakeFirst();
        const metadata = JSON.stringify(device.metadata);
        if (existing !== undefined) {
          await trx.updateTable('push_devices').set({ p256dh: device.p256dh, auth: device.auth, metadata }).where('app_id', '=', appId).where('id', '=', existing.id).execute();
          return existing.id;
        }
        await trx
          .insertInto('push_devices')
          .values({ app_id: appId, id: device.id, endpoint: device.endpoint, p256dh: device.p256dh, auth: device.auth, user_id: null, metadata, created_at: device.createdAt })
          .execute();
        return device.id;
      });
    try {
      return await register();
    } catch (error) {
      // The same endpoint registered concurrently: the second call finds the first one's device.
      if (!isUniqueViolation(error)) throw error;
      return register();
    }
  }

  device(appId: string, deviceId: string): Promise<Device | undefined> {
    return this.#run(async (db) => {
      const row = await db.selectFrom('push_devices').selectAll().where('app_id', '=', appId).where('id', '=', deviceId).executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        id: row.id,
        endpoint: row.endpoint,
        p256dh: row.p256dh,
        auth: row.auth,
        userId: row.user_id ?? undefined,
        metadata: JSON.parse(row.metadata) as Record<string, unknown>,
        createdAt: row.created_at,
      };
    });
  }

  deleteDevice(appId: string, deviceId: string): Promise<boolean> {
    return this.#transaction(async (trx) => {
      await trx.deleteFrom('push_interests').where('app_id', '=', appId).where('device_id', '=', deviceId).execute();
      const result = await trx.deleteFrom('push_devices').where('app_id', '=', appId).where('id', '=', deviceId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  deleteUser(appId: string, userId: string): Promise<number> {
    return this.#transaction(async (trx) => {
      const devices = trx.selectFrom('push_devices').select('id').where('app_id', '=', appId).where('user_id', '=', userId);
      await trx.deleteFrom('push_interests').where('app_id', '=', appId).where('device_id', 'in', devices).execute();
      const result = await trx.deleteFrom('push_devices').where('app_id', '=', appId).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  setUser(appId: string, deviceId: string, userId: string, maxDevicesPerUser: number): Promise<SetUserResult> {
    return this.#transaction(async (trx) => {
      const row = await trx.selectFrom('push_devices').select('user_id').where('app_id', '=', appId).where('id', '=', deviceId).executeTakeFirst();
      if (row === undefined) return 'not-found';
      if (row.user_id === userId) return 'ok';
      if (row.user_id !== null) return 'other-user';
      const { count } = await trx
        .selectFrom('push_devices')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('app_id', '=', appId)
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      if (count >= maxDevicesPerUser) return 'too-many-devices';
      await trx.updateTable('push_devices').set({ user_id: userId }).where('app_id', '=', appId).where('id', '=', deviceId).execute();
      return 'ok';
    });
  }

  setMetadata(appId: string, deviceId: string, metadata: Readonly<Record<string, unknown>>): Promise<boolean> {
    return this.#run(async (db) => {
      const result = await db.updateTable('push_devices').set({ metadata: JSON.stringify(metadata) }).where('app_id', '=', appId).where('id', '=', deviceId).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    });
  }

  addInterest(appId: string, deviceId: string, interest: string, maxInterests: number): Promise<AddInterestResult> {
    return this.#transaction(async (trx) => {
      if (!(await deviceExists(trx, appId, deviceId))) return 'not-found';
      const present = await trx
        .selectFrom('push_interests')
        .select('interest')
        .where('app_id', '=', appId)
        .where('interest', '=', interest)
        .where('device_id', '=', deviceId)
        .executeTakeFirst();
      if (present !== undefined) return 'ok';
      const { count } = await trx
        .selectFrom('push_interests')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('app_id', '=', appId)
        .where('device_id', '=', deviceId)
        .executeTakeFirstOrThrow();
      if (count >= maxInterests) return 'too-many';
      await trx.insertInto('push_interests').values({ app_id: appId, interest, device_id: deviceId }).onConflict((oc) => oc.doNothing()).execute();
      return 'ok';
    });
  }

  removeInterest(appId: string, deviceId: string, interest: string): Promise<boolean> {
    return this.#transaction(async (trx) => {
      if (!(await deviceExists(trx, appId, deviceId))) return false;
      await trx.deleteFrom('push_interests').where('app_id', '=', appId).where('device_id', '=', deviceId).where('interest', '=', interest).execute();
      return true;
    });
  }

  setInterests(appId: string, deviceId: string, interests: readonly string[]): Promise<boolean> {
    return this.#transaction(async (trx) => {
      if (!(await deviceExists(trx, appId, deviceId))) return false;
      await trx.deleteFrom('push_interests').where('app_id', '=', appId).where('device_id', '=', deviceId).execute();
      for (let start = 0; start < interests.length; start += INSERT_CHUNK) {
        const rows = interests.slice(start, start + INSERT_CHUNK).map((interest) => ({ app_id: appId, interest, device_id: deviceId }));
        await trx.insertInto('push_interests').values(rows).onConflict((oc) => oc.doNothing()).execute();
      }
      return true;
    });
  }

  interests(appId: string, deviceId: string, limit: number, cursor: string | undefined): Promise<InterestPage | undefined> {
    return this.#run(async (db) => {
      if (!(await deviceExists(db, appId, deviceId))) return undefined;
      let query = db.selectFrom('push_interests').select('interest').where('app_id', '=', appId).where('device_id', '=', deviceId);
      if (cursor !== undefined) query = query.where('interest', '>', cursor);
      const rows = await query.orderBy('interest').limit(limit + 1).execute();
      const page = rows.slice(0, limit).map((row) => row.interest);
      return { interests: page, nextCursor: rows.length > limit ? page[page.length - 1] : undefined };
    });
  }

  /**
   * Two steps, each an index range scan: the page of device ids from the interests' key
   * (app_id, interest, device_id), in device id order (one interest: the key's own order, no
   * sort), then those devices by primary key. A join ordered by the devices' id made SQLite sort
   * the whole audience for every page.
   */
  devicesForInterests(appId: string, interests: readonly string[], after: string | undefined, limit: number): Promise<readonly DeviceTarget[]> {
    return this.#run(async (db) => {
      let ids = db.selectFrom('push_interests').select('device_id').where('app_id', '=', appId);
      ids = interests.length === 1 ? ids.where('interest', '=', interests[0] ?? '') : ids.where('interest', 'in', [...interests]).distinct();
      if (after !== undefined) ids = ids.where('device_id', '>', after);
      const page = (await ids.orderBy('device_id').limit(limit).execute()).map((row) => row.device_id);
      if (page.length === 0) return [];
      return db.selectFrom('push_devices').select(['id', 'endpoint', 'p256dh', 'auth']).where('app_id', '=', appId).where('id', 'in', page).orderBy('id').execute();
    });
  }

  devicesForUsers(appId: string, userIds: readonly string[], after: string | undefined, limit: number): Promise<readonly DeviceTarget[]> {
    return this.#run(async (db) => {
      let query = db.selectFrom('push_devices').select(['id', 'endpoint', 'p256dh', 'auth', 'user_id']).where('app_id', '=', appId).where('user_id', 'in', [...userIds]);
      if (after !== undefined) query = query.where('id', '>', after);
      const rows = await query.orderBy('id').limit(limit).execute();
      return rows.map(({ user_id, ...target }) => (user_id === null ? target : { ...target, userId: user_id }));
    });
  }
}

async function deviceExists(db: Kysely<PushTables>, appId: string, deviceId: string): Promise<boolean> {
  const row = await db.selectFrom('push_devices').select('id').where('app_id', '=', appId).where('id', '=', deviceId).executeTakeFirst();
  return row !== undefined;
}
