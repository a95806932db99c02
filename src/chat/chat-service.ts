/**
 * Chat's operations, shared by the backend API (the app's server, trusted: `actor` undefined) and
 * the client API (a user holding a token: `actor` is that user, and their role in the room
 * decides). Checks come first, then the write, then the realtime event and webhooks.
 *
 * Roles: reader (read), member (+ send, edit and delete own messages), moderator (+ delete
 * anyone's messages), admin (+ update the room, add and remove members, set roles, delete it).
 */
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { App } from '../apps/app-store.js';
import type { ChatConfig } from '../config/schema.js';
import { TokenBucket } from '../shared/token-bucket.js';
import { ApiErrors } from '../protocol/errors.js';
import type { LazyStorage } from '../storage/lazy-storage.js';
import { ChatError } from './chat-error.js';
import type { Part, Role } from './chat-input.js';
import type { ChatMember, ChatMessage, ChatRoom, ChatUser, MemberRoom } from './chat-model.js';
import { ChatEvents, type ChatRealtime } from './chat-realtime.js';
import { MessageRepository, type MessagePage, type PageQuery } from './message-repository.js';
import { RoomRepository, type RoomFields, type UserFields } from './room-repository.js';

const RANK: Record<Role, number> = { reader: 0, member: 1, moderator: 2, admin: 3 };

/** Rate limiters remembered (per app and user); the least recently used are forgotten. */
const MAX_LIMITERS = 100_000;

export interface ChatServiceOptions {
  readonly storage: LazyStorage;
  readonly realtime: ChatRealtime;
  readonly now: () => number;
}

interface Repositories {
  readonly rooms: RoomRepository;
  readonly messages: MessageRepository;
}

export class ChatService {
  readonly #options: ChatServiceOptions;
  readonly #limiters = new LRUCache<string, TokenBucket>({ max: MAX_LIMITERS });
  #repositories: Repositories | undefined;

  constructor(options: ChatServiceOptions) {
    this.#options = options;
  }

  /** The app's chat settings; ChatError 404 when chat is off for it. */
  settings(app: App): ChatConfig {
    if (app.chat?.enabled !== true) throw new ChatError(ApiErrors.chatDisabled);
    return app.chat;
  }

  async #repos(app: App): Promise<Repositories> {
    this.settings(app);
    if (this.#repositories !== undefined) return this.#repositories;
    const storage = await this.#options.storage.get();
    this.#repositories ??= { rooms: new RoomRepository(storage, this.#options.now), messages: new MessageRepository(storage, this.#options.now) };
    return this.#repositories;
  }

  // ---- users --------------------------------------------------------------------------------

  async createUser(app: App, id: string, fields: UserFields): Promise<ChatUser> {
    return (await this.#repos(app)).rooms.createUser(app.id, id, fields);
  }

  async getUser(app: App, id: string): Promise<ChatUser> {
    return found(await (await this.#repos(app)).rooms.getUser(app.id, id), ApiErrors.chatUserNotFound, `No chat user ${id}`);
  }

  async updateUser(app: App, id: string, fields: UserFields): Promise<ChatUser> {
    return found(await (await this.#repos(app)).rooms.updateUser(app.id, id, fields), ApiErrors.chatUserNotFound, `No chat user ${id}`);
  }

  async deleteUser(app: App, id: string): Promise<void> {
    const rooms = found(await (await this.#repos(app)).rooms.deleteUser(app.id, id), ApiErrors.chatUserNotFound, `No chat user ${id}`);
    for (const room of rooms) this.#options.realtime.membersChanged(app, room, [id], false);
  }

  // ---- rooms --------------------------------------------------------------------------------

  async createRoom(app: App, input: RoomFields & { id?: string | undefined; creatorId?: string | undefined; userIds?: readonly string[] | undefined }): Promise<ChatRoom> {
    const settings = this.settings(app);
    const { rooms } = await this.#repos(app);
    const room = await rooms.createRoom(app.id, input.id ?? randomUUID(), input, input.creatorId, input.userIds ?? [], settings);
    const members = new Set([...(input.creatorId === undefined ? [] : [input.creatorId]), ...(input.userIds ?? [])]);
    this.#options.realtime.membersChanged(app, room.id, [...members], true);
    return room;
  }

  async getRoom(app: App, roomId: string, actor?: string): Promise<ChatRoom> {
    const { rooms } = await this.#repos(app);
    const room = found(await rooms.getRoom(app.id, roomId), ApiErrors.chatRoomNotFound, `No room ${roomId}`);
    if (actor !== undefined && room.private) await this.#require(app, roomId, actor, 'reader');
    return room;
  }

  async updateRoom(app: App, roomId: string, fields: RoomFields, actor?: string): Promise<ChatRoom> {
    const { rooms } = await this.#repos(app);
    if (actor !== undefined) await this.#require(app, roomId, actor, 'admin');
    const room = found(await rooms.updateRoom(app.id, roomId, fields), ApiErrors.chatRoomNotFound, `No room ${roomId}`);
    this.#options.realtime.publish(app, roomId, ChatEvents.roomUpdated, room);
    return room;
  }

  async deleteRoom(app: App, roomId: string, actor?: string): Promise<void> {
    const { rooms } = await this.#repos(app);
    if (actor !== undefined) await this.#require(app, roomId, actor, 'admin');
    if (!(await rooms.deleteRoom(app.id, roomId))) throw new ChatError(ApiErrors.chatRoomNotFound, `No room ${roomId}`);
    this.#options.realtime.publish(app, roomId, ChatEvents.roomDeleted, { room_id: roomId });
  }

  async publicRooms(app: App, afterId: string, limit: number): Promise<readonly ChatRoom[]> {
    return (await this.#repos(app)).rooms.publicRooms(app.id, afterId, limit);
  }

  async roomsOf(app: App, userId: string): Promise<readonly MemberRoom[]> {
    return (await this.#repos(app)).rooms.roomsOf(app.id, userId);
  }

  // ---- members ------------------------------------------------------------------------------

  async addMembers(app: App, roomId: string, userIds: readonly string[], role: Role, actor?: string): Promise<readonly string[]> {
    const settings = this.settings(app);
    const { rooms } = await this.#repos(app);
    if (actor !== undefined) await this.#require(app, roomId, actor, 'admin');
    const added = await rooms.addMembers(app.id, roomId, userIds, role, settings);
    this.#options.realtime.membersChanged(app, roomId, added, true);
    return added;
  }

  async removeMembers(app: App, roomId: string, userIds: readonly string[], actor?: string): Promise<readonly string[]> {
    const { rooms } = await this.#repos(app);
    await this.getRoom(app, roomId);
    if (actor !== undefined) await this.#require(app, roomId, actor, 'admin');
    const removed = await rooms.removeMembers(app.id, roomId, userIds);
    this.#options.realtime.membersChanged(app, roomId, removed, false);
    return removed;
  }

  /** A user joins a public room on their own (a member already: nothing changes). */
  async join(app: App, roomId: string, userId: string): Promise<ChatRoom> {
    const room = await this.getRoom(app, roomId);
    if (room.private && (await this.#member(app, roomId, userId)) === undefined) {
      throw new ChatError(ApiErrors.chatPrivateRoom, `Room ${roomId} is private`);
    }
    await this.addMembers(app, roomId, [userId], 'member');
    return room;
  }

  async leave(app: App, roomId: string, userId: string): Promise<void> {
    await this.#require(app, roomId, userId, 'reader');
    await this.removeMembers(app, roomId, [userId]);
  }

  async setRole(app: App, roomId: string, userId: string, role: Role, actor?: string): Promise<void> {
    const { rooms } = await this.#repos(app);
    if (actor !== undefined) await this.#require(app, roomId, actor, 'admin');
    if (!(await rooms.setRole(app.id, roomId, userId, role))) throw new ChatError(ApiErrors.chatNotMember, `${userId} is not a member of ${roomId}`);
  }

  async members(app: App, roomId: string, actor?: string): Promise<readonly ChatMember[]> {
    const { rooms } = await this.#repos(app);
    await this.getRoom(app, roomId);
    if (actor !== undefined) await this.#require(app, roomId, actor, 'reader');
    return rooms.members(app.id, roomId);
  }

  /** The user's membership; ChatError 404 (room) or 403 (not a member, or a lower role than `least`). */
  async #require(app: App, roomId: string, userId: string, least: Role): Promise<ChatMember> {
    const member = await this.#member(app, roomId, userId);
    if (member === undefined) {
      await this.getRoom(app, roomId);
      throw new ChatError(ApiErrors.chatNotMember, `${userId} is not a member of room ${roomId}`);
    }
    if (RANK[member.role] < RANK[least]) throw new ChatError(ApiErrors.chatForbidden, `The role ${member.role} of ${userId} in ${roomId} does not allow this`);
    return member;
  }

  async #member(app: App, roomId: string, userId: string): Promise<ChatMember | undefined> {
    return (await this.#repos(app)).rooms.member(app.id, roomId, userId);
  }

  /** Whether the user may read the room (its channel is authorized from this). */
  async membership(app: App, roomId: string, userId: string): Promise<ChatMember | undefined> {
    return this.#member(app, roomId, userId);
  }

  // ---- messages -----------------------------------------------------------------------------

  /** Stores and announces a message; the same client key from the same sender answers the first one (created false). */
  async send(app: App, roomId: string, senderId: string, parts: readonly Part[], clientKey: string | undefined): Promise<{ message: ChatMessage; created: boolean }> {
    const settings = this.settings(app);
    if (parts.length > settings.maxPartsPerMessage) {
      throw new ChatError(ApiErrors.chatTooManyParts, `${parts.length} parts; at most ${settings.maxPartsPerMessage}`);
    }
    const bytes = Buffer.byteLength(JSON.stringify(parts));
    if (bytes > settings.maxMessageBytes) throw new ChatError(ApiErrors.chatMessageTooLarge, `${bytes} bytes; at most ${settings.maxMessageBytes}`);
    await this.#require(app, roomId, senderId, 'member');
    this.#takeRate(app, senderId, settings);
    const { messages, rooms } = await this.#repos(app);
    const result = await messages.send(app.id, roomId, senderId, parts, clientKey, settings.retainMessages);
    if (result.created) {
      this.#options.realtime.messageCreated(app, result.message, async () => (await rooms.members(app.id, roomId)).map((member) => member.user_id));
    }
    return result;
  }

  #takeRate(app: App, userId: string, settings: ChatConfig): void {
    const key = `${app.id}\u0000${userId}`;
    let bucket = this.#limiters.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(settings.messagesPerSecond, 1_000, this.#options.now);
      this.#limiters.set(key, bucket);
    }
    if (!bucket.take()) {
      throw new ChatError(ApiErrors.chatRateLimited, `More than ${settings.messagesPerSecond} messages per second`, Math.max(1, Math.ceil(bucket.waitMs() / 1000)));
    }
  }

  async page(app: App, roomId: string, query: PageQuery, actor?: string): Promise<MessagePage> {
    const { messages } = await this.#repos(app);
    if (actor !== undefined) await this.#require(app, roomId, actor, 'reader');
    return found(await messages.page(app.id, roomId, query), ApiErrors.chatRoomNotFound, `No room ${roomId}`);
  }

  async edit(app: App, roomId: string, messageId: number, parts: readonly Part[], actor?: string): Promise<ChatMessage> {
    const settings = this.settings(app);
    if (parts.length > settings.maxPartsPerMessage) throw new ChatError(ApiErrors.chatTooManyParts);
    if (Buffer.byteLength(JSON.stringify(parts)) > settings.maxMessageBytes) throw new ChatError(ApiErrors.chatMessageTooLarge);
    const { messages } = await this.#repos(app);
    const message = await this.#existing(messages, app, roomId, messageId);
    // Only the sender edits a message (a moderator may delete it, not put words in its mouth).
    if (actor !== undefined) {
      await this.#require(app, roomId, actor, 'member');
      if (message.sender_id !== actor) throw new ChatError(ApiErrors.chatForbidden, 'Only the sender may edit a message');
    }
    const edited = await this.#existing(messages, app, roomId, messageId, await messages.edit(app.id, roomId, messageId, parts));
    this.#options.realtime.publish(app, roomId, ChatEvents.edited, edited);
    return edited;
  }

  async delete(app: App, roomId: string, messageId: number, actor?: string): Promise<ChatMessage> {
    const { messages } = await this.#repos(app);
    const message = await this.#existing(messages, app, roomId, messageId);
    if (actor !== undefined) await this.#require(app, roomId, actor, message.sender_id === actor ? 'member' : 'moderator');
    const deleted = found(await messages.delete(app.id, roomId, messageId), ApiErrors.chatMessageNotFound, `No message ${messageId} in room ${roomId}`);
    this.#options.realtime.publish(app, roomId, ChatEvents.deleted, deleted);
    return deleted;
  }

  async #existing(messages: MessageRepository, app: App, roomId: string, id: number, known?: ChatMessage): Promise<ChatMessage> {
    const message = known ?? (await messages.get(app.id, roomId, id));
    if (message === undefined || message.deleted_at !== null) throw new ChatError(ApiErrors.chatMessageNotFound, `No message ${id} in room ${roomId}`);
    return message;
  }

  async setCursor(app: App, roomId: string, userId: string, position: number): Promise<number> {
    await this.#require(app, roomId, userId, 'reader');
    const { messages } = await this.#repos(app);
    const cursor = found(await messages.setCursor(app.id, roomId, userId, position), ApiErrors.chatRoomNotFound, `No room ${roomId}`);
    this.#options.realtime.publish(app, roomId, ChatEvents.cursor, { user_id: userId, position: cursor });
    return cursor;
  }

  /** Typing is never stored: one event on the room's channel. */
  async typing(app: App, roomId: string, userId: string): Promise<void> {
    await this.#require(app, roomId, userId, 'member');
    this.#options.realtime.publish(app, roomId, ChatEvents.typing, { user_id: userId });
  }
}

function found<T>(value: T | undefined, error: (typeof ApiErrors)[keyof typeof ApiErrors], detail: string): T {
  if (value === undefined) throw new ChatError(error, detail);
  return value;
}
