/**
 * Chat's tables in the storage layer and their migrations (the `chat` StorageFeature). Portable
 * SQL: times are epoch milliseconds, flags 0/1, custom data and message parts JSON text. Every
 * row carries its app id, so apps share the tables and never see each other's rows.
 *
 * Message ids count up per room with no holes: `chat_rooms.last_message_id` is incremented in the
 * sending transaction, which also locks the room row, so ids are assigned in commit order. A
 * deleted message keeps its row (parts emptied, `deleted_at` set), so a client catching up sees
 * every id. `first_message_id` is the oldest id still stored (retention removes older ones).
 */
import type { Kysely, Migration } from 'kysely';
import type { Config } from '../config/schema.js';
import { portableTypes, type StorageFeature } from '../storage/migrations.js';
import type { StorageDialect } from '../config/storage-url.js';

export interface ChatUserRow {
  app_id: string;
  id: string;
  name: string | null;
  avatar_url: string | null;
  custom_data: string | null;
  created_at: number;
  updated_at: number;
}

export interface ChatRoomRow {
  app_id: string;
  id: string;
  name: string | null;
  private: number;
  custom_data: string | null;
  created_by: string | null;
  last_message_id: number;
  first_message_id: number;
  created_at: number;
  updated_at: number;
}

export interface ChatMemberRow {
  app_id: string;
  room_id: string;
  user_id: string;
  role: string;
  cursor: number;
  joined_at: number;
}

export interface ChatMessageRow {
  app_id: string;
  room_id: string;
  id: number;
  sender_id: string;
  parts: string;
  client_key: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
}

export interface ChatTables {
  chat_users: ChatUserRow;
  chat_rooms: ChatRoomRow;
  chat_members: ChatMemberRow;
  chat_messages: ChatMessageRow;
}

function migrations(dialect: StorageDialect): Record<string, Migration> {
  const { bigint } = portableTypes(dialect);
  return {
    '0001_create_chat': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('chat_users')
          .addColumn('app_id', 'varchar(191)', (column) => column.notNull())
          .addColumn('id', 'varchar(191)', (column) => column.notNull())
          .addColumn('name', 'text')
          .addColumn('avatar_url', 'text')
          .addColumn('custom_data', 'text')
          .addColumn('created_at', bigint, (column) => column.notNull())
          .addColumn('updated_at', bigint, (column) => column.notNull())
          .addPrimaryKeyConstraint('chat_users_pk', ['app_id', 'id'])
          .execute();
        await db.schema
          .createTable('chat_rooms')
          .addColumn('app_id', 'varchar(191)', (column) => column.notNull())
          .addColumn('id', 'varchar(191)', (column) => column.notNull())
          .addColumn('name', 'text')
          .addColumn('private', 'integer', (column) => column.notNull())
          .addColumn('custom_data', 'text')
          .addColumn('created_by', 'varchar(191)')
          .addColumn('last_message_id', bigint, (column) => column.notNull())
          .addColumn('first_message_id', bigint, (column) => column.notNull())
          .addColumn('created_at', bigint, (column) => column.notNull())
          .addColumn('updated_at', bigint, (column) => column.notNull())
          .addPrimaryKeyConstraint('chat_rooms_pk', ['app_id', 'id'])
          .execute();
        await db.schema
          .createTable('chat_members')
          .addColumn('app_id', 'varchar(191)', (column) => column.notNull())
          .addColumn('room_id', 'varchar(191)', (column) => column.notNull())
          .addColumn('user_id', 'varchar(191)', (column) => column.notNull())
          .addColumn('role', 'varchar(32)', (column) => column.notNull())
          .addColumn('cursor', bigint, (column) => column.notNull())
          .addColumn('joined_at', bigint, (column) => column.notNull())
          .addPrimaryKeyConstraint('chat_members_pk', ['app_id', 'room_id', 'user_id'])
          .execute();
        await db.schema.createIndex('chat_members_by_user').on('chat_members').columns(['app_id', 'user_id']).execute();
        await db.schema
          .createTable('chat_messages')
          .addColumn('app_id', 'varchar(191)', (column) => column.notNull())
          .addColumn('room_id', 'varchar(191)', (column) => column.notNull())
          .addColumn('id', bigint, (column) => column.notNull())
          .addColumn('sender_id', 'varchar(191)', (column) => column.notNull())
          .addColumn('parts', 'text', (column) => column.notNull())
          .addColumn('client_key', 'varchar(191)')
          .addColumn('created_at', bigint, (column) => column.notNull())
          .addColumn('edited_at', bigint)
          .addColumn('deleted_at', bigint)
          .addPrimaryKeyConstraint('chat_messages_pk', ['app_id', 'room_id', 'id'])
          .execute();
        // Idempotent sends: one message per sender and client key in a room (NULL keys never collide).
        await db.schema
          .createIndex('chat_messages_client_key')
          .on('chat_messages')
          .columns(['app_id', 'room_id', 'sender_id', 'client_key'])
          .unique()
          .execute();
      },
    },
  };
}

/** Whether an app has chat on. */
export function chatEnabled(app: { readonly chat?: { readonly enabled: boolean } | undefined }): boolean {
  return app.chat?.enabled === true;
}

export const CHAT_STORAGE: StorageFeature = {
  name: 'chat',
  migrations,
  usedBy: (config: Config) => config.apps.some(chatEnabled),
};
