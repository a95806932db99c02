/**
 * The shapes chat requests must have (zod), checked before anything is stored. Ids are the
 * characters channel names and presence user ids allow, so a room id fits in its channel name
 * (`presence-chat-<room id>`) and a user id is a presence user id as it is.
 */
import { z } from 'zod';

export const CHAT_ID = /^[A-Za-z0-9_\-=@,.;]{1,128}$/;
const id = () => z.string().regex(CHAT_ID, 'must be 1-128 letters, digits or _-=@,.;');

/** Custom data: any JSON object, kept as given. */
const customData = z.record(z.string(), z.unknown());
const url = z.url({ protocol: /^https?$/ }).max(2_048);

export const ROLES = ['reader', 'member', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const userInput = z.strictObject({
  id: id(),
  name: z.string().max(256).optional(),
  avatar_url: url.optional(),
  custom_data: customData.optional(),
});

export const userUpdate = z.strictObject({
  name: z.string().max(256).nullable().optional(),
  avatar_url: url.nullable().optional(),
  custom_data: customData.nullable().optional(),
});

export const roomInput = z.strictObject({
  id: id().optional(),
  name: z.string().max(256).optional(),
  private: z.boolean().default(false),
  custom_data: customData.optional(),
  /** Made an admin of the room. */
  creator_id: id().optional(),
  /** Added as members (role member) with the room. */
  user_ids: z.array(id()).max(1_000).optional(),
});

export const roomUpdate = z.strictObject({
  name: z.string().max(256).nullable().optional(),
  private: z.boolean().optional(),
  custom_data: customData.nullable().optional(),
});

export const membersInput = z.strictObject({
  user_ids: z.array(id()).min(1).max(1_000),
  role: z.enum(ROLES).default('member'),
});

export const membersRemoval = z.strictObject({ user_ids: z.array(id()).min(1).max(1_000) });

export const roleInput = z.strictObject({ user_id: id(), role: z.enum(ROLES) });

const mimeType = z.string().regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i, 'must be a MIME type like text/plain').max(255);

/** A part is inline content (text, or base64 data) or a URL, each with its MIME type. */
export const partInput = z.union([
  z.strictObject({ type: mimeType, content: z.string() }),
  z.strictObject({ type: mimeType, content: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'), encoding: z.literal('base64') }),
  z.strictObject({ type: mimeType, url }),
]);
export type Part = z.output<typeof partInput>;

export const messageInput = z.strictObject({
  parts: z.array(partInput).min(1),
  /** Makes a retried send store one message: the same key from the same sender in a room returns the first. */
  client_key: z.string().min(1).max(128).optional(),
});

/** The backend sends as a user it names. */
export const backendMessageInput = messageInput.extend({ sender_id: id() });

export const editInput = z.strictObject({ parts: z.array(partInput).min(1) });

export const cursorInput = z.strictObject({ position: z.int().min(0) });

export const tokenInput = z.strictObject({ user_id: id(), ttl_seconds: z.int().positive().optional() });

/** pusher-js channel authorization (form-encoded). */
export const channelAuthInput = z.strictObject({
  socket_id: z.string().regex(/^\d+\.\d+$/, 'must be a socket id'),
  channel_name: z.string().min(1).max(200),
});
