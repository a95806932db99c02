/**
 * The user tokens Beams' server SDKs mint with `generateToken(userId)` and the web SDK sends with
 * `setUserId`: a JWT signed HS256 with the instance's secret key, `sub` the user id, `exp` 24
 * hours on, `iss` `https://<instance id>.pushnotifications.pusher.com`. Only HS256 is accepted
 * (never `none`), the signature is compared in constant time, and an expired token is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isUserId } from './push-names.js';

export type TokenVerdict = { readonly ok: true; readonly userId: string } | { readonly ok: false; readonly reason: string };

export function beamsIssuer(instanceId: string): string {
  return `https://${instanceId}.pushnotifications.pusher.com`;
}

export function verifyUserToken(token: string, instanceId: string, secret: string, nowMs: number): TokenVerdict {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a JWT' };
  const [headerPart = '', claimsPart = '', signaturePart = ''] = parts;
  const expected = createHmac('sha256', secret).update(`${headerPart}.${claimsPart}`).digest();
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(claimsPart, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'header or claims are not JSON' };
  }
  if (!isRecord(header) || header['alg'] !== 'HS256') return { ok: false, reason: 'alg is not HS256' };
  if (!isRecord(claims)) return { ok: false, reason: 'claims are not an object' };
  const exp = claims['exp'];
  if (typeof exp !== 'number' || exp * 1000 <= nowMs) return { ok: false, reason: 'expired or no exp' };
  const issuer = claims['iss'];
  if (issuer !== undefined && issuer !== beamsIssuer(instanceId)) return { ok: false, reason: 'issued for another instance' };
  const sub = claims['sub'];
  if (!isUserId(sub)) return { ok: false, reason: 'sub is not a user id' };
  return { ok: true, userId: sub };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
