/**
 * A Beams publish request, checked: `interests` (1-100 names) or `users` (1-1000 ids), at least
 * one of `apns`, `fcm`, `web` (only `web` is delivered: Switchboard has Web Push devices only),
 * and the web payload Beams defines (`notification`, `data`, `time_to_live` up to 28 days). The
 * message each device gets is built here once, so a payload too large for one Web Push message is
 * refused at publish time rather than failing on every device.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { PushErrors, type PushError } from './push-errors.js';
import { isInterestName, isUserId, MAX_PUBLISH_INTERESTS, MAX_PUBLISH_USERS } from './push-names.js';

/** Beams' longest time_to_live (28 days), its default too. */
export const MAX_TTL_SECONDS = 2_419_200;
/**
 * Largest plaintext that fits one 4096-byte aes128gcm message: minus the 86-byte header (salt,
 * record size, key id length, 65-byte key id), the 16-byte tag and the 1-byte delimiter.
 */
export const MAX_WEB_PLAINTEXT_BYTES = 4096 - 86 - 16 - 1;

export type PublishTarget = { readonly kind: 'interests'; readonly names: readonly string[] } | { readonly kind: 'users'; readonly ids: readonly string[] };

export type Urgency = 'very-low' | 'low' | 'normal' | 'high';

export interface WebPublish {
  readonly ttlSeconds: number;
  readonly urgency: Urgency;
  /** A later message with the same topic replaces this one while it waits in the push service. */
  readonly topic: string | undefined;
  /** The message as each device receives it, but for the publish id (see webMessage). */
  readonly notification: Readonly<Record<string, unknown>> | undefined;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface PublishRequest {
  readonly target: PublishTarget;
  /** Undefined when the publish has only apns / fcm payloads (no device here receives it). */
  readonly web: WebPublish | undefined;
}

const notificationSchema = z
  .object({
    title: z.string().optional(),
    body: z.string().optional(),
    icon: z.string().optional(),
    deep_link: z.string().optional(),
    hide_notification_if_site_has_focus: z.boolean().optional(),
  })
  .loose();

const webSchema = z.object({
  notification: notificationSchema.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  time_to_live: z.unknown().optional(),
  // Switchboard's extensions (RFC 8030 §5.3, §5.4); Beams has neither.
  urgency: z.enum(['very-low', 'low', 'normal', 'high']).optional(),
  topic: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'topic is 1-32 characters of the URL-safe base64 alphabet')
    .optional(),
});

const bodySchema = z.object({
  interests: z.array(z.unknown()).optional(),
  users: z.array(z.unknown()).optional(),
  web: webSchema.optional(),
  apns: z.record(z.string(), z.unknown()).optional(),
  fcm: z.record(z.string(), z.unknown()).optional(),
  webhookUrl: z.string().optional(),
});

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: PushError; readonly detail?: string };

export function parsePublish(body: unknown, kind: PublishTarget['kind'], instanceId: string): Parsed<PublishRequest> {
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: PushErrors.invalidBody, detail: parsed.error.issues[0]?.message ?? 'invalid body' };
  const input = parsed.data;
  let target: PublishTarget;
  if (kind === 'interests') {
    const names = input.interests;
    if (names === undefined || names.length < 1 || names.length > MAX_PUBLISH_INTERESTS || !names.every(isInterestName)) {
      return { ok: false, error: PushErrors.invalidInterests };
    }
    target = { kind, names: [...new Set(names)] };
  } else {
    const ids = input.users;
    if (ids === undefined || ids.length < 1 || ids.length > MAX_PUBLISH_USERS || !ids.every(isUserId)) return { ok: false, error: PushErrors.invalidUsers };
    target = { kind, ids: [...new Set(ids)] };
  }
  if (input.web === undefined && input.apns === undefined && input.fcm === undefined) return { ok: false, error: PushErrors.noPayload };
  if (input.web === undefined) return { ok: true, value: { target, web: undefined } };
  const ttl = input.web.time_to_live ?? MAX_TTL_SECONDS;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL_SECONDS) return { ok: false, error: PushErrors.invalidTtl };
  const web: WebPublish = {
    ttlSeconds: ttl,
    urgency: input.web.urgency ?? 'normal',
    topic: input.web.topic,
    notification: input.web.notification,
    data: input.web.data ?? {},
  };
  // With a publish id as long as the ones we make, so the check holds for the real message.
  if (Buffer.byteLength(webMessage(web, instanceId, newPublishId())) > MAX_WEB_PLAINTEXT_BYTES) {
    return { ok: false, error: PushErrors.webPayloadTooLarge };
  }
  return { ok: true, value: { target, web } };
}

/**
 * The push message body the Beams service worker expects: the customer's `notification` and
 * `data`, with Beams' metadata in `data.pusher` (the worker reports delivery and open with it).
 */
export function webMessage(web: WebPublish, instanceId: string, publishId: string): string {
  const pusher = { instanceId, publishId, hasDisplayableContent: web.notification !== undefined, hasData: Object.keys(web.data).length > 0 };
  return JSON.stringify({ notification: web.notification, data: { ...web.data, pusher } });
}

/** `pubid-<uuid>`, as Beams names publishes. */
export function newPublishId(): string {
  return `pubid-${randomUUID()}`;
}
