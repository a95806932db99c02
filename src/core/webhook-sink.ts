/**
 * What the core tells the webhook layer. Events carry exactly the fields of Pusher's webhook
 * event objects (protocol §7), so the webhook layer batches them as they are.
 */
import type { App } from '../apps/app-store.js';
import type { RawJson } from '../protocol/raw-json.js';

export type WebhookEvent =
  | { readonly name: 'channel_occupied'; readonly channel: string }
  | { readonly name: 'channel_vacated'; readonly channel: string }
  | { readonly name: 'member_added'; readonly channel: string; readonly user_id: string }
  | { readonly name: 'member_removed'; readonly channel: string; readonly user_id: string }
  | {
      readonly name: 'client_event';
      readonly channel: string;
      readonly event: string;
      /** As the client sent it; spliced into the body as is (webhooks/batch.ts). */
      readonly data: RawJson | undefined;
      readonly socket_id: string;
      readonly user_id?: string;
    }
  | { readonly name: 'cache_miss'; readonly channel: string }
  | { readonly name: 'subscription_count'; readonly channel: string; readonly subscription_count: number }
  // In-app chat (docs/chat.md): `channel` is the room's channel, so channelPrefixes filters apply.
  | { readonly name: 'chat_message_created'; readonly channel: string; readonly room_id: string; readonly message: unknown }
  | { readonly name: 'chat_member_added'; readonly channel: string; readonly room_id: string; readonly user_id: string }
  | { readonly name: 'chat_member_removed'; readonly channel: string; readonly room_id: string; readonly user_id: string }
  | {
      readonly name: 'chat_offline_message';
      readonly channel: string;
      readonly room_id: string;
      readonly message_id: number;
      readonly sender_id: string;
      /** Members who were not online in the room (not in its presence channel) when it was sent. */
      readonly user_ids: readonly string[];
    };

export type WebhookEventName = WebhookEvent['name'];

export interface WebhookSink {
  /** Called on the hot path: must return at once and never throw; delivery happens elsewhere. */
  emit(app: App, event: WebhookEvent): void;
}

/** Used when no app has webhooks. */
export const NO_WEBHOOKS: WebhookSink = { emit: () => undefined };

/** Whether an app listens to lifecycle webhooks at all (skips debouncing work when not). */
export function hasWebhooks(app: App): boolean {
  return app.webhooks.length > 0;
}
