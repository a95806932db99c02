/** Chat rows as the APIs answer them (snake_case JSON, as the Pusher HTTP API does). */
import type { Role, Part } from './chat-input.js';
import type { ChatMemberRow, ChatMessageRow, ChatRoomRow, ChatUserRow } from './chat-tables.js';

export interface ChatUser {
  readonly id: string;
  readonly name: string | null;
  readonly avatar_url: string | null;
  readonly custom_data: Record<string, unknown> | null;
  readonly created_at: number;
  readonly updated_at: number;
}

export interface ChatRoom {
  readonly id: string;
  readonly name: string | null;
  readonly private: boolean;
  readonly custom_data: Record<string, unknown> | null;
  readonly created_by: string | null;
  readonly created_at: number;
  readonly updated_at: number;
  /** The newest message id (0: none yet). */
  readonly last_message_id: number;
  /** The realtime channel of the room (a presence channel: its members are the room's online members). */
  readonly channel: string;
}

export interface ChatMember {
  readonly user_id: string;
  readonly role: Role;
  readonly cursor: number;
  readonly joined_at: number;
}

export interface ChatMessage {
  readonly id: number;
  readonly room_id: string;
  readonly sender_id: string;
  /** Empty once deleted. */
  readonly parts: readonly Part[];
  readonly created_at: number;
  readonly edited_at: number | null;
  readonly deleted_at: number | null;
}

/** A room as one of its members sees it. */
export interface MemberRoom extends ChatRoom {
  readonly role: Role;
  readonly cursor: number;
  readonly unread_count: number;
}

export const ROOM_CHANNEL_PREFIX = 'presence-chat-';

export function roomChannel(roomId: string): string {
  return `${ROOM_CHANNEL_PREFIX}${roomId}`;
}

function json(text: string | null): Record<string, unknown> | null {
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

export function toUser(row: ChatUserRow): ChatUser {
  return {
    id: row.id,
    name: row.name,
    avatar_url: row.avatar_url,
    custom_data: json(row.custom_data),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function toRoom(row: ChatRoomRow): ChatRoom {
  return {
    id: row.id,
    name: row.name,
    private: row.private === 1,
    custom_data: json(row.custom_data),
    created_by: row.created_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
    last_message_id: row.last_message_id,
    channel: roomChannel(row.id),
  };
}

export function toMember(row: Pick<ChatMemberRow, 'user_id' | 'role' | 'cursor' | 'joined_at'>): ChatMember {
  return { user_id: row.user_id, role: row.role as Role, cursor: row.cursor, joined_at: row.joined_at };
}

export function toMessage(row: ChatMessageRow): ChatMessage {
  return {
    id: row.id,
    room_id: row.room_id,
    sender_id: row.sender_id,
    parts: JSON.parse(row.parts) as Part[],
    created_at: row.created_at,
    edited_at: row.edited_at,
    deleted_at: row.deleted_at,
  };
}
