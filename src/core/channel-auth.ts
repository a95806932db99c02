/**
 * Authorizes a subscribe request (protocol §3.2, §5). This runs before any other work on the
 * request: the signature is checked first, and only then is channel_data parsed.
 */
import type { PresenceMember } from '../cluster/channel-state.js';
import type { ClientMessage } from '../protocol/codec.js';
import { channelType, requiresAuth, USER_CHANNEL_PREFIX, type ChannelType } from '../protocol/channels.js';
import { SubscriptionErrors, type SubscriptionError } from '../protocol/errors.js';
import { isJsonObject, MAX_JSON_DEPTH, nestsDeeperThan, tryParseJson } from '../protocol/json.js';
import { channelStringToSign, verifyToken } from '../protocol/signatures.js';
import type { Connection } from './connection.js';

type SubscribeMessage = Extract<ClientMessage, { type: 'subscribe' }>;

export type Authorization =
  | { readonly ok: true; readonly type: ChannelType; readonly member: PresenceMember | undefined }
  | { readonly ok: false; readonly error: SubscriptionError; readonly detail?: string };

function refuse(error: SubscriptionError, detail?: string): Authorization {
  return detail === undefined ? { ok: false, error } : { ok: false, error, detail };
}

/** `now`: the time tokens are checked against (their expiry). */
export function authorizeSubscription(connection: Connection, message: SubscribeMessage, now: number): Authorization {
  const { channel, auth, channelData } = message;
  const type = channelType(channel);

  if (type.kind === 'user') {
    const userId = channel.slice(USER_CHANNEL_PREFIX.length);
    return connection.user?.id === userId
      ? { ok: true, type, member: undefined }
      : refuse(SubscriptionErrors.userChannelForbidden);
  }
  if (!requiresAuth(type)) return { ok: true, type, member: undefined };
  if (auth === undefined) return refuse(SubscriptionErrors.missingAuth);

  const { app, socketId } = connection;
  const signedInPresence = type.kind === 'presence' && channelData === undefined;
  if (signedInPresence && connection.user === undefined) return refuse(SubscriptionErrors.missingChannelData);

  const check = verifyToken(app, auth, channelStringToSign(socketId, channel, type.kind === 'presence' ? channelData : undefined), now);
  if (check === 'wrong-key' || check === 'malformed') {
    return refuse(SubscriptionErrors.invalidKey, `Invalid key in subscription auth data: '${auth.split(':')[0] ?? ''}'`);
  }
  if (check === 'wrong-signature') {
    const signed = channelStringToSign(socketId, channel, signedInPresence ? undefined : channelData);
    return refuse(SubscriptionErrors.invalidSignature, `Invalid signature: expected HMAC SHA256 hex digest of ${signed}`);
  }

  if (type.kind !== 'presence') return { ok: true, type, member: undefined };
  if (signedInPresence) {
    const user = connection.user;
    if (user === undefined) return refuse(SubscriptionErrors.missingChannelData);
    return { ok: true, type, member: { userId: user.id, userInfo: user.info } };
  }
  return parseMember(connection, channelData ?? '', type);
}

function parseMember(connection: Connection, channelData: string, type: ChannelType): Authorization {
  const parsed = tryParseJson(channelData);
  if (!isJsonObject(parsed)) return refuse(SubscriptionErrors.invalidChannelData);
  const userId = parsed['user_id'];
  const validId =
    (typeof userId === 'string' && userId !== '') || (typeof userId === 'number' && Number.isFinite(userId));
  if (!validId) return refuse(SubscriptionErrors.invalidChannelData);
  if (String(userId).length > connection.app.maxUserIdLength) return refuse(SubscriptionErrors.userIdTooLong);
  const userInfo = parsed['user_info'];
  // Checked first: the size check serializes it, and so do the presence messages.
  if (userInfo !== undefined && nestsDeeperThan(userInfo, MAX_JSON_DEPTH)) return refuse(SubscriptionErrors.userInfoTooDeep);
  if (userInfo !== undefined && Buffer.byteLength(JSON.stringify(userInfo)) > connection.app.maxPresenceUserInfoBytes) {
    return refuse(SubscriptionErrors.memberTooLarge);
  }
  return { ok: true, type, member: { userId, userInfo } };
}
