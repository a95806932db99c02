/**
 * The push notification tables in the storage layer (registered in storage/features.ts): each
 * app's VAPID key pair, devices (one per browser subscription endpoint, optionally a user's) and
 * their interests. Append-only: a change is a new migration.
 */
import type { Kysely, Migration } from 'kysely';
import type { Config } from '../config/schema.js';
import { portableTypes, type StorageFeature } from '../storage/migrations.js';
import type { StorageDialect } from '../config/storage-url.js';

export interface PushTables {
  push_vapid_keys: { app_id: string; public_key: string; private_key: string; created_at: number };
  push_devices: {
    app_id: string;
    id: string;
    endpoint: string;
    p256dh: string;
    auth: string;
    user_id: string | null;
    /** JSON text. */
    metadata: string;
    created_at: number;
  };
  push_interests: { app_id: string; device_id: string; interest: string };
}

function migrations(dialect: StorageDialect): Record<string, Migration> {
  const { bigint } = portableTypes(dialect);
  return {
    '0001_create_push_tables': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('push_vapid_keys')
          .addColumn('app_id', 'text', (column) => column.primaryKey())
          .addColumn('public_key', 'text', (column) => column.notNull())
          .addColumn('private_key', 'text', (column) => column.notNull())
          .addColumn('created_at', bigint, (column) => column.notNull())
          .execute();
        await db.schema
          .createTable('push_devices')
          .addColumn('app_id', 'text', (column) => column.notNull())
          .addColumn('id', 'text', (column) => column.notNull())
          .addColumn('endpoint', 'text', (column) => column.notNull())
          .addColumn('p256dh', 'text', (column) => column.notNull())
          .addColumn('auth', 'text', (column) => column.notNull())
          .addColumn('user_id', 'text')
          .addColumn('metadata', 'text', (column) => column.notNull())
          .addColumn('created_at', bigint, (column) => column.notNull())
          .addPrimaryKeyConstraint('push_devices_pk', ['app_id', 'id'])
          .addUniqueConstraint('push_devices_endpoint', ['app_id', 'endpoint'])
          .execute();
        await db.schema.createIndex('push_devices_user').on('push_devices').columns(['app_id', 'user_id']).execute();
        // The fan-out reads an interest's devices in device id order: this key serves it.
        await db.schema
          .createTable('push_interests')
          .addColumn('app_id', 'text', (column) => column.notNull())
          .addColumn('interest', 'text', (column) => column.notNull())
          .addColumn('device_id', 'text', (column) => column.notNull())
          .addPrimaryKeyConstraint('push_interests_pk', ['app_id', 'interest', 'device_id'])
          .execute();
        await db.schema.createIndex('push_interests_device').on('push_interests').columns(['app_id', 'device_id']).execute();
      },
    },
  };
}

export const PUSH_STORAGE: StorageFeature = {
  name: 'push',
  migrations,
  usedBy: (config: Config) => config.push.enabled,
};
