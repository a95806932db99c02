/**
 * Chat users, rooms and members in the storage layer. Every call is bounded by the storage's
 * timeout (StorageUnavailableError: 503); "not found", "exists" and limits are ChatErrors.
 */
import type { Kysely, Transaction } from 'kysely';
import { ApiErrors } from '../protocol/errors.js';
import { bounded } from '../storage/bounded.js';
import type { Storage } from '../storage/database.js';
import { isUniqueViolation } from '../storage/storage-errors.js';
import { ChatError } from './chat-error.js';
import type { Role } from './chat-input.js';
import { toMember, toRoom, toUser, type ChatMember, type ChatRoom, type ChatUser, type MemberRoom } from './chat-model.js';
import type { ChatTables } from './chat-tables.js';

export interface UserFields {
  readonly name?: string | null | undefined;
  readonly avatar_url?: string | null | undefined;
  readonly custom_data?: Record<string, unknown> | null | undefined;
}

export interface RoomFields {
  readonly name?: string | null | undefined;
  readonly private?: boolean | undefined;
  readonly custom_data?: Record<string, unknown> | null | undefined;
}

export interface MemberLimits {
  readonly maxRoomsPerUser: number;
  readonly maxMembersPerRoom: number;
}

type Db = Kysely<ChatTables>;

const jsonOrNull = (value: Record<string, unknown> | null | undefined): string | null | undefined =>
  value === undefined ? undefined : value === null ? null : JSON.stringify(value);

export class RoomRepository {
  readonly #storage: Storage;
  readonly #now: () => number;

  constructor(storage: Storage, now: () => number) {
    this.#storage = storage;
    this.#now = now;
  }

  get #db(): Db {
    return this.#storage.tables<ChatTables>();
  }

  #run<T>(work: (db: Db) => Promise<T>): Promise<T> {
    return bounded(this.#storage, () => work(this.#db));
  }

  #transaction<T>(work: (trx: Transaction<ChatTables>) => Promise<T>): Promise<T> {
    return bounded(this.#storage, () => this.#db.transaction().execute(work));
  }

  // ---- users --------------------------------------------------------------------------------

  createUser(appId: string, id: string, fields: UserFields): Promise<ChatUser> {
    return this.#run(async (db) => {
      const now = this.#now();
      const row = {
        app_id: appId,
        id,
        name: fields.name ?? null,
        avatar_url: fields.avatar_url ?? null,
        custom_data: jsonOrNull(fields.custom_data) ?? null,
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto('chat_users').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ChatError(ApiErrors.chatUserExists, `A chat user ${id} exists`);
        throw error;
      }
      return toUser(row);
    });
  }

  getUser(appId: string, id: string): Promise<ChatUser | undefined> {
    return this.#run(async (db) => {
      const row = await db.selectFrom('chat_users').selectAll().where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    });
  }

  updateUser(appId: string, id: string, fields: UserFields): Promise<ChatUser | undefined> {
    return this.#run(async (db) => {
      await db
        .updateTable('chat_users')
        .set({ name: fields.name, avatar_url: fields.avatar_url, custom_data: jsonOrNull(fields.custom_data), updated_at: this.#now() })
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .execute();
      const row = await db.selectFrom('chat_users').selectAll().where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    });
  }

  /** Deletes the user and their memberships (their messages stay); the rooms they left, or undefined. */
  deleteUser(appId: string, id: string): Promise<readonly string[] | undefined> {
    return this.#transaction(async (trx) => {
      const rooms = await trx.selectFrom('chat_members').select('room_id').where('app_id', '=', appId).where('user_id', '=', id).execute();
      await trx.deleteFrom('chat_members').where('app_id', '=', appId).where('user_id', '=', id).execute();
      const deleted = await trx.deleteFrom('chat_users').where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
      return deleted.numDeletedRows === 0n ? undefined : rooms.map((room) => room.room_id);
    });
  }

  /** The ids among `ids` that are not chat users of the app. */
  async #missingUsers(db: Db | Transaction<ChatTables>, appId: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const found = await db.selectFrom('chat_users').select('id').where('app_id', '=', appId).where('id', 'in', [...ids]).execute();
    const known = new Set(found.map((row) => row.id));
    return ids.filter((id) => !known.has(id));
  }

  // ---- rooms --------------------------------------------------------------------------------

  /** Creates a room with its creator (admin) and first members (member), within the limits. */
  createRoom(appId: string, id: string, fields: RoomFields, creatorId: string | undefined, userIds: readonly string[], limits: MemberLimits): Promise<ChatRoom> {
    return this.#transaction(async (trx) => {
      const now = this.#now();
      const row = {
        app_id: appId,
        id,
        name: fields.name ?? null,
        private: fields.private === true ? 1 : 0,
        custom_data: jsonOrNull(fields.custom_data) ?? null,
        created_by: creatorId ?? null,
        last_message_id: 0,
        first_message_id: 1,
        created_at: now,
        updated_at: now,
      };
      try {
        await trx.insertInto('chat_rooms').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ChatError(ApiErrors.chatRoomExists, `A room ${id} exists`);
        throw error;
      }
      if (creatorId !== undefined) await this.#addMembers(trx, appId, id, [creatorId], 'admin', limits);
      const others = [...new Set(userIds)].filter((user) => user !== creatorId);
      if (others.length > 0) await this.#addMembers(trx, appId, id, others, 'member', limits);
      return toRoom(row);
    });
  }

  getRoom(appId: string, id: string): Promise<ChatRoom | undefined> {
    return this.#run(async (db) => {
      const row = await db.selectFrom('chat_rooms').selectAll().where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRoom(row);
    });
  }

  updateRoom(appId: string, id: string, fields: RoomFields): Promise<ChatRoom | undefined> {
    return this.#run(async (db) => {
      await db
        .updateTable('chat_rooms')
        .set({
          name: fields.name,
          private: fields.private === undefined ? undefined : fields.private ? 1 : 0,
          custom_data: jsonOrNull(fields.custom_data),
          updated_at: this.#now(),
        })
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .execute();
      const row = await db.selectFrom('chat_rooms').selectAll().where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRoom(row);
    });
  }

  /** Deletes the room, its members and its messages; false when there was none. */
  deleteRoom(appId: string, id: string): Promise<boolean> {
    return this.#transaction(async (trx) => {
      await trx.deleteFrom('chat_messages').where('app_id', '=', appId).where('room_id', '=', id).execute();
      await trx.deleteFrom('chat_members').where('app_id', '=', appId).where('room_id', '=', id).execute();
      const deleted = await trx.deleteFrom('chat_rooms').where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
      return deleted.numDeletedRows > 0n;
    });
  }

  /** Public rooms, by id, `limit` at most after `afterId`. */
  publicRooms(appId: string, afterId: string, limit: number): Promise<readonly ChatRoom[]> {
    return this.#run(async (db) => {
      const rows = await db
        .selectFrom('chat_rooms')
        .selectAll()
        .where('app_id', '=', appId)
        .where('private', '=', 0)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toRoom);
    });
  }

  // ---- members ------------------------------------------------------------------------------

  /** Adds the users (who must exist) with `role`; answers the ids added now (members already are skipped). */
  addMembers(appId: string, roomId: string, userIds: readonly string[], role: Role, limits: MemberLimits): Promise<readonly string[]> {
    return this.#transaction(async (trx) => {
      const room = await trx.selectFrom('chat_rooms').select('id').where('app_id', '=', appId).where('id', '=', roomId).executeTakeFirst();
      if (room === undefined) throw new ChatError(ApiErrors.chatRoomNotFound, `No room ${roomId}`);
      return this.#addMembers(trx, appId, roomId, [...new Set(userIds)], role, limits);
    });
  }

  async #addMembers(trx: Transaction<ChatTables>, appId: string, roomId: string, userIds: readonly string[], role: Role, limits: MemberLimits): Promise<string[]> {
    const missing = await this.#missingUsers(trx, appId, userIds);
    if (missing.length > 0) throw new ChatError(ApiErrors.chatUserNotFound, `No chat users ${missing.slice(0, 10).join(', ')}`);
    const existing = await trx
      .selectFrom('chat_members')
      .select('user_id')
      .where('app_id', '=', appId)
      .where('room_id', '=', roomId)
      .where('user_id', 'in', [...userIds])
      .execute();
    const already = new Set(existing.map((row) => row.user_id));
    const added = userIds.filter((user) => !already.has(user));
    if (added.length === 0) return [];
    const { count } = await trx
      .selectFrom('chat_members')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('app_id', '=', appId)
      .where('room_id', '=', roomId)
      .executeTakeFirstOrThrow();
    if (count + added.length > limits.maxMembersPerRoom) {
      throw new ChatError(ApiErrors.chatRoomFull, `Room ${roomId} would have ${count + added.length} members (at most ${limits.maxMembersPerRoom})`);
    }
    const counts = await trx
      .selectFrom('chat_members')
      .select(['user_id', (eb) => eb.fn.countAll<number>().as('rooms')])
      .where('app_id', '=', appId)
      .where('user_id', 'in', added)
      .groupBy('user_id')
      .execute();
    const full = counts.find((row) => row.rooms >= limits.maxRoomsPerUser);
    if (full !== undefined) throw new ChatError(ApiErrors.chatTooManyRooms, `User ${full.user_id} is in ${limits.maxRoomsPerUser} rooms already`);
    const room = await trx.selectFrom('chat_rooms').select('last_message_id').where('app_id', '=', appId).where('id', '=', roomId).executeTakeFirstOrThrow();
    const now = this.#now();
    // A new member has read nothing yet: history is theirs to page, unread counts start now.
    const rows = added.map((user_id) => ({ app_id: appId, room_id: roomId, user_id, role, cursor: room.last_message_id, joined_at: now }));
    await trx.insertInto('chat_members').values(rows).execute();
    return added;
  }

  /** Removes the users; answers the ids that were members. */
  removeMembers(appId: string, roomId: string, userIds: readonly string[]): Promise<readonly string[]> {
    return this.#transaction(async (trx) => {
      const ids = [...new Set(userIds)];
      const existing = await trx
        .selectFrom('chat_members')
        .select('user_id')
        .where('app_id', '=', appId)
        .where('room_id', '=', roomId)
        .where('user_id', 'in', ids)
        .execute();
      if (existing.length === 0) return [];
      await trx.deleteFrom('chat_members').where('app_id', '=', appId).where('room_id', '=', roomId).where('user_id', 'in', ids).execute();
      return existing.map((row) => row.user_id);
    });
  }

  setRole(appId: string, roomId: string, userId: string, role: Role): Promise<boolean> {
    return this.#run(async (db) => {
      const result = await db
        .updateTable('chat_members')
        .set({ role })
        .where('app_id', '=', appId)
        .where('room_id', '=', roomId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    });
  }

  member(appId: string, roomId: string, userId: string): Promise<ChatMember | undefined> {
    return this.#run(async (db) => {
      const row = await db
        .selectFrom('chat_members')
        .select(['user_id', 'role', 'cursor', 'joined_at'])
        .where('app_id', '=', appId)
        .where('room_id', '=', roomId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row === undefined ? undefined : toMember(row);
    });
  }

  members(appId: string, roomId: string): Promise<readonly ChatMember[]> {
    return this.#run(async (db) => {
      const rows = await db
        .selectFrom('chat_members')
        .select(['user_id', 'role', 'cursor', 'joined_at'])
        .where('app_id', '=', appId)
        .where('room_id', '=', roomId)
        .orderBy('user_id')
        .execute();
      return rows.map(toMember);
    });
  }

  /** The user's rooms with role, cursor and unread count (messages of others after the cursor, not deleted), in one query. */
  roomsOf(appId: string, userId: string): Promise<readonly MemberRoom[]> {
    return this.#run(async (db) => {
      const rows = await db
        .selectFrom('chat_members as m')
        .innerJoin('chat_rooms as r', (join) => join.onRef('r.app_id', '=', 'm.app_id').onRef('r.id', '=', 'm.room_id'))
        .leftJoin('chat_messages as msg', (join) =>
          join
            .onRef('msg.app_id', '=', 'm.app_id')
            .onRef('msg.room_id', '=', 'm.room_id')
            .onRef('msg.id', '>', 'm.cursor')
            .onRef('msg.sender_id', '!=', 'm.user_id')
            .on('msg.deleted_at', 'is', null),
        )
        .selectAll('r')
        .select(['m.role', 'm.cursor', (eb) => eb.fn.count<number>('msg.id').as('unread_count')])
        .where('m.app_id', '=', appId)
        .where('m.user_id', '=', userId)
        .groupBy(['r.app_id', 'r.id', 'r.name', 'r.private', 'r.custom_data', 'r.created_by', 'r.last_message_id', 'r.first_message_id', 'r.created_at', 'r.updated_at', 'm.role', 'm.cursor'])
        .orderBy('r.id')
        .execute();
      return rows.map((row) => ({ ...toRoom(row), role: row.role as Role, cursor: row.cursor, unread_count: row.unread_count }));
    });
  }
}
