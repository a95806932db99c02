/**
 * Chat messages and read cursors in the storage layer. A send takes the room row's lock
 * (incrementing `last_message_id`) and inserts in the same transaction, so ids count up per room
 * with no hole and in commit order; the same client key from the same sender returns the first
 * message instead of storing another.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { ApiErrors } from '../protocol/errors.js';
import { bounded } from '../storage/bounded.js';
import type { Storage } from '../storage/database.js';
import { isUniqueViolation } from '../storage/storage-errors.js';
import { ChatError } from './chat-error.js';
import type { Part } from './chat-input.js';
import { toMessage, type ChatMessage } from './chat-model.js';
import type { ChatMessageRow, ChatTables } from './chat-tables.js';

type Db = Kysely<ChatTables>;

export interface SendResult {
  readonly message: ChatMessage;
  /** False when the client key matched an earlier message (nothing new was stored). */
  readonly created: boolean;
}

export interface MessagePage {
  readonly messages: readonly ChatMessage[];
  /** The oldest message id still stored (older ones were removed by retention). */
  readonly first_message_id: number;
  readonly last_message_id: number;
}

export interface PageQuery {
  /** Messages with a greater id, oldest first. */
  readonly after?: number | undefined;
  /** Messages with a smaller id, newest of them, answered oldest first. Neither: the newest page. */
  readonly before?: number | undefined;
  readonly limit: number;
}

/** How often (in messages of a room) retention removes the oldest messages beyond the limit. */
const PRUNE_EVERY = 100;

export class MessageRepository {
  readonly #storage: Storage;
  readonly #now: () => number;

  constructor(storage: Storage, now: () => number) {
    this.#storage = storage;
    this.#now = now;
  }

  get #db(): Db {
    return this.#storage.tables<ChatTables>();
  }

  send(appId: string, roomId: string, senderId: string, parts: readonly Part[], clientKey: string | undefined, retain: number | undefined): Promise<SendResult> {
    return bounded(this.#storage, async () => {
      if (clientKey !== undefined) {
        const earlier = await this.#byClientKey(this.#db, appId, roomId, senderId, clientKey);
        if (earlier !== undefined) return { message: earlier, created: false };
      }
      try {
        const message =
          this.#storage.dialect === 'postgres'
            ? await this.#insertOneStatement(appId, roomId, senderId, parts, clientKey)
            : await this.#db.transaction().execute((trx) => this.#insert(trx, appId, roomId, senderId, parts, clientKey));
        if (retain !== undefined && message.id % PRUNE_EVERY === 0) await this.#prune(appId, roomId, message.id, retain);
        return { message, created: true };
      } catch (error) {
        // Another send with the same key committed between the lookup and the insert.
        if (clientKey === undefined || !isUniqueViolation(error)) throw error;
        const earlier = await this.#byClientKey(this.#db, appId, roomId, senderId, clientKey);
        if (earlier === undefined) throw error;
        return { message: earlier, created: false };
      }
    });
  }

  /**
   * PostgreSQL: the increment and the insert in one statement, so the room's row lock (which
   * orders the ids) is held for one round trip and the commit, not for a whole transaction.
   */
  async #insertOneStatement(appId: string, roomId: string, senderId: string, parts: readonly Part[], clientKey: string | undefined): Promise<ChatMessage> {
    const result = await sql<ChatMessageRow>`
      with next as (
        update chat_rooms set last_message_id = last_message_id + 1
        where app_id = ${appId} and id = ${roomId}
        returning last_message_id
      )
      insert into chat_messages (app_id, room_id, id, sender_id, parts, client_key, created_at, edited_at, deleted_at)
      select ${appId}::varchar, ${roomId}::varchar, last_message_id, ${senderId}::varchar, ${JSON.stringify(parts)}::text,
        ${clientKey ?? null}::varchar, ${this.#now()}::bigint, null, null
      from next
      returning *`.execute(this.#db);
    const row = result.rows[0];
    if (row === undefined) throw new ChatError(ApiErrors.chatRoomNotFound, `No room ${roomId}`);
    return toMessage(row);
  }

  /** SQLite (one writer at a time anyway): the increment and the insert in one transaction. */
  async #insert(trx: Transaction<ChatTables>, appId: string, roomId: string, senderId: string, parts: readonly Part[], clientKey: string | undefined): Promise<ChatMessage> {
    const room = await trx
      .updateTable('chat_rooms')
      .set((eb) => ({ last_message_id: eb('last_message_id', '+', 1) }))
      .where('app_id', '=', appId)
      .where('id', '=', roomId)
      .returning(['last_message_id'])
      .executeTakeFirst();
    if (room === undefined) throw new ChatError(ApiErrors.chatRoomNotFound, `No room ${roomId}`);
    const row = {
      app_id: appId,
      room_id: roomId,
      id: room.last_message_id,
      sender_id: senderId,
      parts: JSON.stringify(parts),
      client_key: clientKey ?? null,
      created_at: this.#now(),
      edited_at: null,
      deleted_at: null,
    };
    await trx.insertInto('chat_messages').values(row).execute();
    return toMessage(row);
  }

  /** Retention: keeps the newest `retain` messages of the room (run every PRUNE_EVERY messages). */
  async #prune(appId: string, roomId: string, newest: number, retain: number): Promise<void> {
    const first = newest - retain + 1;
    if (first <= 1) return;
    await this.#db.transaction().execute(async (trx) => {
      await trx.updateTable('chat_rooms').set({ first_message_id: first }).where('app_id', '=', appId).where('id', '=', roomId).where('first_message_id', '<', first).execute();
      await trx.deleteFrom('chat_messages').where('app_id', '=', appId).where('room_id', '=', roomId).where('id', '<', first).execute();
    });
  }

  async #byClientKey(db: Db, appId: string, roomId: string, senderId: string, clientKey: string): Promise<ChatMessage | undefined> {
    const row = await db
      .selectFrom('chat_messages')
      .selectAll()
      .where('app_id', '=', appId)
      .where('room_id', '=', roomId)
      .where('sender_id', '=', senderId)
      .where('client_key', '=', clientKey)
      .executeTakeFirst();
    return row === undefined ? undefined : toMessage(row);
  }

  page(appId: string, roomId: string, query: PageQuery): Promise<MessagePage | undefined> {
    return bounded(this.#storage, async () => {
      const db = this.#db;
      const room = await db
        .selectFrom('chat_rooms')
        .select(['first_message_id', 'last_message_id'])
        .where('app_id', '=', appId)
        .where('id', '=', roomId)
        .executeTakeFirst();
      if (room === undefined) return undefined;
      let select = db.selectFrom('chat_messages').selectAll().where('app_id', '=', appId).where('room_id', '=', roomId);
      let rows;
      if (query.after !== undefined) {
        rows = await select.where('id', '>', query.after).orderBy('id', 'asc').limit(query.limit).execute();
      } else {
        if (query.before !== undefined) select = select.where('id', '<', query.before);
        rows = (await select.orderBy('id', 'desc').limit(query.limit).execute()).reverse();
      }
      return { messages: rows.map(toMessage), first_message_id: room.first_message_id, last_message_id: room.last_message_id };
    });
  }

  get(appId: string, roomId: string, id: number): Promise<ChatMessage | undefined> {
    return bounded(this.#storage, async () => {
      const row = await this.#db
        .selectFrom('chat_messages')
        .selectAll()
        .where('app_id', '=', appId)
        .where('room_id', '=', roomId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : toMessage(row);
    });
  }

  /** Replaces the parts of a message not deleted; the message after, or undefined. */
  edit(appId: string, roomId: string, id: number, parts: readonly Part[]): Promise<ChatMessage | undefined> {
    return this.#update(appId, roomId, id, { parts: JSON.stringify(parts), edited_at: this.#now() });
  }

  /** Deletes a message: its row stays (the id is never reused or skipped), its parts go. */
  delete(appId: string, roomId: string, id: number): Promise<ChatMessage | undefined> {
    return this.#update(appId, roomId, id, { parts: '[]', deleted_at: this.#now() });
  }

  #update(appId: string, roomId: string, id: number, set: { parts: string; edited_at?: number; deleted_at?: number }): Promise<ChatMessage | undefined> {
    return bounded(this.#storage, async () => {
      await this.#db
        .updateTable('chat_messages')
        .set(set)
        .where('app_id', '=', appId)
        .where('room_id', '=', roomId)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .execute();
      return this.get(appId, roomId, id);
    });
  }

  /** Moves the user's read cursor forward to `position` (never back, never past the last message); the cursor after. */
  setCursor(appId: string, roomId: string, userId: string, position: number): Promise<number | undefined> {
    return bounded(this.#storage, async () => {
      const db = this.#db;
      const room = await db.selectFrom('chat_rooms').select('last_message_id').where('app_id', '=', appId).where('id', '=', roomId).executeTakeFirst();
      if (room === undefined) return undefined;
      const target = Math.min(position, room.last_message_id);
      await db
        .updateTable('chat_members')
        .set({ cursor: target })
        .where('app_id', '=', appId)
        .where('room_id', '=', roomId)
        .where('user_id', '=', userId)
        .where('cursor', '<', target)
        .execute();
      const member = await db
        .selectFrom('chat_members')
        .select('cursor')
        .where('app_id', '=', appId)
        .where('room_id', '=', roomId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return member?.cursor;
    });
  }
}
