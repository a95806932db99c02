/**
 * HMAC-SHA256 signatures (protocol §5): channel authorization, user sign-in and webhooks.
 * Every comparison is constant-time; a malformed token is simply "invalid".
 */
import { createHmac, createSecretKey, hash, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Secret keys as KeyObjects, made once per secret: `createHmac` with a string key converts and
 * copies it on every call, and every signed API request computes at least one HMAC. Bounded: a
 * process sees few secrets (one per app, two during a rotation); past the bound it starts over.
 */
const keyObjects = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 10_000;

function secretKey(secret: string): KeyObject {
  let key = keyObjects.get(secret);
  if (key === undefined) {
    if (keyObjects.size >= MAX_CACHED_KEYS) keyObjects.clear();
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keyObjects.set(secret, key);
  }
  return key;
}

export function hmacSha256Hex(secret: string, message: string | Buffer): string {
  return createHmac('sha256', secretKey(secret)).update(message).digest('hex');
}

/** One-shot digest (`crypto.hash`): no Hash object per call. */
export function md5Hex(body: Buffer | string): string {
  return hash('md5', body, 'hex');
}

/**
 * True when `given` is the lowercase or uppercase hex of the HMAC-SHA256 of `message`, compared in
 * constant time on the digest bytes (one conversion instead of two hex strings).
 */
export function hmacSha256Matches(secret: string, message: string | Buffer, given: string): boolean {
  if (given.length !== 64 || !/^[0-9a-fA-F]{64}$/.test(given)) return false;
  return timingSafeEqual(createHmac('sha256', secretKey(secret)).update(message).digest(), Buffer.from(given, 'hex'));
}

export interface SigningCredentials {
  readonly key: string;
  /** Signs, and verifies. */
  readonly secret: string;
  /** After a rotation: still verifies (never signs) until `expiresAt` (epoch ms). */
  readonly previousSecret?: { readonly secret: string; readonly expiresAt: number } | undefined;
}

/** The secrets that verify a signature at `nowMs`: the current one, then a previous one still in its grace period. */
export function verifyingSecrets(app: SigningCredentials, nowMs: number): readonly string[] {
  const previous = app.previousSecret;
  return previous !== undefined && nowMs < previous.expiresAt ? [app.secret, previous.secret] : [app.secret];
}

export type TokenCheck = 'valid' | 'malformed' | 'wrong-key' | 'wrong-signature';

/**
 * Verifies an `<app_key>:<hex hmac>` token over `stringToSign`. The key part must be the app's
 * key; the signature is compared in constant time, with each secret that verifies at `nowMs`.
 */
export function verifyToken(app: SigningCredentials, token: string, stringToSign: string, nowMs: number = Date.now()): TokenCheck {
  const colon = token.lastIndexOf(':');
  if (colon <= 0 || colon === token.length - 1) return 'malformed';
  // The key is public; only the signature needs a constant-time comparison.
  if (token.slice(0, colon) !== app.key) return 'wrong-key';
  const signature = token.slice(colon + 1);
  return verifyingSecrets(app, nowMs).some((secret) => hmacSha256Matches(secret, stringToSign, signature)) ? 'valid' : 'wrong-signature';
}

/** `socket_id:channel[:channel_data]` for private, encrypted and presence channels. */
export function channelStringToSign(socketId: string, channel: string, channelData?: string): string {
  return channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
}

/** `socket_id::user::user_data` for `pusher:signin`. */
export function signinStringToSign(socketId: string, userData: string): string {
  return `${socketId}::user::${userData}`;
}

export function signToken(app: SigningCredentials, stringToSign: string): string {
  return `${app.key}:${hmacSha256Hex(app.secret, stringToSign)}`;
}
