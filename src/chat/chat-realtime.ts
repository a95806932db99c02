/**
 * What chat tells the world after a change is stored: an event on the room's channel (Pusher
 * channels, so every transport and every node of a cluster), webhooks to the app backend, and
 * the internal hook for members who were offline when a message arrived (the push layer's).
 *
 * Events are at most once, like every Pusher event: a client that misses one finds the message
 * by its id when it catches up (the client SDK does), so nothing here retries.
 */
import type { App } from '../apps/app-store.js';
import type { ChannelState } from '../cluster/channel-state.js';
import type { Engine } from '../core/engine.js';
import type { Logger } from '../shared/logger.js';
import type { WebhookEvent, WebhookSink } from '../core/webhook-sink.js';
import { roomChannel, type ChatMessage } from './chat-model.js';

/** Realtime events on a room's channel. */
export const ChatEvents = {
  message: 'chat-message',
  edited: 'chat-message-edited',
  deleted: 'chat-message-deleted',
  typing: 'chat-typing',
  cursor: 'chat-cursor',
  membersAdded: 'chat-members-added',
  membersRemoved: 'chat-members-removed',
  roomUpdated: 'chat-room-updated',
  roomDeleted: 'chat-room-deleted',
} as const;

/** A message reached members who were not online in its room. */
export interface OfflineMessage {
  readonly appId: string;
  readonly roomId: string;
  readonly message: ChatMessage;
  readonly userIds: readonly string[];
}

/** Hooks other features register (the push-notification layer listens to `offlineMessage`). */
export interface ChatHooks {
  offlineMessage?: (event: OfflineMessage) => void;
}

export interface ChatRealtimeOptions {
  readonly engine: Engine;
  readonly channels: ChannelState;
  readonly webhooks: WebhookSink;
  readonly hooks: ChatHooks;
  readonly logger: Logger;
}

export class ChatRealtime {
  readonly #options: ChatRealtimeOptions;

  constructor(options: ChatRealtimeOptions) {
    this.#options = options;
  }

  publish(app: App, roomId: string, event: string, data: unknown): void {
    this.#options.engine.publish({ appId: app.id, channel: roomChannel(roomId), event, data: JSON.stringify(data) });
  }

  /** A new message: its event, its webhook, and (when anyone listens) who was offline. */
  messageCreated(app: App, message: ChatMessage, memberIds: () => Promise<readonly string[]>): void {
    const channel = roomChannel(message.room_id);
    this.publish(app, message.room_id, ChatEvents.message, message);
    this.#emit(app, { name: 'chat_message_created', channel, room_id: message.room_id, message });
    if (!this.#wantsOffline(app)) return;
    void this.#offline(app, message, memberIds).catch((error: unknown) =>
      this.#options.logger.warn({ err: error, app: app.id, room: message.room_id }, 'chat: finding the offline members of a message failed'),
    );
  }

  membersChanged(app: App, roomId: string, userIds: readonly string[], added: boolean): void {
    if (userIds.length === 0) return;
    const channel = roomChannel(roomId);
    this.publish(app, roomId, added ? ChatEvents.membersAdded : ChatEvents.membersRemoved, { user_ids: userIds });
    for (const user_id of userIds) this.#emit(app, { name: added ? 'chat_member_added' : 'chat_member_removed', channel, room_id: roomId, user_id });
  }

  #emit(app: App, event: WebhookEvent): void {
    if (app.webhooks.length > 0) this.#options.webhooks.emit(app, event);
  }

  #wantsOffline(app: App): boolean {
    return (
      this.#options.hooks.offlineMessage !== undefined ||
      app.webhooks.some((target) => target.events === undefined || target.events.includes('chat_offline_message'))
    );
  }

  async #offline(app: App, message: ChatMessage, memberIds: () => Promise<readonly string[]>): Promise<void> {
    const [members, online] = await Promise.all([memberIds(), this.#options.channels.members(app.id, roomChannel(message.room_id))]);
    const present = new Set(online.map((member) => String(member.userId)));
    const offline = members.filter((id) => id !== message.sender_id && !present.has(id));
    if (offline.length === 0) return;
    this.#emit(app, {
      name: 'chat_offline_message',
      channel: roomChannel(message.room_id),
      room_id: message.room_id,
      message_id: message.id,
      sender_id: message.sender_id,
      user_ids: offline,
    });
    this.#options.hooks.offlineMessage?.({ appId: app.id, roomId: message.room_id, message, userIds: offline });
  }
}
