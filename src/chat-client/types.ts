/**
 * What the chat client SDK sees: the server's JSON (docs/chat.md), and the few pusher-js shapes
 * it uses, described structurally so the SDK runs on an unmodified pusher-js of any 8.x build
 * (node, web, React Native) without importing it.
 */
export interface MessagePart {
  readonly type: string;
  readonly content?: string;
  readonly encoding?: 'base64';
  readonly url?: string;
}

export interface Message {
  readonly id: number;
  readonly room_id: string;
  readonly sender_id: string;
  readonly parts: readonly MessagePart[];
  readonly created_at: number;
  readonly edited_at: number | null;
  readonly deleted_at: number | null;
}

export interface Room {
  readonly id: string;
  readonly name: string | null;
  readonly private: boolean;
  readonly custom_data: Record<string, unknown> | null;
  readonly created_by: string | null;
  readonly created_at: number;
  readonly updated_at: number;
  readonly last_message_id: number;
  readonly channel: string;
}

export interface MemberRoom extends Room {
  readonly role: 'reader' | 'member' | 'moderator' | 'admin';
  readonly cursor: number;
  readonly unread_count: number;
}

export interface MessagePage {
  readonly messages: readonly Message[];
  readonly first_message_id: number;
  readonly last_message_id: number;
}

/** The part of a pusher-js channel the SDK binds to. */
export interface PusherChannelLike {
  bind(event: string, callback: (data: unknown) => void): unknown;
  unbind(event?: string, callback?: (data: unknown) => void): unknown;
}

/** The part of a pusher-js client the SDK uses. */
export interface PusherLike {
  subscribe(channel: string): PusherChannelLike;
  unsubscribe(channel: string): void;
  disconnect(): void;
  readonly connection: { bind(event: string, callback: (data: unknown) => void): unknown; readonly state: string };
}

/** pusher-js's channelAuthorization customHandler callback. */
export type AuthorizerCallback = (error: Error | null, data: { auth: string; channel_data?: string } | null) => void;

/** The pusher-js constructor (the `Pusher` default export, or `window.Pusher`). */
export type PusherConstructor = new (key: string, options: Record<string, unknown>) => PusherLike;
