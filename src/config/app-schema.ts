/**
 * The per-app part of the configuration schema (`apps[]`): an app's keys, limits, webhooks and
 * features. Part of the one schema (schema.ts); the app store validates stored apps with it too.
 */
import { z } from 'zod';
import { chatSchema } from './feature-schemas.js';

export const WEBHOOK_EVENT_TYPES = [
  'channel_occupied',
  'channel_vacated',
  'member_added',
  'member_removed',
  'client_event',
  'cache_miss',
  'subscription_count',
  'chat_message_created',
  'chat_member_added',
  'chat_member_removed',
  'chat_offline_message',
] as const;

export const positiveInt = () => z.int().positive();

/** Headers Switchboard sets itself on every webhook request; a target may not override them. */
export const RESERVED_WEBHOOK_HEADERS = ['content-type', 'content-length', 'host', 'x-pusher-key', 'x-pusher-signature'] as const;

const webhookHeaders = z
  .record(
    z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name'),
    z.string().regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'must not contain control characters'),
  )
  .refine(
    (headers) => Object.keys(headers).every((name) => !(RESERVED_WEBHOOK_HEADERS as readonly string[]).includes(name.toLowerCase())),
    { message: `may not set ${RESERVED_WEBHOOK_HEADERS.join(', ')}` },
  );

export const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).describe('Endpoint that receives signed POSTs.'),
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES))
    .min(1)
    .optional()
    .describe('Event types sent to this endpoint; all types when absent.'),
  channelPrefixes: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('Only events on channels whose name starts with one of these prefixes; every channel when absent.'),
  headers: webhookHeaders.optional().describe('Extra HTTP headers sent with every request to this endpoint (e.g. an Authorization header).'),
});

/** Beams' webhook event types (push notifications, docs/push.md). */
export const PUSH_WEBHOOK_EVENT_TYPES = ['v1.PublishToUsersAttempt', 'v1.UserNotificationAcknowledgement', 'v1.UserNotificationOpen'] as const;

export const pushWebhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).describe('Endpoint that receives Beams webhooks (POST, signed with the app secret: Webhook-Signature).'),
  events: z
    .array(z.enum(PUSH_WEBHOOK_EVENT_TYPES))
    .min(1)
    .optional()
    .describe('Beams event types sent to this endpoint; all three when absent.'),
  customData: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('Sent as custom_data in every request to this endpoint, as Beams does ({} when absent).'),
});

/** `*`, or `scheme://host[:port]` where the host may start with `*.` (any subdomain). */
export const ORIGIN_PATTERN = /^(\*|[a-z][a-z0-9+.-]*:\/\/(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?)$/;

export const appSchema = z.strictObject({
  id: z.string().min(1).describe('App id, used in HTTP API paths (/apps/{id}/...).'),
  key: z.string().min(1).describe('Public key, used by clients to connect (/app/{key}).'),
  secret: z.string().min(1).describe('Secret for every signature; never sent to clients.'),
  name: z.string().optional().describe('Human-readable name, shown in logs.'),
  enabled: z.boolean().default(true).describe('A disabled app refuses connections (4003) and API calls (403).'),
  clientEvents: z.boolean().default(false).describe('Allow client-* events on private and presence channels.'),
  maxConnections: positiveInt().optional().describe('Connection quota; over it connections close with 4004. Unlimited when absent.'),
  webhooks: z.array(webhookSchema).default([]).describe('Webhook endpoints of this app.'),
  pushWebhooks: z.array(pushWebhookSchema).default([]).describe('Beams webhook endpoints of this app (push notifications: publish to users attempt, acknowledgement, open).'),
  maxEventDataBytes: positiveInt().default(10_240).describe('Largest event data (HTTP API: 413; client events: pusher:error).'),
  maxChannelsPerEvent: positiveInt().default(100).describe('Most channels one HTTP API event may name.'),
  maxEventsPerBatch: positiveInt().default(10).describe('Most events in one batch_events request.'),
  maxPresenceMembers: positiveInt().default(100).describe('Most distinct users in one presence channel.'),
  maxPresenceUserInfoBytes: positiveInt().default(1_024).describe('Largest presence user_info, in bytes of JSON.'),
  maxUserIdLength: positiveInt().default(128).describe('Longest presence or sign-in user id.'),
  maxChannelNameLength: positiveInt().default(200).describe('Longest channel name, prefixes included.'),
  maxEventNameLength: positiveInt().default(200).describe('Longest event name.'),
  clientEventsPerSecond: positiveInt().default(10).describe('Client events allowed per connection per second (over it: 4301).'),
  apiEventsPerSecond: positiveInt()
    .optional()
    .describe('HTTP API messages (event x channel) per second per node; over it: 429 with Retry-After. Unlimited when absent.'),
  requireSignin: z.boolean().default(false).describe('Close connections that have not signed in within signinTimeout (4009).'),
  signinTimeout: positiveInt().default(30).describe('Seconds a connection has to sign in when requireSignin is on.'),
  watchlistEvents: z.boolean().default(true).describe("Send watchlist online/offline events for the signed-in user's watchlist."),
  maxWatchlistSize: positiveInt().default(100).describe('Most user ids in a watchlist; extra ids are dropped with pusher:error 4302.'),
  subscriptionCount: z.boolean().default(false).describe('Broadcast pusher_internal:subscription_count on subscribe and unsubscribe.'),
  cacheTtl: positiveInt().default(1800).describe('Seconds the last event of a cache channel is kept.'),
  allowedOrigins: z
    .array(z.string().regex(ORIGIN_PATTERN, 'must be "*" or an origin like https://example.com or https://*.example.com'))
    .min(1)
    .optional()
    .describe('Origins allowed to connect (WebSocket and HTTP transports); any origin when absent. "https://*.example.com" matches subdomains.'),
  chat: chatSchema.optional().describe('In-app chat for this app (see docs/chat.md); off when absent.'),
});
