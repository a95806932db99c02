/**
 * Chat user tokens: what an app backend gives its client so that the client may act as one user
 * (the client endpoints and the room channels). Any language can mint one:
 *
 *   payload   = base64url(JSON {"app": app id, "user": user id, "exp": expiry in Unix seconds})
 *   signature = hex(HMAC-SHA256(app secret, "chat1." + payload))
 *   token     = "chat1." + payload + "." + signature
 *
 * Switchboard accepts a token until `exp`, if `exp` is at most `apps[].chat.maxTokenSeconds`
 * away, for the app it names, signed with the app's secret (or the previous one during a
 * rotation's grace period). Tokens are bearer credentials: short-lived, sent over TLS.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { verifyingSecrets, type SigningCredentials } from '../protocol/signatures.js';

const PREFIX = 'chat1.';

export interface ChatTokenRequest {
  readonly appId: string;
  /** The app secret (never sent to clients). */
  readonly secret: string;
  readonly userId: string;
  /** Lifetime; default 3600 (one hour). */
  readonly ttlSeconds?: number;
  /** Epoch milliseconds; default Date.now(). */
  readonly now?: number;
}

/** Mints a token for `userId` (the helper `switchboard/chat` exports for app backends). */
export function createChatToken(request: ChatTokenRequest): string {
  const exp = Math.floor((request.now ?? Date.now()) / 1000) + (request.ttlSeconds ?? 3_600);
  const payload = Buffer.from(JSON.stringify({ app: request.appId, user: request.userId, exp })).toString('base64url');
  return `${PREFIX}${payload}.${sign(request.secret, payload)}`;
}

export type ChatTokenCheck =
  | { readonly ok: true; readonly userId: string; readonly expiresAt: number }
  | { readonly ok: false; readonly reason: 'malformed' | 'wrong-app' | 'wrong-signature' | 'expired' | 'too-long' };

export interface TokenApp extends SigningCredentials {
  readonly id: string;
}

/** Checks a token for `app` at `nowMs`; the signature is compared in constant time. */
export function verifyChatToken(app: TokenApp, token: string, nowMs: number, maxTokenSeconds: number): ChatTokenCheck {
  if (!token.startsWith(PREFIX) || token.length > 2_048) return { ok: false, reason: 'malformed' };
  const rest = token.slice(PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot <= 0) return { ok: false, reason: 'malformed' };
  const payload = rest.slice(0, dot);
  const signature = rest.slice(dot + 1);
  if (!/^[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(signature, 'hex');
  const signed = verifyingSecrets(app, nowMs).some((secret) => timingSafeEqual(Buffer.from(sign(secret, payload), 'hex'), given));
  if (!signed) return { ok: false, reason: 'wrong-signature' };
  const claims = parseClaims(payload);
  if (claims === undefined) return { ok: false, reason: 'malformed' };
  if (claims.app !== app.id) return { ok: false, reason: 'wrong-app' };
  const nowSeconds = nowMs / 1000;
  if (claims.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  if (claims.exp > nowSeconds + maxTokenSeconds) return { ok: false, reason: 'too-long' };
  return { ok: true, userId: claims.user, expiresAt: claims.exp * 1000 };
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(`${PREFIX}${payload}`).digest('hex');
}

function parseClaims(payload: string): { app: string; user: string; exp: number } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { app, user, exp } = value as Record<string, unknown>;
  if (typeof app !== 'string' || typeof user !== 'string' || user === '' || typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  return { app, user, exp };
}
