/**
 * RFC 8292 (VAPID) as a push service checks it, written from the RFC: the `vapid t=<JWT>,
 * k=<key>` Authorization scheme, an ES256 JWT signed with the key in `k`, `aud` the push
 * resource's origin, `exp` in the future and no more than 24 hours ahead, `sub` a mailto: or
 * https: contact.
 */
import { createPublicKey, verify } from 'node:crypto';

export type VapidVerdict =
  | { readonly ok: true; readonly key: string; readonly subject: string; readonly expiresAt: number }
  /** 401: no or bad credentials; 403: good credentials for another key than the subscription's. */
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

const DAY_SECONDS = 24 * 60 * 60;
/**
 * (token, k) pairs whose signature verified. The verdict of an ES256 signature check depends on
 * those bytes only, so a repeat is answered from here: a sender reuses one token for hours, and
 * verifying it on every message made this service cost more CPU than the sender in the push
 * benchmark. Every other check (aud, exp against now, sub, k against the subscription) still
 * runs on every message. Bounded: cleared when full.
 */
const verifiedSignatures = new Set<string>();
const MAX_VERIFIED = 10_000;

function fail(status: 401 | 403, reason: string): VapidVerdict {
  return { ok: false, status, reason };
}

/** `subscriptionKey` is the applicationServerKey the subscription was made with (base64url). */
export function checkVapid(authorization: string | undefined, audience: string, subscriptionKey: string, nowMs: number): VapidVerdict {
  if (authorization === undefined) return fail(401, 'no Authorization header');
  const match = /^vapid\s+(.+)$/i.exec(authorization.trim());
  if (match === null) return fail(401, 'Authorization scheme is not vapid');
  const params = new Map<string, string>();
  for (const part of (match[1] ?? '').split(',')) {
    const [name, ...value] = part.trim().split('=');
    if (name !== undefined) params.set(name.toLowerCase(), value.join('='));
  }
  const token = params.get('t');
  const key = params.get('k');
  if (token === undefined || key === undefined) return fail(401, 'vapid credentials need t and k');
  const segments = token.split('.');
  if (segments.length !== 3) return fail(401, 't is not a JWS compact serialization');
  const [headerPart = '', payloadPart = '', signaturePart = ''] = segments;
  let header: { alg?: unknown };
  let claims: { aud?: unknown; exp?: unknown; sub?: unknown };
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as typeof header;
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return fail(401, 'JWT header or claims are not JSON');
  }
  if (header.alg !== 'ES256') return fail(401, 'JWT alg is not ES256');
  const point = Buffer.from(key, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return fail(401, 'k is not an uncompressed P-256 point');
  const signatureKey = `${token} ${key}`;
  if (!verifiedSignatures.has(signatureKey)) {
    const publicKey = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
      format: 'jwk',
    });
    const signature = Buffer.from(signaturePart, 'base64url');
    const signed = verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    if (!signed) return fail(401, 'JWT signature does not verify with k');
    if (verifiedSignatures.size >= MAX_VERIFIED) verifiedSignatures.clear();
    verifiedSignatures.add(signatureKey);
  }
  if (claims.aud !== audience) return fail(401, `JWT aud ${String(claims.aud)} is not ${audience}`);
  const nowSeconds = Math.floor(nowMs / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return fail(401, 'JWT exp is missing or past');
  if (claims.exp > nowSeconds + DAY_SECONDS) return fail(401, 'JWT exp is more than 24 hours ahead');
  if (typeof claims.sub !== 'string' || !/^(mailto:.+|https:\/\/.+)$/.test(claims.sub)) return fail(401, 'JWT sub is not a mailto: or https: contact');
  if (key !== subscriptionKey) return fail(403, 'k is not the key the subscription was made with');
  return { ok: true, key, subject: claims.sub, expiresAt: claims.exp * 1000 };
}
